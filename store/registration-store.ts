/**
 * Registrations, their confirmation links and the customers they become, in the app's database
 * (SQLite by default, PostgreSQL with DATABASE_URL): one implementation over both, each operation
 * one transaction. The store keeps what the registration's process must never hold: the password's
 * hash (scrypt, api/registration/passwords.ts) and the links' tokens, of which only a SHA-256
 * hash is kept. Each sign-up is its own registration: an address may have several pending ones
 * and at most one customer (the unique `customers.email_key` decides which sign-up wins). A
 * registration's password hash is erased once it is confirmed or lapsed; a lapsed one keeps no
 * personal data at all (address, name, links, view with its timeline): a tombstone with its id,
 * status and times. How many links went to an address lately is kept under a keyed hash of the
 * address (HMAC-SHA256 with a key the store makes once), pruned after LINK_LIMITS' hour.
 */
import Database from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { keepIdleErrors } from './pool-errors';
import {
  emailKey,
  lapsedView,
  LINK_LIMITS,
  linkRefusal,
  linkTimesInWindow,
  passwordTry,
  type LapseReason,
  type LinkClaim,
  type RegistrationStatus,
  type RegistrationView,
} from '../domain/registration';

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
  /** Empty once lapsed: erased. */
  email: string;
  /** Empty once lapsed: erased. */
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
  /** A new registration, whatever other sign-ups of the address are pending: they are left as they are. */
  | { kind: 'opened'; registration: StoredRegistration }
  /** The address belongs to a customer. */
  | { kind: 'customer' };

/** A password tried on a link's page: check it against this hash, or refuse (closed or unknown). */
export type PasswordTry =
  | { kind: 'check'; registrationId: string; passwordHash: string; lastTry: boolean; triesLeftAfter: number }
  /** PASSWORD_TRIES were used: the registration is closed. */
  | { kind: 'closed'; registrationId: string }
  /** No such link, or its registration is no longer pending. */
  | { kind: 'unknown' };

/** What the store keeps keys for: the address's keyed hash, the confirmation form's check. */
export type KeyPurpose = 'address' | 'confirmation-form';

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
  getRegistration(registrationId: string): Promise<StoredRegistration | undefined>;
  /** The address's registrations, newest first (at most 20); lapsed ones are erased, so never among them. */
  registrationsFor(email: string): Promise<StoredRegistration[]>;
  /** The process's view; `version` orders the records, so a late one never overwrites a newer one. */
  recordRegistrationView(registrationId: string, version: number, view: RegistrationView): Promise<void>;
  /**
   * Takes a place for link `linkNumber` of the registration under its address's LINK_LIMITS, at
   * `at` (the process's time): granted, or refused with how long to wait. The same link asked
   * again (a retry) is granted again; the limit counts every sign-up of the address.
   */
  claimLink(input: { registrationId: string; linkNumber: number; at: string }): Promise<LinkClaim>;
  /** When links went to the registration's address within LINK_LIMITS' hour before `now`, oldest first. */
  linkTimesFor(registrationId: string, now: string): Promise<string[]>;
  /**
   * Keeps a link's token hash with the registration's credentials (they never change: each
   * sign-up is its own registration), and counts the link for the address if it was not claimed.
   * A retry of one link may keep a second token; both work. Nothing is kept (`saved: false`)
   * once the registration is no longer pending.
   */
  saveLink(input: ConfirmationLink & { tokenHash: string; createdAt: string }): Promise<{ saved: boolean }>;
  findLink(tokenHash: string): Promise<ConfirmationLink | undefined>;
  /**
   * A password tried on the link's page: counted (right or wrong) before it is checked, so no more
   * than PASSWORD_TRIES are ever checked for one registration, however many arrive at once.
   */
  tryPassword(tokenHash: string): Promise<PasswordTry>;
  /**
   * Writes the customer from the link's credentials and marks the registration confirmed, in one
   * transaction; `before` when it already was (a retry). Throws when it lapsed, the link is not
   * its, or another sign-up of the address was confirmed first. `others`: the address's other
   * sign-ups still pending, which lost and are to lapse.
   */
  confirmRegistration(input: {
    registrationId: string;
    tokenHash: string;
    customerId: string;
    at: string;
  }): Promise<{ customer: Customer; confirmed: 'now' | 'before'; others: string[] }>;
  /**
   * Marks a pending registration lapsed and erases everything personal of it: the address, the
   * name, the password hash, its links and password tries, and its view (timeline included); a
   * tombstone with its id, status and times is left.
   */
  lapseRegistration(registrationId: string, at: string, reason?: LapseReason): Promise<{ lapsed: boolean }>;
  /** A key the store made once (32 random bytes), shared by every API and worker on the database. */
  keyFor(purpose: KeyPurpose): Promise<Buffer>;
  getCustomer(customerId: string): Promise<Customer | undefined>;
  /** The customer's password hash, for the sign-in a storefront builds on it. */
  passwordHashOf(email: string): Promise<string | undefined>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A registration the store cannot confirm: it lapsed, the link is another registration's, or the address is a customer's. */
