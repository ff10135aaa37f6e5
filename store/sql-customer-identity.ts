/**
 * The shop's customer identity provider's storage (identity-provider/customers.ts), on the
 * registration store's database beside the customers it signs in: what `oidc-provider` keeps
 * (sessions, interactions, codes, grants, tokens: one row per model and id, as its adapter
 * interface asks), its signing keys (every API process on the database signs with the same newest
 * key and publishes all that are not retired: a new key signs no one out), and the sign-in
 * failures counted per account and per client address (domain/sign-in-throttle.ts).
 */
import { emailKey } from '../domain/registration';
import { failedOnce, FORGET_AFTER_S, tryAllowedFor, type Failures } from '../domain/sign-in-throttle';
import type { CustomerIdentityOperations, Payload } from './customer-account-types';
import { customerByKey } from './registration-rows';
import type { Sql, Transactions } from './sql';

export const CUSTOMER_IDENTITY_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS customer_idp_models (
    model TEXT NOT NULL, id TEXT NOT NULL, payload TEXT NOT NULL, grant_id TEXT, uid TEXT, user_code TEXT,
    account_id TEXT, expires_at BIGINT, consumed_at TEXT, PRIMARY KEY (model, id))`,
  'CREATE INDEX IF NOT EXISTS customer_idp_models_grant ON customer_idp_models (grant_id)',
  'CREATE INDEX IF NOT EXISTS customer_idp_models_uid ON customer_idp_models (uid)',
  'CREATE INDEX IF NOT EXISTS customer_idp_models_account ON customer_idp_models (account_id)',
  `CREATE TABLE IF NOT EXISTS customer_idp_keys (
    kid TEXT PRIMARY KEY, jwk TEXT NOT NULL, created_at TEXT NOT NULL, retired_at TEXT)`,
  `CREATE TABLE IF NOT EXISTS sign_in_failures (
    failure_key TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_at BIGINT NOT NULL)`,
];

/** The failure key of an account: its address, whether or not a customer has it. */
export const accountFailureKey = (email: string): string => `account:${emailKey(email)}`;
export const clientFailureKey = (address: string): string => `client:${address}`;

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function live(row: Record<string, unknown> | undefined, now: number): Payload | undefined {
  if (!row) return undefined;
  if (row.expires_at !== null && row.expires_at !== undefined && Number(row.expires_at) <= now)
    return undefined;
  const payload = JSON.parse(String(row.payload)) as Payload;
  return row.consumed_at ? { ...payload, consumed: Number(row.consumed_at) } : payload;
}

export function customerIdentityOperations(db: Transactions): CustomerIdentityOperations {
  const one = (sql: Sql, where: string, values: unknown[]) =>
    sql.all(`SELECT * FROM customer_idp_models WHERE ${where}`, values).then((rows) => rows[0]);
  return {
    idpUpsert: (model, id, payload, expiresAt) =>
      db.tx(async (sql) => {
        // One statement: two requests saving one session at once both succeed, the later one kept.
        await sql.run(
          `INSERT INTO customer_idp_models (model, id, payload, grant_id, uid, user_code, account_id, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
             uid = excluded.uid, user_code = excluded.user_code, account_id = excluded.account_id,
             expires_at = excluded.expires_at, consumed_at = NULL`,
          [
            model,
            id,
            JSON.stringify(payload),
            text(payload.grantId),
            text(payload.uid),
            text(payload.userCode),
            text(payload.accountId),
            expiresAt ?? null,
          ],
        );
      }),
    idpFind: (model, id, now) =>
      db.tx(async (sql) => live(await one(sql, 'model = ? AND id = ?', [model, id]), now)),
    idpFindByUid: (uid, now) =>
      db.tx(async (sql) => live(await one(sql, "model = 'Session' AND uid = ?", [uid]), now)),
    idpFindByUserCode: (code, now) =>
      db.tx(async (sql) => live(await one(sql, "model = 'DeviceCode' AND user_code = ?", [code]), now)),
    idpConsume: (model, id, at) =>
      db.tx(async (sql) => {
        await sql.run('UPDATE customer_idp_models SET consumed_at = ? WHERE model = ? AND id = ?', [
          String(Math.floor(at / 1000)),
          model,
          id,
        ]);
      }),
    idpDestroy: (model, id) =>
      db.tx(async (sql) => {
        await sql.run('DELETE FROM customer_idp_models WHERE model = ? AND id = ?', [model, id]);
      }),
    idpRevokeByGrantId: (grantId) =>
      db.tx(async (sql) => {
        await sql.run('DELETE FROM customer_idp_models WHERE grant_id = ?', [grantId]);
      }),
    customerSigningKeys: () =>
      db.tx(async (sql) => {
        const rows = await sql.all(
          'SELECT jwk FROM customer_idp_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid DESC',
        );
        return rows.map((row) => JSON.parse(String(row.jwk)) as Record<string, unknown>);
      }),
    addCustomerSigningKey: (jwk, at) =>
      db.tx(async (sql) => {
        await sql.run(
          'INSERT INTO customer_idp_keys (kid, jwk, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
          [jwk.kid, JSON.stringify(jwk), at],
        );
      }),
    retireCustomerSigningKey: (kid, at) =>
      db.tx(async (sql) => {
        await sql.run('UPDATE customer_idp_keys SET retired_at = ? WHERE kid = ?', [at, kid]);
      }),
    customerForSignIn: (email) =>
      db.tx(async (sql) => {
        const row = await customerByKey(sql, emailKey(email));
        return row
          ? {
              customerId: String(row.customer_id),
              email: String(row.email),
              name: String(row.name),
              passwordHash: String(row.password_hash),
            }
          : undefined;
      }),
    rehashCustomerPassword: (customerId, oldHash, newHash) =>
      db.tx(async (sql) => {
        // Only over the hash it replaces: a reset at the same moment wins.
        await sql.run('UPDATE customers SET password_hash = ? WHERE customer_id = ? AND password_hash = ?', [
          newHash,
          customerId,
          oldHash,
        ]);
      }),
    signInFailures: (keys) =>
      db.tx(async (sql) => {
        const found = new Map<string, Failures>();
        for (const key of keys) {
          const [row] = await sql.all(
            'SELECT failures, last_at FROM sign_in_failures WHERE failure_key = ?',
            [key],
          );
          if (row) found.set(key, { count: Number(row.failures), lastAt: Number(row.last_at) });
        }
        return found;
      }),
    recordSignInFailure: (keys, now) => db.tx((sql) => countFailures(sql, keys, now)),
    claimSignInTry: ({ account, client }, now, { passClient = false } = {}) =>
      db.tx(async (sql) => {
        // Both rows locked (PostgreSQL; SQLite's transactions take turns): tries at once count one by one.
        for (const key of [account, client])
          await sql.run(
            'INSERT INTO sign_in_failures (failure_key, failures, last_at) VALUES (?, 0, 0) ON CONFLICT DO NOTHING',
            [key],
          );
        const rows = await sql.all(
          `SELECT failure_key, failures, last_at FROM sign_in_failures WHERE failure_key IN (?, ?) ${db.dialect.forUpdate}`,
          [account, client],
        );
        const of = (key: string): Failures | undefined => {
          const row = rows.find((r) => r.failure_key === key);
          return row && Number(row.failures) > 0
            ? { count: Number(row.failures), lastAt: Number(row.last_at) }
            : undefined;
        };
        const clientBefore = of(client);
        const waits = [
          tryAllowedFor('account', of(account), now),
          passClient ? ({ allowed: true } as const) : tryAllowedFor('client', of(client), now),
        ];
        const wait = Math.max(0, ...waits.map((v) => (v.allowed ? 0 : v.retryAfterSeconds)));
        if (wait > 0) return { allowed: false as const, retryAfterSeconds: wait };
        // Counted as a failure before the password is checked; a good one takes it back.
        await countFailures(sql, [account, client], now);
        return { allowed: true as const, clientBefore };
      }),
    signInSucceeded: ({ account, client }, clientBefore) =>
      db.tx(async (sql) => {
        await sql.run('DELETE FROM sign_in_failures WHERE failure_key = ?', [account]);
        // The client address as it was before this try: a good sign-in neither counts nor restarts its wait.
        await sql.run(
          'UPDATE sign_in_failures SET failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END, last_at = ? WHERE failure_key = ?',
          [clientBefore?.lastAt ?? 0, client],
        );
      }),
    sweepCustomerIdentity: (now) =>
      db.tx(async (sql) => {
        await sql.run('DELETE FROM customer_idp_models WHERE expires_at IS NOT NULL AND expires_at < ?', [
          now,
        ]);
        await sql.run('DELETE FROM sign_in_failures WHERE last_at < ?', [now - FORGET_AFTER_S * 1000]);
      }),
    clearSignInFailures: (keys) =>
      db.tx(async (sql) => {
        for (const key of keys) await sql.run('DELETE FROM sign_in_failures WHERE failure_key = ?', [key]);
      }),
  };
}

/** One more failure for each key, in one statement each (two at once both count). */
async function countFailures(sql: Sql, keys: readonly string[], now: number): Promise<void> {
  for (const key of keys) {
    const [row] = await sql.all('SELECT failures, last_at FROM sign_in_failures WHERE failure_key = ?', [
      key,
    ]);
    const before =
      row && Number(row.failures) > 0
        ? { count: Number(row.failures), lastAt: Number(row.last_at) }
        : undefined;
    const next = failedOnce(before, now);
    await sql.run(
      `INSERT INTO sign_in_failures (failure_key, failures, last_at) VALUES (?, ?, ?)
       ON CONFLICT (failure_key) DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at`,
      [key, next.count, next.lastAt],
    );
  }
}

/**
 * A new password's other half (store/sql-password-resets.ts, in its transaction): the account's
 * sign-in failures are forgotten (a lock lifted) and every session, grant and token the provider
 * holds for the customer ends.
 */
export async function afterPasswordChange(sql: Sql, customerId: string, email: string): Promise<void> {
  await sql.run('DELETE FROM sign_in_failures WHERE failure_key = ?', [accountFailureKey(email)]);
  const grants = await sql.all(
    "SELECT id FROM customer_idp_models WHERE model = 'Grant' AND account_id = ?",
    [customerId],
  );
  for (const grant of grants) await sql.run('DELETE FROM customer_idp_models WHERE grant_id = ?', [grant.id]);
  await sql.run('DELETE FROM customer_idp_models WHERE account_id = ?', [customerId]);
}
