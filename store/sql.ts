/**
 * The app database as a port the stores are written once against: statements with `?`
 * placeholders, each on its own or several in one transaction, over SQLite (better-sqlite3, one
 * connection) or PostgreSQL (node-postgres, a pool), and a small dialect object for what the two
 * really do differently (column types, row locks, reading JSON and a table's columns, a race lost
 * to another transaction).
 *
 * SQLite runs a statement on its own at once, on a cached prepared statement: the order store's
 * writes are on the checkout's hot path. Its transactions are `BEGIN IMMEDIATE` (the database's
 * one write lock, across connections and processes), one at a time per file in a process (a
 * queue), and a statement on its own waits for them, so it never lands inside another caller's
 * transaction. PostgreSQL numbers the placeholders (`$1`, `$2`…; the statements hold no literal
 * `?`), runs a statement on its own on any pooled connection, and a transaction on one connection.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { keepIdleErrors } from './pool-errors';

export type Row = Record<string, unknown>;

/** Statements with `?` placeholders. */
export interface Sql {
  /** The rows a query answers (the caller names their shape). */
  all<R = Row>(text: string, values?: readonly unknown[]): Promise<R[]>;
  /** Runs a statement; answers the number of rows it changed. */
  run(text: string, values?: readonly unknown[]): Promise<number>;
}

export interface Transactions {
  readonly dialect: Dialect;
  /** Statements on their own, each its own transaction. */
  readonly sql: Sql;
  /** `work` in one transaction: committed when it resolves, rolled back when it throws. */
  tx<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
  /**
   * After personal data was erased: leaves no copy of it in the database's files. SQLite zeroes
   * what a statement deletes (`secure_delete`) and here empties its write-ahead log, which still
   * holds the pages as they were; PostgreSQL keeps deleted rows until its autovacuum reclaims them.
   */
  forgetErased(): Promise<void>;
  close(): Promise<void>;
}

/** What a store's schema runs once per open, in one transaction, before any other statement. */
export type Setup = (sql: Sql, dialect: Dialect) => Promise<void>;

export interface Dialect {
  /** Column types where the two differ: JSON documents, and exact decimals (days are halves). */
  readonly types: { json: string; decimal: string };
  /**
   * Rows in the order they were written: SQLite's `rowid`; PostgreSQL has none, so a table that
   * needs the order carries `column`.
   */
  readonly insertionOrder: { column?: string; order: string };
  /**
   * Appended to a SELECT inside a transaction, locks the rows read until it ends (PostgreSQL);
   * empty on SQLite, whose `BEGIN IMMEDIATE` already holds the database's only write lock.
   */
  readonly forUpdate: string;
  /** A statement that keeps every other writer off `table` until the transaction ends, if one is needed. */
  lockTable(table: string): string | undefined;
  /** A JSON column's value as the database hands it out (TEXT on SQLite, parsed JSONB on PostgreSQL). */
  readJson(value: unknown): unknown;
  /** The names of a table's columns. */
  columns(sql: Sql, table: string): Promise<Set<string>>;
  /**
   * Whether a transaction failed on a write another transaction made first, which the caller
   * finds when it reads again: PostgreSQL's unique violation (23505). Never on SQLite, whose
   * transactions run one at a time, so that a unique index refusing a write there is no race.
   */
  lostRace(err: unknown): boolean;
}

const tableName = (table: string): string => {
  if (!/^\w+$/.test(table)) throw new Error(`not a table name: ${table}`);
  return table;
};

export const SQLITE: Dialect = {
  types: { json: 'TEXT', decimal: 'REAL' },
  insertionOrder: { order: 'rowid' },
  forUpdate: '',
  lockTable: () => undefined,
  readJson: (value) => (typeof value === 'string' ? (JSON.parse(value) as unknown) : undefined),
  columns: async (sql, table) =>
    new Set((await sql.all<{ name: string }>(`PRAGMA table_info(${tableName(table)})`)).map((c) => c.name)),
  lostRace: () => false,
};