export class RegistrationNotConfirmable extends Error {
  override readonly name = 'RegistrationNotConfirmable';
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS registrations (
  registration_id TEXT PRIMARY KEY, email TEXT NOT NULL, email_key TEXT NOT NULL, name TEXT NOT NULL,
  password_hash TEXT, status TEXT NOT NULL, status_version INTEGER NOT NULL DEFAULT 0, view_json TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
DROP INDEX IF EXISTS registrations_pending_address;
CREATE INDEX IF NOT EXISTS registrations_address ON registrations (email_key, created_at);
CREATE TABLE IF NOT EXISTS registration_links (
  token_hash TEXT PRIMARY KEY, registration_id TEXT NOT NULL REFERENCES registrations (registration_id),
  link_number INTEGER NOT NULL, name TEXT NOT NULL, password_hash TEXT, expires_at TEXT NOT NULL,
  created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS registration_links_registration ON registration_links (registration_id);
CREATE TABLE IF NOT EXISTS customers (
  customer_id TEXT PRIMARY KEY, email TEXT NOT NULL, email_key TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
  password_hash TEXT NOT NULL, registration_id TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS registration_link_sends (
  address_key TEXT PRIMARY KEY, sends TEXT NOT NULL, last_sent_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS registration_link_sends_last ON registration_link_sends (last_sent_at);
CREATE TABLE IF NOT EXISTS registration_password_tries (
  registration_id TEXT PRIMARY KEY, tries INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS registration_keys (
  purpose TEXT PRIMARY KEY, secret TEXT NOT NULL, created_at TEXT NOT NULL);
DELETE FROM registration_links
  WHERE registration_id IN (SELECT registration_id FROM registrations WHERE status = 'Lapsed');
UPDATE registrations SET email = '', email_key = '', name = '', password_hash = NULL, view_json = NULL
  WHERE status = 'Lapsed' AND email_key <> '';
`;
/*
 * The last two statements erase what registrations lapsed before erasure existed still hold; a
 * registration lapsed since holds nothing of it, so they change nothing on a later start.
 */

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

/** The view a registration answers with before its process has recorded one: as it was opened. */
function openedView(registration: StoredRegistration): RegistrationView {
  return {
    registrationId: registration.registrationId,
    email: registration.email,
    name: registration.name,
    status: registration.status,
    createdAt: registration.createdAt,
    updatedAt: registration.updatedAt,
    linksSent: 0,
    linkSentAt: [],
    confirmBy: registration.createdAt,
  };
}

/** One link to an address, as its row keeps it: when, and which registration's which link. */
interface LinkSend {
  at: string;
  link: string;
}

/**
 * Counts link `linkNumber` of `registrationId` for the address keyed `addressKey` at `at`: granted
 * when LINK_LIMITS allow it or `force` (a link the process already decided to send), or when it
 * was counted before (a retry). The address's row is locked first (an upsert), so two sign-ups of
 * one address taking a place at once are counted one after the other, on PostgreSQL too.
 */
async function countLink(
  sql: Sql,
  addressKey: string,
  { registrationId, linkNumber, at }: { registrationId: string; linkNumber: number; at: string },
  force: boolean,
): Promise<LinkClaim> {
  const now = Date.parse(at);
  await pruneLinkSends(sql, now);
  await sql.run(
    `INSERT INTO registration_link_sends (address_key, sends, last_sent_at) VALUES (?, '[]', ?)
     ON CONFLICT (address_key) DO UPDATE SET address_key = excluded.address_key`,
    [addressKey, at],
  );
  const [row] = await sql.all('SELECT sends FROM registration_link_sends WHERE address_key = ?', [
    addressKey,
  ]);
  const counting = new Set(
    linkTimesInWindow(
      sendsOf(row).map((s) => s.at),
      now,
    ),
  );
  const sends = sendsOf(row).filter((s) => counting.has(s.at));
  const link = `${registrationId}#${linkNumber}`;
  if (sends.some((s) => s.link === link)) return { granted: true };
  const refused = force
    ? undefined
    : linkRefusal(
        sends.map((s) => s.at),
        now,
      );
  if (refused) return { granted: false, ...refused };
  sends.push({ at, link });
  const last = sends
    .map((s) => s.at)
    .sort()
    .at(-1)!;
  await sql.run('UPDATE registration_link_sends SET sends = ?, last_sent_at = ? WHERE address_key = ?', [
    JSON.stringify(sends),
    last,
    addressKey,
  ]);
  return { granted: true };
}

function sendsOf(row: Row | undefined): LinkSend[] {
  return typeof row?.sends === 'string' ? (JSON.parse(row.sends) as LinkSend[]) : [];
}

/** Addresses with no link in LINK_LIMITS' hour are forgotten: their keyed hash and send times go. */
async function pruneLinkSends(sql: Sql, now: number): Promise<void> {
  const cutoff = new Date(now - LINK_LIMITS.windowMs).toISOString();
  await sql.run('DELETE FROM registration_link_sends WHERE last_sent_at < ?', [cutoff]);
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
  const pendingOthers = async (sql: Sql, key: string, registrationId: string): Promise<string[]> =>
    (
      await sql.all(
        `SELECT registration_id FROM registrations
         WHERE email_key = ? AND status = 'PendingConfirmation' AND registration_id <> ?
         ORDER BY created_at, registration_id`,
        [key, registrationId],
      )
    ).map((row) => String(row.registration_id));

  const keys = new Map<KeyPurpose, Promise<Buffer>>();
  const keyFor = (purpose: KeyPurpose): Promise<Buffer> => {
    let key = keys.get(purpose);
    if (!key) {
      key = db.tx(async (sql) => {
        await sql.run(
          'INSERT INTO registration_keys (purpose, secret, created_at) VALUES (?, ?, ?) ON CONFLICT (purpose) DO NOTHING',
          [purpose, crypto.randomBytes(32).toString('base64url'), new Date().toISOString()],
        );
        const [row] = await sql.all('SELECT secret FROM registration_keys WHERE purpose = ?', [purpose]);
        return Buffer.from(String(row!.secret), 'base64url');
      });
      key.catch(() => keys.delete(purpose));
      keys.set(purpose, key);
    }
    return key;
  };
  /** The address as the send counts know it: HMAC-SHA256 of its key (emailKey) under the store's key. */
  const addressKeyOf = async (): Promise<(email: string) => string> => {
    const key = await keyFor('address');
    return (email) => crypto.createHmac('sha256', key).update(emailKey(email)).digest('base64url');
  };

  return {
    openRegistration: (input) =>
      db.tx(async (sql): Promise<OpenResult> => {
        const key = emailKey(input.email);
        if (await customerByKey(sql, key)) return { kind: 'customer' };
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
        const registration = await one(sql, registrationId);
        if (!registration || registration.statusVersion >= version) return;
        // A record that arrives after the registration lapsed (the process's last ones) keeps its tombstone only.
        const kept =
          registration.status === 'Lapsed'
            ? lapsedView(view, {
                at: registration.view?.lapsedAt,
                reason: registration.view?.lapseReason ?? view.lapseReason,
              })
            : view;
        await sql.run(
          `UPDATE registrations SET view_json = ?, status_version = ?, updated_at = ?
           WHERE registration_id = ? AND status_version < ?`,
          [JSON.stringify(kept), version, kept.updatedAt, registrationId, version],
        );
      }),
    claimLink: async (claim) => {
      const addressKey = await addressKeyOf();
      return db.tx(async (sql): Promise<LinkClaim> => {
        const registration = await one(sql, claim.registrationId);
        if (registration?.status !== 'PendingConfirmation') {
          return { granted: false, reason: 'not_pending', retryAfterMs: 0 };
        }
        return countLink(sql, addressKey(registration.email), claim, false);
      });
    },
    linkTimesFor: async (registrationId, now) => {
      const addressKey = await addressKeyOf();
      return db.tx(async (sql) => {
        const registration = await one(sql, registrationId);
        if (!registration?.email) return [];
        const [row] = await sql.all('SELECT sends FROM registration_link_sends WHERE address_key = ?', [
          addressKey(registration.email),
        ]);
        return linkTimesInWindow(
          sendsOf(row).map((s) => s.at),
          Date.parse(now),
        ).sort();
      });
    },
    saveLink: async (link) => {
      const addressKey = await addressKeyOf();
      return db.tx(async (sql) => {
        const registration = await one(sql, link.registrationId);
        if (registration?.status !== 'PendingConfirmation') return { saved: false };
        await sql.run(
          `INSERT INTO registration_links (token_hash, registration_id, link_number, name, password_hash, expires_at, created_at)
           SELECT ?, registration_id, ?, name, password_hash, ?, ? FROM registrations WHERE registration_id = ?
           ON CONFLICT (token_hash) DO NOTHING`,
          [link.tokenHash, link.linkNumber, link.expiresAt, link.createdAt, link.registrationId],
        );
        // A process started before links were claimed sends without asking: its link counts all the same.
        await countLink(
          sql,
          addressKey(registration.email),
          { registrationId: link.registrationId, linkNumber: link.linkNumber, at: link.createdAt },
          true,
        );
        return { saved: true };
      });
    },
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
    tryPassword: (tokenHash) =>
      db.tx(async (sql): Promise<PasswordTry> => {
        const [link] = await sql.all(
          `SELECT l.registration_id, l.password_hash FROM registration_links l
           JOIN registrations r ON r.registration_id = l.registration_id
           WHERE l.token_hash = ? AND r.status = 'PendingConfirmation'`,
          [tokenHash],
        );
        const passwordHash = link?.password_hash;
        if (typeof passwordHash !== 'string') return { kind: 'unknown' };
        const registrationId = String(link!.registration_id);
        const [counted] = await sql.all(
          'SELECT tries FROM registration_password_tries WHERE registration_id = ?',
          [registrationId],
        );
        const verdict = passwordTry(Number(counted?.tries ?? 0));
        if (verdict.kind === 'closed') return { kind: 'closed', registrationId };
        await sql.run(
          `INSERT INTO registration_password_tries (registration_id, tries) VALUES (?, 1)
           ON CONFLICT (registration_id) DO UPDATE SET tries = registration_password_tries.tries + 1`,
          [registrationId],
        );
        return { ...verdict, registrationId, passwordHash };
      }),
    confirmRegistration: ({ registrationId, tokenHash, customerId, at }) =>
      db.tx(async (sql) => {
        const registration = await one(sql, registrationId);
        if (!registration) throw new RegistrationNotConfirmable(`no registration ${registrationId}`);
        const key = emailKey(registration.email);
        if (registration.status === 'Confirmed') {
          const [row] = await sql.all('SELECT * FROM customers WHERE registration_id = ?', [registrationId]);
          const others = await pendingOthers(sql, key, registrationId);
          return { customer: toCustomer(row!), confirmed: 'before' as const, others };
        }
        if (registration.status !== 'PendingConfirmation')
          throw new RegistrationNotConfirmable(`registration ${registrationId} is ${registration.status}`);
        const [link] = await sql.all(
          'SELECT name, password_hash FROM registration_links WHERE token_hash = ? AND registration_id = ?',
          [tokenHash, registrationId],
        );
        if (!link?.password_hash)
          throw new RegistrationNotConfirmable(`the link is not one of registration ${registrationId}`);
        // The first sign-up of the address confirmed wins; the unique email_key decides a tie.
        if (await customerByKey(sql, key))
          throw new RegistrationNotConfirmable(
            `the address of ${registrationId} already belongs to a customer`,
          );
        await sql.run(
          `INSERT INTO customers (customer_id, email, email_key, name, password_hash, registration_id, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
          [customerId, registration.email, key, link.name, link.password_hash, registrationId, at],
        );
        await sql.run(
          `UPDATE registrations SET status = 'Confirmed', password_hash = NULL, updated_at = ?
           WHERE registration_id = ?`,
          [at, registrationId],
        );
        await sql.run('UPDATE registration_links SET password_hash = NULL WHERE registration_id = ?', [
          registrationId,
        ]);
        await sql.run('DELETE FROM registration_password_tries WHERE registration_id = ?', [registrationId]);
        const customer: Customer = {
          customerId,
          email: registration.email,
          name: String(link.name),
          registrationId,
          createdAt: at,
        };
        return { customer, confirmed: 'now' as const, others: await pendingOthers(sql, key, registrationId) };
      }),
    lapseRegistration: (registrationId, at, reason = 'not_confirmed_in_time') =>
      db.tx(async (sql) => {
        const registration = await one(sql, registrationId);
        if (registration?.status !== 'PendingConfirmation') return { lapsed: false };
        const tombstone = lapsedView(registration.view ?? openedView(registration), { at, reason });
        await sql.run(
          `UPDATE registrations SET status = 'Lapsed', email = '', email_key = '', name = '',
             password_hash = NULL, view_json = ?, updated_at = ?
           WHERE registration_id = ?`,
          [JSON.stringify(tombstone), at, registrationId],
        );
        await sql.run('DELETE FROM registration_links WHERE registration_id = ?', [registrationId]);
        await sql.run('DELETE FROM registration_password_tries WHERE registration_id = ?', [registrationId]);
        await pruneLinkSends(sql, Date.parse(at));
        return { lapsed: true };
      }),
    keyFor,
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
        // Two sign-ups of one address confirmed at the same instant: the retry finds the customer.
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
