/**
 * The registration store's tables, the same on SQLite and PostgreSQL (text and integers only):
 * registrations, their confirmation links, the customers they become, how many links went to each
 * address lately, the passwords tried on a registration's links, and the keys the store made once.
 */
import type { Sql } from './sql';
import { PASSWORD_RESET_SCHEMA } from './sql-password-resets';
import { CUSTOMER_IDENTITY_SCHEMA } from './sql-customer-identity';

/**
 * The advisory lock the schema is set up behind on PostgreSQL: the one the registration store took
 * before the port, so that a replica of the previous version takes turns with this one.
 */
export const REGISTRATION_SCHEMA_LOCK = 727275;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS registrations (
    registration_id TEXT PRIMARY KEY, email TEXT NOT NULL, email_key TEXT NOT NULL, name TEXT NOT NULL,
    password_hash TEXT, status TEXT NOT NULL, status_version INTEGER NOT NULL DEFAULT 0, view_json TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
  'DROP INDEX IF EXISTS registrations_pending_address',
  'CREATE INDEX IF NOT EXISTS registrations_address ON registrations (email_key, created_at)',
  `CREATE TABLE IF NOT EXISTS registration_links (
    token_hash TEXT PRIMARY KEY, registration_id TEXT NOT NULL REFERENCES registrations (registration_id),
    link_number INTEGER NOT NULL, name TEXT NOT NULL, password_hash TEXT, expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL)`,
  'CREATE INDEX IF NOT EXISTS registration_links_registration ON registration_links (registration_id)',
  // The unique email_key decides which sign-up of an address becomes its customer.
  `CREATE TABLE IF NOT EXISTS customers (
    customer_id TEXT PRIMARY KEY, email TEXT NOT NULL, email_key TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    password_hash TEXT NOT NULL, registration_id TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS registration_link_sends (
    address_key TEXT PRIMARY KEY, sends TEXT NOT NULL, last_sent_at TEXT NOT NULL)`,
  'CREATE INDEX IF NOT EXISTS registration_link_sends_last ON registration_link_sends (last_sent_at)',
  `CREATE TABLE IF NOT EXISTS registration_password_tries (
    registration_id TEXT PRIMARY KEY, tries INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS registration_keys (
    purpose TEXT PRIMARY KEY, secret TEXT NOT NULL, created_at TEXT NOT NULL)`,
  /*
   * These two erase what registrations lapsed before erasure existed still hold; a registration
   * lapsed since holds nothing of it, so they change nothing on a later start.
   */
  `DELETE FROM registration_links
    WHERE registration_id IN (SELECT registration_id FROM registrations WHERE status = 'Lapsed')`,
  `UPDATE registrations SET email = '', email_key = '', name = '', password_hash = NULL, view_json = NULL
    WHERE status = 'Lapsed' AND email_key <> ''`,
];

export async function setUpRegistrations(sql: Sql): Promise<void> {
  for (const statement of [...SCHEMA, ...PASSWORD_RESET_SCHEMA, ...CUSTOMER_IDENTITY_SCHEMA])
    await sql.run(statement);
}
