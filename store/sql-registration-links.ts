/**
 * A registration's confirmation links on the app database (store/sql.ts): their tokens, of which
 * only a SHA-256 hash is kept with the registration's credentials; the passwords tried on them;
 * the keys the store makes once; and how many links went to an address lately, kept under a keyed
 * hash of the address (HMAC-SHA256 with the store's `address` key), pruned after LINK_LIMITS' hour.
 * Each operation one transaction.
 */
import crypto from 'node:crypto';
import {
  emailKey,
  LINK_LIMITS,
  linkRefusal,
  linkTimesInWindow,
  passwordTry,
  type LinkClaim,
} from '../domain/registration';
import { registrationById } from './registration-rows';
import type { KeyPurpose, PasswordTry, RegistrationStore } from './registration-types';
import type { Row, Sql, Transactions } from './sql';

/** A link's token: 32 random bytes, URL-safe. Only its hash is ever stored. */
export function newLinkToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** The key a link is kept and found under: the token's SHA-256. */
export function tokenHash(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/** One link to an address, as its row keeps it: when, and which registration's which link. */
interface LinkSend {
  at: string;
  link: string;
}

function sendsOf(row: Row | undefined): LinkSend[] {
  return typeof row?.sends === 'string' ? (JSON.parse(row.sends) as LinkSend[]) : [];
}

/** Addresses with no link in LINK_LIMITS' hour are forgotten: their keyed hash and send times go. */
export async function pruneLinkSends(sql: Sql, now: number): Promise<void> {
  const cutoff = new Date(now - LINK_LIMITS.windowMs).toISOString();
  await sql.run('DELETE FROM registration_link_sends WHERE last_sent_at < ?', [cutoff]);
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

/** The keys the store made once (32 random bytes each), read once per store and kept. */
function storeKeys(db: Transactions) {
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
  return { keyFor, addressKeyOf };
}

type LinkOperations = Pick<
  RegistrationStore,
  'claimLink' | 'linkTimesFor' | 'saveLink' | 'findLink' | 'tryPassword' | 'keyFor'
>;

export function linkOperations(db: Transactions): LinkOperations {
  const { keyFor, addressKeyOf } = storeKeys(db);
  return {
    claimLink: async (claim) => {
      const addressKey = await addressKeyOf();
      return db.tx(async (sql): Promise<LinkClaim> => {
        const registration = await registrationById(sql, claim.registrationId);
        if (registration?.status !== 'PendingConfirmation') {
          return { granted: false, reason: 'not_pending', retryAfterMs: 0 };
        }
        return countLink(sql, addressKey(registration.email), claim, false);
      });
    },
    linkTimesFor: async (registrationId, now) => {
      const addressKey = await addressKeyOf();
      return db.tx(async (sql) => {
        const registration = await registrationById(sql, registrationId);
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
        const registration = await registrationById(sql, link.registrationId);
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
    findLink: (hash) =>
      db.tx(async (sql) => {
        const [row] = await sql.all(
          'SELECT registration_id, link_number, expires_at FROM registration_links WHERE token_hash = ?',
          [hash],
        );
        return row
          ? {
              registrationId: String(row.registration_id),
              linkNumber: Number(row.link_number),
              expiresAt: String(row.expires_at),
            }
          : undefined;
      }),
    tryPassword: (hash) => db.tx((sql) => tryPassword(sql, hash)),
    keyFor,
  };
}

/** A password tried on the link's page, counted before it is checked. */
async function tryPassword(sql: Sql, hash: string): Promise<PasswordTry> {
  const [link] = await sql.all(
    `SELECT l.registration_id, l.password_hash FROM registration_links l
     JOIN registrations r ON r.registration_id = l.registration_id
     WHERE l.token_hash = ? AND r.status = 'PendingConfirmation'`,
    [hash],
  );
  const passwordHash = link?.password_hash;
  if (typeof passwordHash !== 'string') return { kind: 'unknown' };
  const registrationId = String(link!.registration_id);
  const [counted] = await sql.all('SELECT tries FROM registration_password_tries WHERE registration_id = ?', [
    registrationId,
  ]);
  const verdict = passwordTry(Number(counted?.tries ?? 0));
  if (verdict.kind === 'closed') return { kind: 'closed', registrationId };
  await sql.run(
    `INSERT INTO registration_password_tries (registration_id, tries) VALUES (?, 1)
     ON CONFLICT (registration_id) DO UPDATE SET tries = registration_password_tries.tries + 1`,
    [registrationId],
  );
  return { ...verdict, registrationId, passwordHash };
}
