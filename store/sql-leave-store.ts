/**
 * LeaveStore on the app database, SQLite or PostgreSQL (store/sql.ts), beside the orders: one
 * schema and one set of statements. The ledger's operations (store/ledger.ts) each run in one
 * transaction that first locks the employee's row: on PostgreSQL `SELECT … FOR UPDATE`, so two
 * requests of one employee at the same instant are decided one after the other on any number of
 * connections; on SQLite the transaction's `BEGIN IMMEDIATE` already holds the database's one
 * write lock, across connections and processes (the API and the worker each have their own).
 */
import { OPEN_LEAVE_STATUSES } from '../domain/leave';
import * as ledger from './ledger';
import { LEAVE_LIST_INDEXES, leaveListStatement, toPage } from './lists';
import {
  toEmployee,
  toLedgerEntry,
  toStoredLeaveRequest,
  type EmployeeRow,
  type LedgerRow,
  type LeaveRequestRow,
} from './leave-rows';
import type { LeaveStore } from './leave-store';
import { APP_SCHEMA_LOCK, openPostgres, openSqlite, type Dialect, type Sql, type Transactions } from './sql';

function leaveSchema(d: Dialect): string[] {
  const { json, decimal } = d.types;
  const sequence = d.insertionOrder.column ? `,\n      ${d.insertionOrder.column}` : '';
  return [
    `CREATE TABLE IF NOT EXISTS employees (
      id                TEXT PRIMARY KEY,
      name              TEXT NOT NULL,
      email             TEXT NOT NULL,
      manager_id        TEXT REFERENCES employees (id),
      rank              TEXT NOT NULL CHECK (rank IN ('employee', 'manager', 'vp')),
      annual_allowance  ${decimal} NOT NULL CHECK (annual_allowance >= 0),
      daily_rate        BIGINT NOT NULL CHECK (daily_rate >= 0),
      last_day          TEXT
    )`,
    `CREATE TABLE IF NOT EXISTS leave_ledger (
      entry_key    TEXT PRIMARY KEY,
      employee_id  TEXT NOT NULL REFERENCES employees (id),
      leave_year   INTEGER NOT NULL,
      kind         TEXT NOT NULL,
      days         ${decimal} NOT NULL,
      request_id   TEXT,
      amount       BIGINT,
      created_at   TEXT NOT NULL${sequence}
    )`,
    'CREATE INDEX IF NOT EXISTS leave_ledger_balance ON leave_ledger (employee_id, leave_year)',
    `CREATE TABLE IF NOT EXISTS leave_requests (
      request_id      TEXT PRIMARY KEY,
      employee_id     TEXT NOT NULL REFERENCES employees (id),
      days            ${decimal} NOT NULL,
      start_date      TEXT NOT NULL,
      status          TEXT NOT NULL,
      status_version  INTEGER NOT NULL DEFAULT 0,
      view_json       ${json},
      updated_at      TEXT NOT NULL,
      created_at      TEXT
    )`,
    'CREATE INDEX IF NOT EXISTS leave_requests_employee ON leave_requests (employee_id, status)',
  ];
}

async function setUpLeave(sql: Sql, d: Dialect): Promise<void> {
  for (const statement of leaveSchema(d)) await sql.run(statement);
  if (!(await d.columns(sql, 'leave_requests')).has('created_at')) {
    // A database from before the request lists: the first recorded time stands in for the submission.
    await sql.run('ALTER TABLE leave_requests ADD COLUMN created_at TEXT');
    await sql.run('UPDATE leave_requests SET created_at = updated_at');
  }
  for (const index of LEAVE_LIST_INDEXES) await sql.run(index);
}

const now = () => new Date().toISOString();

const employeeRow = async (sql: Sql, id: string): Promise<EmployeeRow | undefined> =>
  (await sql.all<EmployeeRow>('SELECT * FROM employees WHERE id = ?', [id]))[0];

const chainOf = (sql: Sql, employeeId: string) =>
  ledger.walkChain(employeeId, async (id) => {
    const row = await employeeRow(sql, id);
    return row ? { id: row.id, managerId: row.manager_id, rank: row.rank } : undefined;
  });

