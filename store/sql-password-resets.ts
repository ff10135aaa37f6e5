/**
 * Forgotten passwords (domain/password-reset.ts) on the registration store's database, beside the
 * customers they change: a reset per ask of a customer's address (an unknown address leaves no
 * row), the hashes of the links it emailed, and when each customer's password last changed (every
 * token issued before then is refused). Only the newest reset of a customer is pending: opening one
 * replaces the others. Using a link changes the password, marks the reset used and ends the
 * customer's sessions, in one transaction: a link works once, however many arrive at once.
 */
import { emailKey } from '../domain/registration';
import type { PasswordResetStatus, PasswordResetView } from '../domain/password-reset';
import type { PasswordResetOperations, ResetOutcome } from './customer-account-types';
import { resetAllowed, resetLinkVerdict, RESET_LIMITS } from '../domain/password-reset';
import { customerByKey } from './registration-rows';
import { afterPasswordChange } from './sql-customer-identity';
import type { Sql, Transactions } from './sql';

export const PASSWORD_RESET_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS password_resets (
    reset_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, status TEXT NOT NULL,
    requested_at TEXT NOT NULL, expires_at TEXT NOT NULL, updated_at TEXT NOT NULL, view_json TEXT)`,
  'CREATE INDEX IF NOT EXISTS password_resets_customer ON password_resets (customer_id, requested_at)',
  `CREATE TABLE IF NOT EXISTS password_reset_links (
    token_hash TEXT PRIMARY KEY, reset_id TEXT NOT NULL REFERENCES password_resets (reset_id),
    created_at TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS customer_password_changes (
    customer_id TEXT PRIMARY KEY, changed_at TEXT NOT NULL)`,
];

type Row = Record<string, unknown>;
const viewOf = (row: Row): PasswordResetView => JSON.parse(String(row.view_json)) as PasswordResetView;

export function passwordResetOperations(db: Transactions): PasswordResetOperations {
  return {
    openPasswordReset: (input) => db.tx((sql) => open(sql, input, db.dialect.forUpdate)),
    savePasswordResetLink: ({ resetId, tokenHash, at }) =>
      db.tx(async (sql) => {
        const [reset] = await sql.all('SELECT status FROM password_resets WHERE reset_id = ?', [resetId]);
        if (reset?.status !== 'PendingReset') return false;
        await sql.run(
          'INSERT INTO password_reset_links (token_hash, reset_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
          [tokenHash, resetId, at],
        );
        return true;
      }),
    passwordResetLink: (tokenHash, now) =>
      db.tx(async (sql) => {
        const reset = await resetOfLink(sql, tokenHash);
        return {
          verdict: resetLinkVerdict(reset && toState(reset), now),
          resetId: reset && String(reset.reset_id),
        };
      }),
    usePasswordResetLink: (input) => db.tx((sql) => use(sql, input)),
    endPasswordReset: (resetId, at) =>
      db.tx(async (sql) => {
        await sql.run(
          "UPDATE password_resets SET status = 'Expired', updated_at = ? WHERE reset_id = ? AND status = 'PendingReset'",
          [at, resetId],
        );
        const [row] = await sql.all('SELECT status FROM password_resets WHERE reset_id = ?', [resetId]);
        return ((row?.status as string | undefined) ?? 'Expired') as PasswordResetStatus;
      }),
    recordPasswordResetView: (view) =>
      db.tx(async (sql) => {
        await sql.run('UPDATE password_resets SET view_json = ? WHERE reset_id = ?', [
          JSON.stringify(view),
          view.resetId,
        ]);
      }),
    getPasswordReset: (resetId) =>
      db.tx(async (sql) => {
        const [row] = await sql.all(
          'SELECT view_json FROM password_resets WHERE reset_id = ? AND view_json IS NOT NULL',
          [resetId],
        );
        return row ? viewOf(row) : undefined;
      }),
    passwordResetsFor: (email) =>
      db.tx(async (sql) => {
        const customer = await customerByKey(sql, emailKey(email));
        if (!customer) return [];
        const rows = await sql.all(
          `SELECT view_json FROM password_resets WHERE customer_id = ? AND view_json IS NOT NULL
           ORDER BY requested_at DESC, reset_id DESC LIMIT 20`,
          [customer.customer_id],
        );
        return rows.map(viewOf);
      }),
    passwordChangedAt: (customerId) =>
      db.tx(async (sql) => {
        const [row] = await sql.all(
          'SELECT changed_at FROM customer_password_changes WHERE customer_id = ?',
          [customerId],
        );
        return row ? Date.parse(String(row.changed_at)) : undefined;
      }),
  };
}

function toState(row: Row): { status: PasswordResetStatus; expiresAt: string } {
  return { status: String(row.status) as PasswordResetStatus, expiresAt: String(row.expires_at) };
}

async function resetOfLink(sql: Sql, tokenHash: string): Promise<Row | undefined> {
  const [row] = await sql.all(
    `SELECT r.* FROM password_reset_links l JOIN password_resets r ON r.reset_id = l.reset_id
     WHERE l.token_hash = ?`,
    [tokenHash],
  );
  return row;
}

async function open(
  sql: Sql,
  { resetId, email, at, expiresAt }: Parameters<PasswordResetOperations['openPasswordReset']>[0],
  forUpdate: string,
): ReturnType<PasswordResetOperations['openPasswordReset']> {
  const row = await customerByKey(sql, emailKey(email));
  if (!row) return undefined;
  const customer = { customerId: String(row.customer_id), email: String(row.email), name: String(row.name) };
  // Asks for one customer take turns (PostgreSQL): only one of them is ever pending.
  await sql.all(`SELECT customer_id FROM customers WHERE customer_id = ? ${forUpdate}`, [
    customer.customerId,
  ]);
  const [existing] = await sql.all('SELECT reset_id FROM password_resets WHERE reset_id = ?', [resetId]);
  if (existing) {
    // A retry of an open that committed: the same answer, the resets it replaced included.
    const replaced = await sql.all(
      "SELECT reset_id FROM password_resets WHERE customer_id = ? AND status = 'Replaced' AND updated_at = ?",
      [customer.customerId, at],
    );
    return { customer, replaced: replaced.map((r) => String(r.reset_id)) };
  }
  const lately = await sql.all(
    'SELECT requested_at FROM password_resets WHERE customer_id = ? AND requested_at > ?',
    [customer.customerId, new Date(Date.parse(at) - RESET_LIMITS.windowMs).toISOString()],
  );
  if (
    !resetAllowed(
      lately.map((r) => Date.parse(String(r.requested_at))),
      Date.parse(at),
    )
  )
    return { customer, replaced: [], limited: true };
  const pending = await sql.all(
    "SELECT reset_id FROM password_resets WHERE customer_id = ? AND status = 'PendingReset'",
    [customer.customerId],
  );
  await sql.run(
    "UPDATE password_resets SET status = 'Replaced', updated_at = ? WHERE customer_id = ? AND status = 'PendingReset'",
    [at, customer.customerId],
  );
  await sql.run(
    `INSERT INTO password_resets (reset_id, customer_id, status, requested_at, expires_at, updated_at)
     VALUES (?, ?, 'PendingReset', ?, ?, ?)`,
    [resetId, customer.customerId, at, expiresAt, at],
  );
  return { customer, replaced: pending.map((r) => String(r.reset_id)) };
}

async function use(
  sql: Sql,
  { tokenHash, passwordHash, at }: Parameters<PasswordResetOperations['usePasswordResetLink']>[0],
): Promise<ResetOutcome> {
  const reset = await resetOfLink(sql, tokenHash);
  const verdict = resetLinkVerdict(reset && toState(reset), Date.parse(at));
  if (verdict !== 'ok') return { kind: verdict };
  const resetId = String(reset!.reset_id);
  const customerId = String(reset!.customer_id);
  // Taken once: of two at the same moment, the second finds it no longer pending.
  const taken = await sql.run(
    "UPDATE password_resets SET status = 'Completed', updated_at = ? WHERE reset_id = ? AND status = 'PendingReset'",
    [at, resetId],
  );
  if (taken !== 1) {
    // Replaced, ended or used between the look and the write: say which.
    const [now] = await sql.all('SELECT status, expires_at FROM password_resets WHERE reset_id = ?', [
      resetId,
    ]);
    const verdict = resetLinkVerdict(now && toState(now), Date.parse(at));
    return { kind: verdict === 'ok' ? 'used' : verdict };
  }
  await sql.run('UPDATE customers SET password_hash = ? WHERE customer_id = ?', [passwordHash, customerId]);
  await sql.run('DELETE FROM customer_password_changes WHERE customer_id = ?', [customerId]);
  await sql.run('INSERT INTO customer_password_changes (customer_id, changed_at) VALUES (?, ?)', [
    customerId,
    at,
  ]);
  const [customer] = await sql.all('SELECT email FROM customers WHERE customer_id = ?', [customerId]);
  await afterPasswordChange(sql, customerId, (customer?.email as string | undefined) ?? '');
  return { kind: 'changed', resetId, customerId };
}
