/**
 * The back office's server-side sessions, in the app's database (SQLite by default, PostgreSQL with
 * DATABASE_URL), so a session outlives an API restart and is shared by every API replica, and
 * signing out ends it everywhere at once. Keys are SHA-256 hashes of the random ids the browser
 * holds: the table alone signs nobody in. A sign-in in flight keeps no row: it travels sealed in
 * the browser's cookie (api/session.ts), under the one key kept here for every replica, so a
 * stranger's requests for the sign-in page cost the database nothing.
 */
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { keepIdleErrors } from './pool-errors';
import { isRole, type Role } from '../domain/roles';

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

const SCHEMA = `
CREATE TABLE IF NOT EXISTS back_office_sessions (
  id_hash    TEXT PRIMARY KEY,
  sub        TEXT NOT NULL,
  name       TEXT NOT NULL,
  roles      TEXT NOT NULL,
  csrf_token TEXT NOT NULL,
  id_token   TEXT,
  expires_at BIGINT NOT NULL
);
-- Sign-ins in flight were rows here once; they are sealed cookies now, and nothing reads the table.
DROP TABLE IF EXISTS sign_in_attempts;
CREATE TABLE IF NOT EXISTS app_keys (
  name TEXT PRIMARY KEY,
  key  TEXT NOT NULL
);
`;

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

export function openSqliteSessionStore(file: string): SessionStore {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  const insertSession = db.prepare(
    'INSERT INTO back_office_sessions (id_hash, sub, name, roles, csrf_token, id_token, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const selectSession = db.prepare<[string, number], SessionRow>(
    'SELECT * FROM back_office_sessions WHERE id_hash = ? AND expires_at > ?',
  );
  const removeSession = db.prepare<[string], SessionRow>(
    'DELETE FROM back_office_sessions WHERE id_hash = ? RETURNING *',
  );
  const insertKey = db.prepare(
    'INSERT INTO app_keys (name, key) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
  );
  const selectKey = db.prepare<[string], { key: string }>('SELECT key FROM app_keys WHERE name = ?');
  const expire = db.prepare('DELETE FROM back_office_sessions WHERE expires_at <= ?');
  return {
    async saveSession(idHash, session) {
      insertSession.run(...sessionValues(idHash, session));
    },
    async findSession(idHash, now) {
      const row = selectSession.get(idHash, now);
      return row ? toSession(row) : undefined;
    },
    async deleteSession(idHash) {
      const row = removeSession.get(idHash);
      return row ? toSession(row) : undefined;
    },
    async signInKey() {
      insertKey.run(SIGN_IN_KEY, newKey());
      return Buffer.from(selectKey.get(SIGN_IN_KEY)!.key, 'base64');
    },
    async deleteExpired(now) {
      expire.run(now);
    },
    async close() {
      db.close();
    },
  };
}

export function openPostgresSessionStore(url: string): SessionStore {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  keepIdleErrors(pool);
  const ready = pool.query(SCHEMA).then(() => undefined);
  ready.catch(() => undefined); // reported by the first call that awaits it
  const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> => {
    await ready;
    return (await pool.query<R>(text, values)).rows;
  };
  return {
    async saveSession(idHash, session) {
      await query(
        'INSERT INTO back_office_sessions (id_hash, sub, name, roles, csrf_token, id_token, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        sessionValues(idHash, session),
      );
    },
    async findSession(idHash, now) {
      const [row] = await query<SessionRow>(
        'SELECT * FROM back_office_sessions WHERE id_hash = $1 AND expires_at > $2',
        [idHash, now],
      );
      return row ? toSession(row) : undefined;
    },
    async deleteSession(idHash) {
      const [row] = await query<SessionRow>(
        'DELETE FROM back_office_sessions WHERE id_hash = $1 RETURNING *',
        [idHash],
      );
      return row ? toSession(row) : undefined;
    },
    async signInKey() {
      await query('INSERT INTO app_keys (name, key) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
        SIGN_IN_KEY,
        newKey(),
      ]);
      const [row] = await query<{ key: string }>('SELECT key FROM app_keys WHERE name = $1', [SIGN_IN_KEY]);
      return Buffer.from(row!.key, 'base64');
    },
    async deleteExpired(now) {
      await query('DELETE FROM back_office_sessions WHERE expires_at <= $1', [now]);
    },
    async close() {
      await pool.end();
    },
  };
}
