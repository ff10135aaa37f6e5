/**
 * Registrations, their confirmation links and the customers they become, in the app's database
 * (SQLite by default, PostgreSQL with DATABASE_URL): one implementation over both, each operation
 * one transaction. The store keeps what the registration's process must never hold: the password's
 * hash (scrypt, api/registrations/passwords.ts) and the links' tokens, of which only a SHA-256
 * hash is kept. An address has at most one pending registration (a partial unique index) and at
 * most one customer; a registration's credentials are erased once it is confirmed or lapsed.
 */
import Database from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { keepIdleErrors } from './pool-errors';
import { emailKey, type RegistrationStatus, type RegistrationView } from '../domain/registration';

/** A link's token: 32 random bytes, URL-safe. Only its hash is ever stored. */
export function newLinkToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** The key a link is kept and found under: the token's SHA-256. */
export function tokenHash(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

export interface StoredRegistration {
  registrationId: string;
  email: string;
  name: string;
  /** Set only by the moves that decide it: opened, confirmed, lapsed. */
  status: RegistrationStatus;
  statusVersion: number;
  /** The process's last recorded view. */
  view?: RegistrationView;
  createdAt: string;
  updatedAt: string;
}

export interface Customer {
  customerId: string;
  email: string;
  name: string;
  registrationId: string;
  createdAt: string;
}

export type OpenResult =
  | { kind: 'opened'; registration: StoredRegistration }
  /** The address already has a pending registration: that one. */
  | { kind: 'pending'; registration: StoredRegistration }
  /** The address belongs to a customer. */
  | { kind: 'customer' };

export interface ConfirmationLink {
  registrationId: string;
  linkNumber: number;
  expiresAt: string;
}

export interface RegistrationStore {
  openRegistration(input: {
    registrationId: string;
    email: string;
    name: string;
    passwordHash: string;
    createdAt: string;
  }): Promise<OpenResult>;
  /** A pending registration's name and password, replaced by a later registration of the address; false when no longer pending. */
  replaceCredentials(
    registrationId: string,
    credentials: { name: string; passwordHash: string },
  ): Promise<boolean>;
  getRegistration(registrationId: string): Promise<StoredRegistration | undefined>;
  /** The address's registrations, newest first (at most 20). */
  registrationsFor(email: string): Promise<StoredRegistration[]>;
  /** The process's view; `version` orders the records, so a late one never overwrites a newer one. */
  recordRegistrationView(registrationId: string, version: number, view: RegistrationView): Promise<void>;
  /**
   * Keeps a link's token hash with the registration's credentials as they are now: the link
   * confirms exactly those. A retry of one link may keep a second token; both work.
   */
  saveLink(input: ConfirmationLink & { tokenHash: string; createdAt: string }): Promise<void>;
  findLink(tokenHash: string): Promise<ConfirmationLink | undefined>;
  /**
   * Writes the customer from the link's credentials and marks the registration confirmed, in one
   * transaction; `before` when it already was (a retry). Throws when it lapsed or the link is not its.
   */
  confirmRegistration(input: {
    registrationId: string;
    tokenHash: string;
    customerId: string;
    at: string;
  }): Promise<{ customer: Customer; confirmed: 'now' | 'before' }>;
  /** Marks a pending registration lapsed and erases its credentials; the address is free again. */
  lapseRegistration(registrationId: string, at: string): Promise<{ lapsed: boolean }>;
  getCustomer(customerId: string): Promise<Customer | undefined>;
  /** The customer's password hash, for the sign-in a storefront builds on it. */
  passwordHashOf(email: string): Promise<string | undefined>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A registration the store cannot confirm: it lapsed, or the link is another registration's. */
export class RegistrationNotConfirmable extends Error {
  override readonly name = 'RegistrationNotConfirmable';
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS registrations (
  registration_id TEXT PRIMARY KEY, email TEXT NOT NULL, email_key TEXT NOT NULL, name TEXT NOT NULL,
  password_hash TEXT, status TEXT NOT NULL, status_version INTEGER NOT NULL DEFAULT 0, view_json TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS registrations_pending_address ON registrations (email_key)
  WHERE status = 'PendingConfirmation';
CREATE INDEX IF NOT EXISTS registrations_address ON registrations (email_key, created_at);
CREATE TABLE IF NOT EXISTS registration_links (
  token_hash TEXT PRIMARY KEY, registration_id TEXT NOT NULL REFERENCES registrations (registration_id),
  link_number INTEGER NOT NULL, name TEXT NOT NULL, password_hash TEXT, expires_at TEXT NOT NULL,
  created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS registration_links_registration ON registration_links (registration_id);
CREATE TABLE IF NOT EXISTS customers (
  customer_id TEXT PRIMARY KEY, email TEXT NOT NULL, email_key TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
  password_hash TEXT NOT NULL, registration_id TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);
`;

type Row = Record<string, unknown>;
/** One transaction's statements; `?` placeholders on both databases. */
interface Sql {
  all(text: string, values?: unknown[]): Promise<Row[]>;
  /** Answers the number of rows changed. */
  run(text: string, values?: unknown[]): Promise<number>;
}
interface Transactions {
  tx<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const REGISTRATION_COLUMNS =
  'registration_id, email, name, status, status_version, view_json, created_at, updated_at';

function toRegistration(row: Row): StoredRegistration {
  const view =
    typeof row.view_json === 'string' ? (JSON.parse(row.view_json) as RegistrationView) : undefined;
  return {
    registrationId: String(row.registration_id),
    email: String(row.email),
    name: String(row.name),
    status: String(row.status) as RegistrationStatus,
    statusVersion: Number(row.status_version),
    view,
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}

function toCustomer(row: Row): Customer {
  return {
    customerId: String(row.customer_id),
    email: String(row.email),
    name: String(row.name),
    registrationId: String(row.registration_id),
    createdAt: String(row.created_at),
  };
}

function registrationStore(db: Transactions): RegistrationStore {
  const one = async (sql: Sql, id: string): Promise<StoredRegistration | undefined> => {
    const [row] = await sql.all(
      `SELECT ${REGISTRATION_COLUMNS} FROM registrations WHERE registration_id = ?`,
      [id],
    );
    return row ? toRegistration(row) : undefined;
  };
  const customerByKey = async (sql: Sql, key: string): Promise<Row | undefined> =>
    (await sql.all('SELECT * FROM customers WHERE email_key = ?', [key]))[0];

  return {
    openRegistration: (input) => {
      const open = (): Promise<OpenResult> =>
        db.tx(async (sql): Promise<OpenResult> => {
          const key = emailKey(input.email);
          if (await customerByKey(sql, key)) return { kind: 'customer' };
          const [pending] = await sql.all(
            `SELECT ${REGISTRATION_COLUMNS} FROM registrations WHERE email_key = ? AND status = 'PendingConfirmation'`,
            [key],
          );
          if (pending) return { kind: 'pending', registration: toRegistration(pending) };
          await sql.run(
            `INSERT INTO registrations (registration_id, email, email_key, name, password_hash, status, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 'PendingConfirmation', ?, ?)`,
            [
              input.registrationId,
              input.email,
              key,
              input.name,
              input.passwordHash,
              input.createdAt,
              input.createdAt,
            ],
          );
          return { kind: 'opened', registration: (await one(sql, input.registrationId))! };
        });
      // A registration of the same address committed meanwhile: read again, it is the pending one.
      return open().catch((err: unknown) => {
        if (err instanceof RegistrationRace) return open();
        throw err;
      });
    },
    replaceCredentials: (registrationId, { name, passwordHash }) =>
      db.tx(async (sql) => {
        const changed = await sql.run(
          `UPDATE registrations SET name = ?, password_hash = ?
           WHERE registration_id = ? AND status = 'PendingConfirmation'`,
          [name, passwordHash, registrationId],
        );
        return changed > 0;
      }),
    getRegistration: (registrationId) => db.tx((sql) => one(sql, registrationId)),
    registrationsFor: (email) =>
      db.tx(async (sql) =>
        (
          await sql.all(
            `SELECT ${REGISTRATION_COLUMNS} FROM registrations WHERE email_key = ?
             ORDER BY created_at DESC, registration_id DESC LIMIT 20`,
            [emailKey(email)],
          )
        ).map(toRegistration),
      ),
    recordRegistrationView: (registrationId, version, view) =>
      db.tx(async (sql) => {
        await sql.run(
          `UPDATE registrations SET view_json = ?, status_version = ?, updated_at = ?
           WHERE registration_id = ? AND status_version < ?`,
          [JSON.stringify(view), version, view.updatedAt, registrationId, version],
        );
      }),
    saveLink: (link) =>
      db.tx(async (sql) => {
        await sql.run(
          `INSERT INTO registration_links (token_hash, registration_id, link_number, name, password_hash, expires_at, created_at)
           SELECT ?, registration_id, ?, name, password_hash, ?, ? FROM registrations
           WHERE registration_id = ? AND status = 'PendingConfirmation'
           ON CONFLICT (token_hash) DO NOTHING`,
          [link.tokenHash, link.linkNumber, link.expiresAt, link.createdAt, link.registrationId],
        );
      }),
    findLink: (tokenHash) =>
      db.tx(async (sql) => {
        const [row] = await sql.all(
          'SELECT registration_id, link_number, expires_at FROM registration_links WHERE token_hash = ?',
          [tokenHash],
        );
        return row
          ? {
              registrationId: String(row.registration_id),
              linkNumber: Number(row.link_number),
              expiresAt: String(row.expires_at),
            }
          : undefined;
      }),
    confirmRegistration: ({ registrationId, tokenHash, customerId, at }) =>
      db.tx(async (sql) => {
        const registration = await one(sql, registrationId);
        if (!registration) throw new RegistrationNotConfirmable(`no registration ${registrationId}`);
        if (registration.status === 'Confirmed') {
          const [row] = await sql.all('SELECT * FROM customers WHERE registration_id = ?', [registrationId]);
          return { customer: toCustomer(row!), confirmed: 'before' as const };
        }
        if (registration.status !== 'PendingConfirmation')
          throw new RegistrationNotConfirmable(`registration ${registrationId} is ${registration.status}`);
        const [link] = await sql.all(
          'SELECT name, password_hash FROM registration_links WHERE token_hash = ? AND registration_id = ?',
          [tokenHash, registrationId],
        );
        if (!link?.password_hash)
          throw new RegistrationNotConfirmable(`the link is not one of registration ${registrationId}`);
        const key = emailKey(registration.email);
        if (await customerByKey(sql, key))
          throw new RegistrationNotConfirmable(`${registration.email} already belongs to a customer`);
        await sql.run(
          `INSERT INTO customers (customer_id, email, email_key, name, password_hash, registration_id, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
          [customerId, registration.email, key, link.name, link.password_hash, registrationId, at],
        );
        await eraseCredentials(sql, registrationId, 'Confirmed', at);
        const customer: Customer = {
          customerId,
          email: registration.email,
          name: String(link.name),
          registrationId,
          createdAt: at,
        };
        return { customer, confirmed: 'now' as const };
      }),
    lapseRegistration: (registrationId, at) =>
      db.tx(async (sql) => {
        const registration = await one(sql, registrationId);
        if (registration?.status !== 'PendingConfirmation') return { lapsed: false };
        await eraseCredentials(sql, registrationId, 'Lapsed', at);
        return { lapsed: true };
      }),
    getCustomer: (customerId) =>
      db.tx(async (sql) => {
        const [row] = await sql.all('SELECT * FROM customers WHERE customer_id = ?', [customerId]);
        return row ? toCustomer(row) : undefined;
      }),
    passwordHashOf: (email) =>
      db.tx(async (sql) => {
        const row = await customerByKey(sql, emailKey(email));
        return row ? String(row.password_hash) : undefined;
      }),
    ping: () => db.tx(async (sql) => void (await sql.all('SELECT 1 AS one'))),
    close: () => db.close(),
  };
}

/** The registration's final status, and no password hash left anywhere but the customer's row. */
async function eraseCredentials(
  sql: Sql,
  registrationId: string,
  status: Exclude<RegistrationStatus, 'PendingConfirmation'>,
  at: string,
): Promise<void> {
  await sql.run(
    'UPDATE registrations SET status = ?, password_hash = NULL, updated_at = ? WHERE registration_id = ?',
    [status, at, registrationId],
  );
  await sql.run('UPDATE registration_links SET password_hash = NULL WHERE registration_id = ?', [
    registrationId,
  ]);
}

/**
 * SQLite: one connection, statements run one transaction at a time (a queue), so an await inside
 * one transaction never lets another caller's statement into it.
 */
export function openSqliteRegistrationStore(file: string): RegistrationStore {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.exec(SCHEMA);
  const sql: Sql = {
    all: async (text, values = []) => sqlite.prepare(text).all(...values) as Row[],
    run: async (text, values = []) => sqlite.prepare(text).run(...values).changes,
  };
  let queue: Promise<unknown> = Promise.resolve();
  return registrationStore({
    tx<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
      const next = queue.then(async () => {
        sqlite.exec('BEGIN IMMEDIATE');
        try {
          const result = await work(sql);
          sqlite.exec('COMMIT');
          return result;
        } catch (err) {
          sqlite.exec('ROLLBACK');
          throw err;
        }
      });
      queue = next.catch(() => undefined);
      return next;
    },
    async close() {
      await queue;
      sqlite.close();
    },
  });
}