export const POSTGRES: Dialect = {
  types: { json: 'JSONB', decimal: 'NUMERIC' },
  insertionOrder: { column: 'seq BIGSERIAL', order: 'seq' },
  forUpdate: ' FOR UPDATE',
  lockTable: (table) => `LOCK TABLE ${tableName(table)} IN EXCLUSIVE MODE`,
  readJson: (value) => value ?? undefined,
  columns: async (sql, table) =>
    new Set(
      (
        await sql.all<{ name: string }>(
          'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?',
          [table],
        )
      ).map((c) => c.name),
    ),
  lostRace: (err) => typeof err === 'object' && err !== null && 'code' in err && err.code === '23505',
};

/**
 * The advisory lock the order and leave stores set their schemas up behind on PostgreSQL: the one
 * they shared before this port, so that a replica of the previous version takes turns with them.
 * The sessions' schema, which took no lock before, is set up behind it too.
 */
export const APP_SCHEMA_LOCK = 727274;

/**
 * Runs `change` once per database, inside the setup's transaction, and records that it did in
 * `schema_changes`: for a migration whose need the schema alone no longer shows.
 */
export async function once(sql: Sql, name: string, change: () => Promise<void>): Promise<void> {
  await sql.run(
    'CREATE TABLE IF NOT EXISTS schema_changes (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)',
  );
  if ((await sql.all('SELECT name FROM schema_changes WHERE name = ?', [name])).length > 0) return;
  await change();
  await sql.run('INSERT INTO schema_changes (name, applied_at) VALUES (?, ?)', [
    name,
    new Date().toISOString(),
  ]);
}

/** Prepared statements (SQLite) and numbered texts (PostgreSQL) kept per text, up to a bound. */
function cache<T>(make: (text: string) => T): (text: string) => T {
  const kept = new Map<string, T>();
  return (text) => {
    let found = kept.get(text);
    if (found === undefined) {
      if (kept.size >= 500) kept.clear(); // list statements vary; the hot ones come straight back
      found = make(text);
      kept.set(text, found);
    }
    return found;
  };
}

/** SQLite binds no booleans and no undefined. */
const sqliteValues = (values: readonly unknown[]): unknown[] =>
  values.map((v) => (v === undefined ? null : typeof v === 'boolean' ? Number(v) : v));

/** One connection to a SQLite file in WAL mode, so the API and the worker can share it. */
function connectSqlite(file: string): { db: Database.Database; direct: Sql } {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  // What is deleted is overwritten with zeros, not left in free pages (erased personal data).
  db.pragma('secure_delete = ON');
  const prepared = cache((text) => db.prepare(text));
  const direct: Sql = {
    all: async <R>(text: string, values: readonly unknown[] = []) => {
      const statement = prepared(text);
      if (statement.reader) return statement.all(...sqliteValues(values)) as R[];
      statement.run(...sqliteValues(values));
      return [];
    },
    run: async (text, values = []) => prepared(text).run(...sqliteValues(values)).changes,
  };
  return { db, direct };
}

/**
 * The transactions on one SQLite file in this process, one at a time whichever connection runs
 * them: a transaction holds the file's write lock across awaits, and a write on another
 * connection of the same process meanwhile would wait for it in SQLite's busy handler, which
 * blocks the very thread the transaction needs to finish. Other processes wait their turn there.
 */
interface Lane {
  /** Settles when the last transaction queued has ended. */
  tail: Promise<unknown>;
  /** Transactions open or waiting. */
  pending: number;
  connections: number;
}

const lanes = new Map<string, Lane>();

function joinLane(file: string): { lane: Lane; leave: () => void } {
  const key = file === ':memory:' ? undefined : path.resolve(file);
  const lane = (key && lanes.get(key)) || { tail: Promise.resolve(), pending: 0, connections: 0 };
  if (key) lanes.set(key, lane);
  lane.connections++;
  const leave = () => {
    if (--lane.connections === 0 && key && lanes.get(key) === lane) lanes.delete(key);
  };
  return { lane, leave };
}

function transactionOn<T>(db: Database.Database, direct: Sql, lane: Lane, work: (sql: Sql) => Promise<T>) {
  lane.pending++;
  const next = lane.tail
    .then(async () => {
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(direct);
        db.exec('COMMIT');
        return result;
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw err;
      }
    })
    .finally(() => lane.pending--);
  lane.tail = next.catch(() => undefined);
  return next;
}

