/**
 * LeaveStore on SQLite, in the same database file as the orders. The ledger's operations
 * (store/ledger.ts) run in `BEGIN IMMEDIATE` transactions: SQLite's write lock serialises them
 * across connections and processes (the API and the worker each have their own), and a queue
 * keeps this connection's own callers one at a time.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
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

const SCHEMA = `
CREATE TABLE IF NOT EXISTS employees (
  id                TEXT PRIMARY KEY,
  name              TEXT NOT NULL,
  email             TEXT NOT NULL,
  manager_id        TEXT REFERENCES employees (id),
  rank              TEXT NOT NULL CHECK (rank IN ('employee', 'manager', 'vp')),
  annual_allowance  REAL NOT NULL CHECK (annual_allowance >= 0),
  daily_rate        INTEGER NOT NULL CHECK (daily_rate >= 0),
  last_day          TEXT
);
CREATE TABLE IF NOT EXISTS leave_ledger (
  entry_key    TEXT PRIMARY KEY,
  employee_id  TEXT NOT NULL REFERENCES employees (id),
  leave_year   INTEGER NOT NULL,
  kind         TEXT NOT NULL,
  days         REAL NOT NULL,
  request_id   TEXT,
  amount       INTEGER,
  created_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS leave_ledger_balance ON leave_ledger (employee_id, leave_year);
CREATE TABLE IF NOT EXISTS leave_requests (
  request_id      TEXT PRIMARY KEY,
  employee_id     TEXT NOT NULL REFERENCES employees (id),
  days            REAL NOT NULL,
  start_date      TEXT NOT NULL,
  status          TEXT NOT NULL,
  status_version  INTEGER NOT NULL DEFAULT 0,
  view_json       TEXT,
  updated_at      TEXT NOT NULL,
  created_at      TEXT
);
CREATE INDEX IF NOT EXISTS leave_requests_employee ON leave_requests (employee_id, status);
`;

export function openSqliteLeaveStore(file: string): LeaveStore {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(leave_requests)').all();
  if (!columns.some((c) => c.name === 'created_at')) {
    // A database from before the request lists: the first recorded time stands in for the submission.
    db.exec('ALTER TABLE leave_requests ADD COLUMN created_at TEXT');
    db.exec('UPDATE leave_requests SET created_at = updated_at');
  }
  for (const index of LEAVE_LIST_INDEXES) db.exec(index);

  const now = () => new Date().toISOString();
  const employeeById = db.prepare<[string], EmployeeRow>('SELECT * FROM employees WHERE id = ?');
  const insertEntry = db.prepare(
    `INSERT INTO leave_ledger (entry_key, employee_id, leave_year, kind, days, request_id, amount, created_at)
     VALUES (@key, @employeeId, @leaveYear, @kind, @days, @requestId, @amount, @createdAt)
     ON CONFLICT (entry_key) DO NOTHING`,
  );
  const entryByKey = db.prepare<[string], LedgerRow>('SELECT * FROM leave_ledger WHERE entry_key = ?');
  const firstYearOf = db.prepare<[string], { first: number | null }>(
    'SELECT MIN(leave_year) AS first FROM leave_ledger WHERE employee_id = ?',
  );
  const sumForYear = db.prepare<[string, number], { total: number | null }>(
    'SELECT SUM(days) AS total FROM leave_ledger WHERE employee_id = ? AND leave_year = ?',
  );

  const tx: ledger.LedgerTransaction = {
    async employee(id) {
      const row = employeeById.get(id);
      return row
        ? { rank: row.rank, annualAllowance: row.annual_allowance, dailyRate: row.daily_rate }
        : undefined;
    },
    async chain(employeeId) {
      return ledger.walkChain(employeeId, async (id) => {
        const row = employeeById.get(id);
        return row ? { id: row.id, managerId: row.manager_id, rank: row.rank } : undefined;
      });
    },
    async entry(key) {
      const row = entryByKey.get(key);
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
      return insertEntry.run({ requestId: null, amount: null, createdAt: now(), ...entry }).changes === 1;
    },
    async sumDays(employeeId, leaveYear) {
      return sumForYear.get(employeeId, leaveYear)?.total ?? 0;
    },
    async firstYear(employeeId) {
      return firstYearOf.get(employeeId)?.first ?? undefined;
    },
  };

  // One transaction at a time on this connection: its statements are synchronous, but the ledger's
  // operations are written for any database and await between them.
  let queue: Promise<unknown> = Promise.resolve();
  function transaction<T>(work: () => Promise<T>): Promise<T> {
    const run = queue.then(async () => {
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work();
        db.exec('COMMIT');
        return result;
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      }
    });
    queue = run.catch(() => undefined);
    return run;
  }

  return {
    async seedIfEmpty(employees) {
      return transaction(async () => {
        const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM employees').get()?.n ?? 0;
        if (count > 0) return false;
        const insert = db.prepare(
          `INSERT INTO employees (id, name, email, manager_id, rank, annual_allowance, daily_rate, last_day)
           VALUES (@id, @name, @email, @managerId, @rank, @annualAllowance, @dailyRate, @lastDay)`,
        );
        for (const employee of ledger.managersFirst(employees)) {
          insert.run({ managerId: null, lastDay: null, ...employee });
        }
        return true;
      });
    },
    async listEmployees() {
      return db.prepare<[], EmployeeRow>('SELECT * FROM employees ORDER BY id').all().map(toEmployee);
    },
    async getEmployee(id) {
      const row = employeeById.get(id);
      return row ? toEmployee(row) : undefined;
    },
    async managerChain(employeeId) {
      return tx.chain(employeeId);
    },
    async balance(employeeId, leaveYear) {
      return transaction(() => ledger.availableBalance(tx, employeeId, leaveYear));
    },
    async owed(employeeId, leaveYear) {
      return transaction(() => ledger.owedTo(tx, employeeId, leaveYear));
    },
    async entries(employeeId) {
      return db
        .prepare<[string], LedgerRow>(
          'SELECT * FROM leave_ledger WHERE employee_id = ? ORDER BY created_at, rowid',
        )
        .all(employeeId)
        .map(toLedgerEntry);
    },
    async reserve(input) {
      return transaction(() => ledger.reserve(tx, input));
    },
    async release(requestId) {
      return transaction(() => ledger.release(tx, requestId));
    },
    async carryNegativeBalance(employeeId, fromYear) {
      return transaction(() => ledger.carryNegativeBalance(tx, employeeId, fromYear));
    },
    async deductFromPaycheck(employeeId, leaveYear) {
      return transaction(() => ledger.deductFromPaycheck(tx, employeeId, leaveYear));
    },
    async recordTermination(employeeId, lastDay) {
      return transaction(async () => {
        if (!employeeById.get(employeeId)) throw new Error(`no employee ${employeeId}`);
        const result = db
          .prepare('UPDATE employees SET last_day = ? WHERE id = ? AND last_day IS NULL')
          .run(lastDay, employeeId);
        return { recorded: result.changes === 1 };
      });
    },
    async saveLeaveRequest(request) {
      await transaction(async () => {
        db.prepare(
          `INSERT INTO leave_requests (request_id, employee_id, days, start_date, status, view_json, updated_at, created_at)
           VALUES (@requestId, @employeeId, @days, @startDate, @status, @viewJson, @now, @now)
           ON CONFLICT (request_id) DO NOTHING`,
        ).run({
          requestId: request.requestId,
          employeeId: request.employeeId,
          days: request.days,
          startDate: request.startDate,
          status: request.status ?? 'PendingApproval',
          viewJson: request.view === undefined ? null : JSON.stringify(request.view),
          now: now(),
        });
      });
    },
    async recordLeaveStatus(requestId, status, version, view) {
      await transaction(async () => {
        db.prepare(
          `UPDATE leave_requests SET status = ?, status_version = ?, view_json = ?, updated_at = ?
           WHERE request_id = ? AND status_version < ?`,
        ).run(status, version, JSON.stringify(view), now(), requestId, version);
      });
    },
    async getLeaveRequest(requestId) {
      const row = db
        .prepare<[string], LeaveRequestRow & { view_json: string | null }>(
          'SELECT * FROM leave_requests WHERE request_id = ?',
        )
        .get(requestId);
      return row
        ? toStoredLeaveRequest(row, row.view_json ? (JSON.parse(row.view_json) as unknown) : undefined)
        : undefined;
    },
    async listLeaveRequests(list) {
      if (list.employeeIds.length === 0) return { items: [] };
      const { text, values } = leaveListStatement(list, () => '?');
      const rows = db
        .prepare<unknown[], LeaveRequestRow & { view_json: string | null; sort_key: string }>(text)
        .all(...values);
      return toPage(
        rows,
        list.limit,
        (row) => row.request_id,
        (row) =>
          toStoredLeaveRequest(row, row.view_json ? (JSON.parse(row.view_json) as unknown) : undefined),
      );
    },
    async openLeaveRequestIds(employeeId) {
      // Approved requests stay open until their leave starts, or until a negative balance is settled.
      return db
        .prepare<[string], { request_id: string }>(
          `SELECT request_id FROM leave_requests WHERE employee_id = ? AND status IN ('Submitted', 'PendingApproval', 'Approved')`,
        )
        .all(employeeId)
        .map((r) => r.request_id);
    },
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      await queue;
      db.close();
    },
  };
}
