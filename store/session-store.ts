/**
 * The back office's server-side sessions and sign-ins in flight, in the app's database (SQLite by
 * default, PostgreSQL with DATABASE_URL), so a session outlives an API restart and is shared by
 * every API replica, and signing out ends it everywhere at once. Keys are SHA-256 hashes of the
 * random ids the browser holds: the table alone signs nobody in.
 */
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

/** A sign-in sent to the provider and not back yet: what its callback must match. */
export interface SignInAttempt {
  codeVerifier: string;
  nonce: string;
  returnTo: string;
  expiresAt: number;
}

export interface SessionStore {
  saveSession(idHash: string, session: BackOfficeSession): Promise<void>;
  findSession(idHash: string, now: number): Promise<BackOfficeSession | undefined>;
  /** Ends a session; answers what it was. */
  deleteSession(idHash: string): Promise<BackOfficeSession | undefined>;
  saveSignIn(stateHash: string, attempt: SignInAttempt): Promise<void>;
  /** A sign-in attempt is used once: taken, it is gone. */
  takeSignIn(stateHash: string, now: number): Promise<SignInAttempt | undefined>;
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
CREATE TABLE IF NOT EXISTS sign_in_attempts (
  state_hash    TEXT PRIMARY KEY,
  code_verifier TEXT NOT NULL,
  nonce         TEXT NOT NULL,
  return_to     TEXT NOT NULL,
  expires_at    BIGINT NOT NULL
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
interface AttemptRow {
  code_verifier: string;
  nonce: string;
  return_to: string;
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
function toAttempt(row: AttemptRow): SignInAttempt {
  return {
    codeVerifier: row.code_verifier,
    nonce: row.nonce,
    returnTo: row.return_to,
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
const attemptValues = (stateHash: string, a: SignInAttempt): unknown[] => [
  stateHash,
  a.codeVerifier,
  a.nonce,
  a.returnTo,
  a.expiresAt,
];

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
  const insertAttempt = db.prepare(
    'INSERT INTO sign_in_attempts (state_hash, code_verifier, nonce, return_to, expires_at) VALUES (?, ?, ?, ?, ?)',
  );
  const removeAttempt = db.prepare<[string], AttemptRow>(
    'DELETE FROM sign_in_attempts WHERE state_hash = ? RETURNING *',
  );
  const expire = db.transaction((now: number) => {
    db.prepare('DELETE FROM back_office_sessions WHERE expires_at <= ?').run(now);
    db.prepare('DELETE FROM sign_in_attempts WHERE expires_at <= ?').run(now);
  });
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
    async saveSignIn(stateHash, attempt) {
      insertAttempt.run(...attemptValues(stateHash, attempt));
    },
    async takeSignIn(stateHash, now) {
      const row = removeAttempt.get(stateHash);
      return row && Number(row.expires_at) > now ? toAttempt(row) : undefined;
    },
    async deleteExpired(now) {
      expire(now);
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
    async saveSignIn(stateHash, attempt) {
      await query(
        'INSERT INTO sign_in_attempts (state_hash, code_verifier, nonce, return_to, expires_at) VALUES ($1, $2, $3, $4, $5)',
        attemptValues(stateHash, attempt),
      );
    },
    async takeSignIn(stateHash, now) {
      const [row] = await query<AttemptRow>(
        'DELETE FROM sign_in_attempts WHERE state_hash = $1 RETURNING *',
        [stateHash],
      );
      return row && Number(row.expires_at) > now ? toAttempt(row) : undefined;
    },
    async deleteExpired(now) {
      await query('DELETE FROM back_office_sessions WHERE expires_at <= $1', [now]);
      await query('DELETE FROM sign_in_attempts WHERE expires_at <= $1', [now]);
    },
    async close() {
      await pool.end();
    },
  };
}