/** The ledger's primitives on one transaction's statements. */
function ledgerOn(sql: Sql): ledger.LedgerTransaction {
  return {
    async employee(id) {
      const row = await employeeRow(sql, id);
      return row
        ? { rank: row.rank, annualAllowance: row.annual_allowance, dailyRate: row.daily_rate }
        : undefined;
    },
    chain: (employeeId) => chainOf(sql, employeeId),
    async entry(key) {
      const [row] = await sql.all<LedgerRow>('SELECT * FROM leave_ledger WHERE entry_key = ?', [key]);
      return row
        ? {
            employeeId: row.employee_id,
            leaveYear: row.leave_year,
            days: row.days,
            amount: row.amount ?? undefined,
          }
        : undefined;
    },
    async addEntry(entry) {
      const changed = await sql.run(
        `INSERT INTO leave_ledger (entry_key, employee_id, leave_year, kind, days, request_id, amount, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entry_key) DO NOTHING`,
        [
          entry.key,
          entry.employeeId,
          entry.leaveYear,
          entry.kind,
          entry.days,
          entry.requestId,
          entry.amount,
          now(),
        ],
      );
      return changed === 1;
    },
    async sumDays(employeeId, leaveYear) {
      const [row] = await sql.all<{ total: number }>(
        'SELECT COALESCE(SUM(days), 0) AS total FROM leave_ledger WHERE employee_id = ? AND leave_year = ?',
        [employeeId, leaveYear],
      );
      return row!.total;
    },
    async firstYear(employeeId) {
      const [row] = await sql.all<{ first: number | null }>(
        'SELECT MIN(leave_year) AS first FROM leave_ledger WHERE employee_id = ?',
        [employeeId],
      );
      return row?.first ?? undefined;
    },
  };
}

type LedgerOperations = Pick<
  LeaveStore,
  'balance' | 'owed' | 'reserve' | 'release' | 'carryNegativeBalance' | 'deductFromPaycheck'
>;

/** Each operation one transaction, the employee's row locked first, so theirs run one at a time. */
function ledgerOperations(db: Transactions): LedgerOperations {
  const lockEmployee = async (sql: Sql, employeeId: string): Promise<void> => {
    const rows = await sql.all(`SELECT id FROM employees WHERE id = ?${db.dialect.forUpdate}`, [employeeId]);
    if (rows.length === 0) throw new Error(`no employee ${employeeId}`);
  };
  const forEmployee = <T>(employeeId: string, work: (tx: ledger.LedgerTransaction) => Promise<T>) =>
    db.tx(async (sql) => {
      await lockEmployee(sql, employeeId);
      return work(ledgerOn(sql));
    });
  return {
    balance: (employeeId, leaveYear) =>
      forEmployee(employeeId, (tx) => ledger.availableBalance(tx, employeeId, leaveYear)),
    owed: (employeeId, leaveYear) =>
      forEmployee(employeeId, (tx) => ledger.owedTo(tx, employeeId, leaveYear)),
    reserve: (input) => forEmployee(input.employeeId, (tx) => ledger.reserve(tx, input)),
    release: (requestId) =>
      db.tx(async (sql) => {
        // The reservation names the employee; it never changes once written.
        const reservation = await ledgerOn(sql).entry(`reserve:${requestId}`);
        if (!reservation) return { released: false, days: 0 };
        await lockEmployee(sql, reservation.employeeId);
        return ledger.release(ledgerOn(sql), requestId);
      }),
    carryNegativeBalance: (employeeId, fromYear) =>
      forEmployee(employeeId, (tx) => ledger.carryNegativeBalance(tx, employeeId, fromYear)),
    deductFromPaycheck: (employeeId, leaveYear) =>
      forEmployee(employeeId, (tx) => ledger.deductFromPaycheck(tx, employeeId, leaveYear)),
  };
}

type EmployeeOperations = Pick<
  LeaveStore,
  'seedIfEmpty' | 'listEmployees' | 'getEmployee' | 'managerChain' | 'entries' | 'recordTermination'
>;

