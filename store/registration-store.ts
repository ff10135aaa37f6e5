/**
 * Registrations, their confirmation links and the customers they become, in the app's database
 * (SQLite by default, PostgreSQL with DATABASE_URL): one implementation over both on the app
 * database's port (store/sql.ts), each operation one transaction. The store keeps what the
 * registration's process must never hold: the password's hash (scrypt,
 * api/registration/passwords.ts) and the links' tokens, of which only a SHA-256 hash is kept.
 * Each sign-up is its own registration: an address may have several pending ones and at most one
 * customer (the unique `customers.email_key` decides which sign-up wins). A registration's
 * password hash is erased once it is confirmed or lapsed; a lapsed one keeps no personal data at
 * all (address, name, links, view with its timeline): a tombstone with its id, status and times.
 * How many links went to an address lately is kept under a keyed hash of the address
 * (HMAC-SHA256 with a key the store makes once), pruned after LINK_LIMITS' hour.
 *
 * Its parts: what it keeps and answers (registration-types.ts), its tables (registration-schema.ts),
 * the registrations (sql-registrations.ts), their links, password tries and keys
 * (sql-registration-links.ts), and the customers (sql-customers.ts).
 */
import { REGISTRATION_SCHEMA_LOCK, setUpRegistrations } from './registration-schema';
import { RegistrationNotConfirmable, RegistrationRace, type RegistrationStore } from './registration-types';
import { customerOperations } from './sql-customers';
import { passwordResetOperations } from './sql-password-resets';
import { customerIdentityOperations } from './sql-customer-identity';
import { linkOperations } from './sql-registration-links';
import { registrationOperations } from './sql-registrations';
import { openPostgres, openSqlite, type Transactions } from './sql';

export {
  RegistrationNotConfirmable,
  RegistrationRace,
  type ConfirmationLink,
  type Customer,
  type KeyPurpose,
  type OpenResult,
  type PasswordTry,
  type RegistrationStore,
  type StoredRegistration,
} from './registration-types';
export { newLinkToken, tokenHash } from './sql-registration-links';

/**
 * The transactions, a lost race named: two sign-ups of one address confirmed at the same instant
 * on PostgreSQL, the unique index refusing the second, end in RegistrationRace, and the retry
 * finds the customer.
 */
function racesNamed(db: Transactions): Transactions {
  return {
    dialect: db.dialect,
    sql: db.sql,
    tx: (work) =>
      db.tx(work).catch((err: unknown) => {
        if (db.dialect.lostRace(err) && !(err instanceof RegistrationNotConfirmable))
          throw new RegistrationRace(String((err as Error).message));
        throw err;
      }),
    forgetErased: () => db.forgetErased(),
    close: () => db.close(),
  };
}

function registrationStore(opened: Transactions): RegistrationStore {
  const db = racesNamed(opened);
  return {
    ...registrationOperations(db),
    ...linkOperations(db),
    ...customerOperations(db),
    ...passwordResetOperations(db),
    ...customerIdentityOperations(db),
    ping: () => db.tx(async (sql) => void (await sql.all('SELECT 1 AS one'))),
    close: () => db.close(),
  };
}

/**
 * SQLite: one connection; its transactions one at a time with every other store's on the file in
 * this process (store/sql.ts), so an await inside one never lets another caller's statement in.
 */
export function openSqliteRegistrationStore(file: string): RegistrationStore {
  return registrationStore(openSqlite(file, setUpRegistrations));
}

/** PostgreSQL: a pool of four connections, as before the port; each operation one transaction on one. */
export function openPostgresRegistrationStore(url: string): RegistrationStore {
  return registrationStore(openPostgres(url, REGISTRATION_SCHEMA_LOCK, setUpRegistrations, 4));
}