/** PostgreSQL: a pool; each operation one transaction on one connection. */
export function openPostgresRegistrationStore(url: string): RegistrationStore {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  keepIdleErrors(pool);
  const ready = (async () => {
    const client = await pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock(727275)');
      await client.query(SCHEMA);
      await client.query('SELECT pg_advisory_unlock(727275)');
    } finally {
      client.release();
    }
  })();
  ready.catch(() => undefined); // reported by the first call that awaits it
  const numbered = (text: string): string => {
    let n = 0;
    return text.replace(/\?/g, () => `$${++n}`);
  };
  return registrationStore({
    async tx<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
      await ready;
      const client = await pool.connect();
      const sql: Sql = {
        all: async (text, values = []) => (await client.query(numbered(text), values)).rows as Row[],
        run: async (text, values = []) => (await client.query(numbered(text), values)).rowCount ?? 0,
      };
      try {
        await client.query('BEGIN');
        const result = await work(sql);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        // Two registrations of one address at the same instant: the second finds the first.
        if ((err as { code?: string }).code === '23505' && !(err instanceof RegistrationNotConfirmable)) {
          throw new RegistrationRace(String((err as Error).message));
        }
        throw err;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  });
}

/** A unique index refused a write another transaction made first; the caller reads again. */
export class RegistrationRace extends Error {
  override readonly name = 'RegistrationRace';
}