function employeeOperations(db: Transactions): EmployeeOperations {
  const { sql, dialect: d } = db;
  return {
    seedIfEmpty: (employees) =>
      db.tx(async (tx) => {
        const lock = d.lockTable('employees');
        if (lock) await tx.run(lock);
        const [count] = await tx.all<{ n: number }>('SELECT COUNT(*) AS n FROM employees');
        if (count!.n > 0) return false;
        for (const e of ledger.managersFirst(employees)) {
          await tx.run(
            `INSERT INTO employees (id, name, email, manager_id, rank, annual_allowance, daily_rate, last_day)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
            [e.id, e.name, e.email, e.managerId, e.rank, e.annualAllowance, e.dailyRate, e.lastDay],
          );
        }
        return true;
      }),
    listEmployees: async () =>
      (await sql.all<EmployeeRow>('SELECT * FROM employees ORDER BY id')).map(toEmployee),
    async getEmployee(id) {
      const row = await employeeRow(sql, id);
      return row ? toEmployee(row) : undefined;
    },
    managerChain: (employeeId) => chainOf(sql, employeeId),
    entries: async (employeeId) =>
      (
        await sql.all<LedgerRow>(
          `SELECT * FROM leave_ledger WHERE employee_id = ? ORDER BY ${d.insertionOrder.order}`,
          [employeeId],
        )
      ).map(toLedgerEntry),
    recordTermination: (employeeId, lastDay) =>
      db.tx(async (tx) => {
        if (!(await employeeRow(tx, employeeId))) throw new Error(`no employee ${employeeId}`);
        const changed = await tx.run('UPDATE employees SET last_day = ? WHERE id = ? AND last_day IS NULL', [
          lastDay,
          employeeId,
        ]);
        return { recorded: changed === 1 };
      }),
  };
}

type RequestOperations = Pick<
  LeaveStore,
  'saveLeaveRequest' | 'recordLeaveStatus' | 'getLeaveRequest' | 'listLeaveRequests' | 'openLeaveRequestIds'
>;

type StoredRequestRow = LeaveRequestRow & { view_json: unknown };

function requestOperations(db: Transactions): RequestOperations {
  const { sql, dialect: d } = db;
  const toStored = (row: StoredRequestRow) => toStoredLeaveRequest(row, d.readJson(row.view_json));
  return {
    async saveLeaveRequest(request) {
      const at = now();
      await sql.run(
        `INSERT INTO leave_requests (request_id, employee_id, days, start_date, status, view_json, updated_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING`,
        [
          request.requestId,
          request.employeeId,
          request.days,
          request.startDate,
          request.status ?? 'PendingApproval',
          request.view === undefined ? null : JSON.stringify(request.view),
          at,
          at,
        ],
      );
    },
    async recordLeaveStatus(requestId, status, version, view) {
      await sql.run(
        `UPDATE leave_requests SET status = ?, status_version = ?, view_json = ?, updated_at = ?
         WHERE request_id = ? AND status_version < ?`,
        [status, version, JSON.stringify(view), now(), requestId, version],
      );
    },
    async getLeaveRequest(requestId) {
      const [row] = await sql.all<StoredRequestRow>('SELECT * FROM leave_requests WHERE request_id = ?', [
        requestId,
      ]);
      return row ? toStored(row) : undefined;
    },
    async listLeaveRequests(list) {
      if (list.employeeIds.length === 0) return { items: [] };
      const { text, values } = leaveListStatement(list, () => '?');
      const rows = await sql.all<StoredRequestRow & { sort_key: string }>(text, values);
      return toPage(rows, list.limit, (row) => row.request_id, toStored);
    },
    async openLeaveRequestIds(employeeId) {
      const rows = await sql.all<{ request_id: string }>(
        `SELECT request_id FROM leave_requests WHERE employee_id = ? AND status IN (${OPEN_LEAVE_STATUSES.map(() => '?').join(', ')})`,
        [employeeId, ...OPEN_LEAVE_STATUSES],
      );
      return rows.map((r) => r.request_id);
    },
  };
}

function leaveStore(db: Transactions): LeaveStore {
  return {
    ...employeeOperations(db),
    ...ledgerOperations(db),
    ...requestOperations(db),
    async ping() {
      await db.sql.all('SELECT 1 AS one');
    },
    close: () => db.close(),
  };
}

/** SQLite, in the same database file as the orders. */
export function openSqliteLeaveStore(file: string): LeaveStore {
  return leaveStore(openSqlite(file, setUpLeave));
}

/** PostgreSQL, in the same database as the orders. */
export function openPostgresLeaveStore(url: string): LeaveStore {
  return leaveStore(openPostgres(url, APP_SCHEMA_LOCK, setUpLeave));
}
