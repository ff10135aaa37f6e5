/**
 * A customer's account in the store, on SQLite and PostgreSQL: forgotten passwords (only the
 * newest link works, once, and a new password ends the provider's sessions and lifts a lock), the
 * customer provider's models with their expiry, its keys, and the sign-in failures.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openRegistrationStore, type RegistrationStore } from '../../store';
import { accountFailureKey } from '../../store/sql-customer-identity';
import { confirmedCustomer } from '../helpers/customers';
import { BACKENDS } from '../helpers/databases';

const NOW = Date.parse('2026-12-03T10:00:00Z');
const at = (ms: number) => new Date(NOW + ms).toISOString();

for (const backend of BACKENDS) {
  describe(`customer accounts on ${backend.name}`, () => {
    const fresh = async (): Promise<RegistrationStore> =>
      openRegistrationStore({ dataDir: '', databaseUrl: await backend.freshDatabaseUrl() });

    it('a reset: only the newest works, once; the password changes with the sessions ended and the lock lifted', async () => {
      const store = await fresh();
      const ada = await confirmedCustomer(store, { email: 'ada@example.com', customerId: 'cus_ada' });
      assert.equal(
        await store.openPasswordReset({
          resetId: 'pwr_x',
          email: 'x@example.com',
          at: at(0),
          expiresAt: at(3600e3),
        }),
        undefined,
      );
      const first = await store.openPasswordReset({
        resetId: 'pwr_1',
        email: 'ADA@example.com',
        at: at(0),
        expiresAt: at(3600e3),
      });
      assert.deepEqual(first?.replaced, []);
      assert.equal(await store.savePasswordResetLink({ resetId: 'pwr_1', tokenHash: 'h1', at: at(0) }), true);
      const limited = await store.openPasswordReset({
        resetId: 'pwr_l',
        email: 'ada@example.com',
        at: at(1000),
        expiresAt: at(3600e3),
      });
      assert.equal(limited?.limited, true, 'a second link within the minute: none');
      const second = await store.openPasswordReset({
        resetId: 'pwr_2',
        email: 'ada@example.com',
        at: at(61_000),
        expiresAt: at(3600e3),
      });
      assert.deepEqual(second?.replaced, ['pwr_1']);
      assert.equal(
        await store.savePasswordResetLink({ resetId: 'pwr_1', tokenHash: 'h1b', at: at(1000) }),
        false,
      );
      await store.savePasswordResetLink({ resetId: 'pwr_2', tokenHash: 'h2', at: at(61_000) });
      assert.equal((await store.passwordResetLink('h1', NOW + 62_000)).verdict, 'replaced');
      assert.equal((await store.passwordResetLink('h2', NOW + 3600e3)).verdict, 'expired');

      await store.idpUpsert('Session', 's1', { accountId: ada.customerId, uid: 'u1' }, NOW + 86_400e3);
      await store.recordSignInFailure([accountFailureKey('ada@example.com')], NOW);
      const used = await store.usePasswordResetLink({
        tokenHash: 'h2',
        passwordHash: 'new-hash',
        at: at(62_000),
      });
      assert.deepEqual(used, { kind: 'changed', resetId: 'pwr_2', customerId: 'cus_ada' });
      assert.deepEqual(
        await store.usePasswordResetLink({ tokenHash: 'h2', passwordHash: 'again', at: at(63_000) }),
        { kind: 'used' },
      );
      assert.equal(await store.passwordHashOf('ada@example.com'), 'new-hash');
      assert.equal(await store.passwordChangedAt('cus_ada'), NOW + 62_000);
      assert.equal(await store.idpFind('Session', 's1', NOW), undefined, 'the session ended');
      assert.equal(
        (await store.signInFailures([accountFailureKey('ada@example.com')])).size,
        0,
        'the lock lifted',
      );
      assert.equal(await store.endPasswordReset('pwr_2', at(3600e3)), 'Completed');
      assert.equal(await store.endPasswordReset('pwr_1', at(3600e3)), 'Replaced');
      await store.close();
    });

    it('the provider’s models expire; consumed is kept; a grant revoked takes its tokens; keys newest first', async () => {
      const store = await fresh();
      await store.idpUpsert('AuthorizationCode', 'c1', { grantId: 'g1', accountId: 'cus_a' }, NOW + 60e3);
      await store.idpUpsert('AccessToken', 't1', { grantId: 'g1' }, NOW + 900e3);
      assert.deepEqual(await store.idpFind('AuthorizationCode', 'c1', NOW), {
        grantId: 'g1',
        accountId: 'cus_a',
      });
      assert.equal(await store.idpFind('AuthorizationCode', 'c1', NOW + 61e3), undefined, 'expired');
      await store.idpConsume('AuthorizationCode', 'c1', NOW);
      assert.ok((await store.idpFind('AuthorizationCode', 'c1', NOW))?.consumed);
      await store.idpRevokeByGrantId('g1');
      assert.equal(await store.idpFind('AccessToken', 't1', NOW), undefined);
      await store.addCustomerSigningKey({ kid: 'old', kty: 'RSA' }, at(0));
      await store.addCustomerSigningKey({ kid: 'new', kty: 'RSA' }, at(1000));
      await store.addCustomerSigningKey({ kid: 'new', kty: 'RSA', other: true }, at(2000));
      assert.deepEqual(
        (await store.customerSigningKeys()).map((k) => k.kid),
        ['new', 'old'],
      );
      await store.retireCustomerSigningKey('old', at(3000));
      assert.deepEqual(
        (await store.customerSigningKeys()).map((k) => k.kid),
        ['new'],
      );
      await store.recordSignInFailure(['client:1.2.3.4'], NOW);
      await store.recordSignInFailure(['client:1.2.3.4'], NOW + 5);
      assert.deepEqual(
        await store.signInFailures(['client:1.2.3.4']),
        new Map([['client:1.2.3.4', { count: 2, lastAt: NOW + 5 }]]),
      );
      await store.close();
    });
  });
}