/** A SQLite file: the schema set up first, in one transaction, before any other statement runs. */
export function openSqlite(file: string, setup: Setup): Transactions {
  const { db, direct } = connectSqlite(file);
  const { lane, leave } = joinLane(file);
  let state: 'setting up' | 'ready' | { failed: unknown } = 'setting up';
  const afterSetup = <T>(work: () => Promise<T>): Promise<T> => {
    if (typeof state === 'object') throw state.failed;
    return work();
  };
  transactionOn(db, direct, lane, (sql) => setup(sql, SQLITE)).then(
    () => (state = 'ready'),
    (failed: unknown) => (state = { failed }),
  );
  /** At once when no transaction is open or waiting (the usual case); else after them. */
  const single = <T>(statement: () => Promise<T>): Promise<T> =>
    state === 'ready' && lane.pending === 0 ? statement() : lane.tail.then(() => afterSetup(statement));
  return {
    dialect: SQLITE,
    sql: {
      all: <R>(text: string, values?: readonly unknown[]) => single(() => direct.all<R>(text, values)),
      run: (text, values) => single(() => direct.run(text, values)),
    },
    tx: (work) => transactionOn(db, direct, lane, () => afterSetup(() => work(direct))),
    async forgetErased() {
      // Once no transaction of this process is open: the log's old pages go with its truncation.
      await lane.tail;
      db.pragma('wal_checkpoint(TRUNCATE)');
    },
    async close() {
      await lane.tail;
      leave();
      db.close();
    },
  };
}

// NUMERIC and BIGINT come back as strings by default: days are halves, amounts minor units, counts
// small, all exact as JavaScript numbers within the ranges the app allows.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** `?` placeholders as PostgreSQL's `$1`, `$2`… */
const numbered = cache((text) => {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
});

const onClient = (client: pg.Pool | pg.PoolClient): Sql => ({
  all: async <R>(text: string, values: readonly unknown[] = []) =>
    (await client.query(numbered(text), [...values])).rows as R[],
  run: async (text, values = []) => (await client.query(numbered(text), [...values])).rowCount ?? 0,
});

async function inTransaction<T>(client: pg.PoolClient, work: (sql: Sql) => Promise<T>): Promise<T> {
  let result: T;
  try {
    await client.query('BEGIN');
    result = await work(onClient(client));
    await client.query('COMMIT');
  } catch (err) {
    // A connection that cannot even roll back is closed rather than handed to the next caller.
    const broken = await client.query('ROLLBACK').then(
      () => false,
      () => true,
    );
    client.release(broken);
    throw err;
  }
  client.release();
  return result;
}

/**
 * A pool per store, of at most `connections`. Its schema is set up once, in one transaction,
 * behind the advisory lock `schemaLockId`, so replicas starting together take turns; every
 * statement waits for it.
 */
export function openPostgres(
  url: string,
  schemaLockId: number,
  setup: Setup,
  connections = 10,
): Transactions {
  if (!Number.isSafeInteger(schemaLockId)) throw new Error(`schema lock id: ${schemaLockId}`);
  const pool = new pg.Pool({ connectionString: url, max: connections });
  keepIdleErrors(pool);
  const ready = (async () =>
    inTransaction(await pool.connect(), async (sql) => {
      await sql.all(`SELECT pg_advisory_xact_lock(${schemaLockId})`);
      await setup(sql, POSTGRES);
    }))();
  ready.catch(() => undefined); // reported by the first call that awaits it
  const pooled = onClient(pool);
  return {
    dialect: POSTGRES,
    sql: {
      all: async <R>(text: string, values?: readonly unknown[]) => {
        await ready;
        return pooled.all<R>(text, values);
      },
      run: async (text, values) => {
        await ready;
        return pooled.run(text, values);
      },
    },
    async tx(work) {
      await ready;
      return inTransaction(await pool.connect(), work);
    },
    async forgetErased() {
      // Dead rows are reclaimed by autovacuum (docs/processes.md says how long that may take).
    },
    async close() {
      await pool.end();
    },
  };
}
