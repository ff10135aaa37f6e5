/**
 * `npm run customer-keys -- list | rotate | retire <kid>`: the customer identity provider's signing
 * keys, in the app's database (DATA_DIR or DATABASE_URL, as the API reads them).
 *
 * - rotate: a new key, which every API process started from now on signs with; tokens signed with
 *   the older keys keep working (they are still published) until they expire. Restart the API
 *   processes one by one afterwards.
 * - retire <kid>: the key is no longer published; tokens signed with it stop working within ten
 *   minutes (CUSTOMER_KEYS_MAX_AGE_MS). Retire a key only once every process signs with a newer one
 *   and its tokens (15 minutes) have run out.
 */
import { loadConfig } from '../config/settings';
import { newCustomerSigningKey } from '../identity-provider/customers';
import { openRegistrationStore } from '../store';

async function main(): Promise<void> {
  const [command, kid] = process.argv.slice(2);
  const store = openRegistrationStore(loadConfig());
  try {
    if (command === 'rotate') {
      const key = await newCustomerSigningKey();
      await store.addCustomerSigningKey(
        key as unknown as Record<string, unknown> & { kid: string },
        new Date().toISOString(),
      );
      console.log(
        `added key ${key.kid}: API processes started from now on sign with it; restart them one by one`,
      );
    } else if (command === 'retire' && kid) {
      await store.retireCustomerSigningKey(kid, new Date().toISOString());
      console.log(`retired key ${kid}: tokens signed with it stop working within ten minutes`);
    } else if (command !== 'list') {
      console.error('usage: npm run customer-keys -- list | rotate | retire <kid>');
      process.exitCode = 2;
      return;
    }
    for (const key of await store.customerSigningKeys()) console.log(`${String(key.kid)}  published`);
  } finally {
    await store.close();
  }
}

void main();
