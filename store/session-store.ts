/**
 * The back office's server-side sessions, in the app's database (SQLite by default, PostgreSQL with
 * DATABASE_URL), so a session outlives an API restart and is shared by every API replica, and
 * signing out ends it everywhere at once. Keys are SHA-256 hashes of the random ids the browser
 * holds: the table alone signs nobody in. A sign-in in flight keeps no row: it travels sealed in
 * the browser's cookie (api/session.ts), under the one key kept here for every replica, so a
 * stranger's requests for the sign-in page cost the database nothing. One implementation over the
 * app database's port (store/sql.ts), each operation one statement on its own.
 */
import crypto from 'node:crypto';
import { isRole, type Role } from '../domain/roles';
import { APP_SCHEMA_LOCK, openPostgres, openSqlite, type Sql, type Transactions } from './sql';

export interface BackOfficeSession {
  sub: string;
  name: string;
  roles: Role[];
  csrfToken: string;
  /** The provider's ID token, kept for its end-session call (never sent to the browser). */
  idToken?: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface SessionStore {
  saveSession(idHash: string, session: BackOfficeSession): Promise<void>;
  findSession(idHash: string, now: number): Promise<BackOfficeSession | undefined>;
  /** Ends a session; answers what it was. */
  deleteSession(idHash: string): Promise<BackOfficeSession | undefined>;
  /**
   * The 32-byte key sign-ins in flight are sealed with: made by the first replica that asks, then
   * the same for every replica and restart.
   */
  signInKey(): Promise<Buffer>;
  deleteExpired(now: number): Promise<void>;
  close(): Promise<void>;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS back_office_sessions (
    id_hash    TEXT PRIMARY KEY,
    sub        TEXT NOT NULL,
    name       TEXT NOT NULL,
    roles      TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    id_token   TEXT,
    expires_at BIGINT NOT NULL
  )`,
  // Sign-ins in flight were rows here once; they are sealed cookies now, and nothing reads the table.
  'DROP TABLE IF EXISTS sign_in_attempts',
  `CREATE TABLE IF NOT EXISTS app_keys (
    name TEXT PRIMARY KEY,
    key  TEXT NOT NULL
  )`,
];

async function setUpSessions(sql: Sql): Promise<void> {
  for (const statement of SCHEMA) await sql.run(statement);
}

interface SessionRow {
  sub: string;
  name: string;
  roles: string;
  csrf_token: string;
  id_token: string | null;
  expires_at: number | string;
}
function toSession(row: SessionRow): BackOfficeSession {
  const roles = (JSON.parse(row.roles) as unknown[]).filter(isRole);
  return {
    sub: row.sub,
    name: row.name,
    roles,
    csrfToken: row.csrf_token,
    idToken: row.id_token ?? undefined,
    expiresAt: Number(row.expires_at),
  };
}
const sessionValues = (idHash: string, s: BackOfficeSession): unknown[] => [
  idHash,
  s.sub,
  s.name,
  JSON.stringify(s.roles),
  s.csrfToken,
  s.idToken ?? null,
  s.expiresAt,
];
const SIGN_IN_KEY = 'sign-in';
const newKey = (): string => crypto.randomBytes(32).toString('base64');

function sessionStore(db: Transactions): SessionStore {
  const { sql } = db;
  return {
    async saveSession(idHash, s) {
      await sql.run(
        'INSERT INTO back_office_sessions (id_hash, sub, name, roles, csrf_token, id_token, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        sessionValues(idHash, s),
      );
    },
    async findSession(idHash, now) {
      const [row] = await sql.all<SessionRow>(
        'SELECT * FROM back_office_sessions WHERE id_hash = ? AND expires_at > ?',
        [idHash, now],
      );
      return row ? toSession(row) : undefined;
    },
    async deleteSession(idHash) {
      const [row] = await sql.all<SessionRow>(
        'DELETE FROM back_office_sessions WHERE id_hash = ? RETURNING *',
        [idHash],
      );
      return row ? toSession(row) : undefined;
    },
    async signInKey() {
      await sql.run('INSERT INTO app_keys (name, key) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', [
        SIGN_IN_KEY,
        newKey(),
      ]);
      const [row] = await sql.all<{ key: string }>('SELECT key FROM app_keys WHERE name = ?', [SIGN_IN_KEY]);
      return Buffer.from(row!.key, 'base64');
    },
    async deleteExpired(now) {
      await sql.run('DELETE FROM back_office_sessions WHERE expires_at <= ?', [now]);
    },
    close: () => db.close(),
  };
}

export function openSqliteSessionStore(file: string): SessionStore {
  return sessionStore(openSqlite(file, setUpSessions));
}

/** Four connections, as the sessions had before the port: a session is one short statement. */
export function openPostgresSessionStore(url: string): SessionStore {
  return sessionStore(openPostgres(url, APP_SCHEMA_LOCK, setUpSessions, 4));
}
