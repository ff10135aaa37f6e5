/**
 * LeaveStore on SQLite, in the same database file as the orders. Checks and writes that must not
 * interleave run in `BEGIN IMMEDIATE` transactions: SQLite's write lock serialises them across
 * connections and processes (the API and the worker each have their own).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  decideApproval,
  paycheckDeduction,
  type ChainMember,
  type LeaveStatus,
  type Rank,
} from '../domain/leave';
import type {
  Employee,
  LeaveStore,
  LedgerEntry,
  LedgerKind,
  ReserveResult,
  StoredLeaveRequest,
} from './leave-store';

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
  updated_at      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS leave_requests_employee ON leave_requests (employee_id, status);
`;

interface EmployeeRow {
  id: string;
  name: string;
  email: string;
  manager_id: string | null;
  rank: Rank;
  annual_allowance: number;
  daily_rate: number;
  last_day: string | null;
}

interface LedgerRow {
  employee_id: string;
  leave_year: number;
  kind: LedgerKind;
  days: number;
  request_id: string | null;
  amount: number | null;
  created_at: string;
}

function toEmployee(row: EmployeeRow): Employee {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    managerId: row.manager_id ?? undefined,
    rank: row.rank,
    annualAllowance: row.annual_allowance,
    dailyRate: row.daily_rate,
    lastDay: row.last_day ?? undefined,
  };
}

export function openSqliteLeaveStore(file: string): LeaveStore {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);

  const now = () => new Date().toISOString();
  const employeeById = db.prepare<[string], EmployeeRow>('SELECT * FROM employees WHERE id = ?');
  const insertEntry = db.prepare(
    `INSERT INTO leave_ledger (entry_key, employee_id, leave_year, kind, days, request_id, amount, created_at)
     VALUES (@key, @employeeId, @leaveYear, @kind, @days, @requestId, @amount, @createdAt)
     ON CONFLICT (entry_key) DO NOTHING`,
  );
  const entryByKey = db.prepare<[string], LedgerRow>('SELECT * FROM leave_ledger WHERE entry_key = ?');
  const sumForYear = db.prepare<[string, number], { total: number | null }>(
    'SELECT SUM(days) AS total FROM leave_ledger WHERE employee_id = ? AND leave_year = ?',
  );

  function employeeOrThrow(id: string): EmployeeRow {
    const row = employeeById.get(id);
    if (!row) throw new Error(`no employee ${id}`);
    return row;
  }

  function addEntry(entry: {
    key: string;
    employeeId: string;
    leaveYear: number;
    kind: LedgerKind;
    days: number;
    requestId?: string;
    amount?: number;
  }): boolean {
    const result = insertEntry.run({ requestId: null, amount: null, createdAt: now(), ...entry });
    return result.changes === 1;
  }

  /** The year's allowance is granted the first time anything touches that year. */
  function balanceOf(employeeId: string, leaveYear: number): number {
    const employee = employeeOrThrow(employeeId);
    addEntry({
      key: `grant:${employeeId}:${leaveYear}`,
      employeeId,
      leaveYear,
      kind: 'grant',
      days: employee.annual_allowance,
    });
    return sumForYear.get(employeeId, leaveYear)?.total ?? 0;
  }

  function chainOf(employeeId: string): ChainMember[] {
    const chain: ChainMember[] = [];
    const seen = new Set<string>([employeeId]);
    let current = employeeById.get(employeeId);
    while (current?.manager_id && !seen.has(current.manager_id)) {
      seen.add(current.manager_id);
      current = employeeById.get(current.manager_id);
      if (current) chain.push({ id: current.id, rank: current.rank });
    }
    return chain;
  }

  const reserve = db.transaction((input: Parameters<LeaveStore['reserve']>[0]): ReserveResult => {
    const { requestId, employeeId, days, leaveYear, mode } = input;
    const key = `reserve:${requestId}`;
    const existing = entryByKey.get(key);
    const balance = balanceOf(employeeId, leaveYear);
    if (existing) return { reserved: true, balanceBefore: balance - existing.days, balanceAfter: balance };
    if (mode.kind === 'within_balance') {
      if (days > balance) {
        return {
          reserved: false,
          balance,
          refusal: { reason: 'beyond_balance', message: `${days} days requested, ${balance} left` },
        };
      }
    } else {
      const approver = employeeById.get(mode.approverId);
      const decision = decideApproval({
        approver: { id: mode.approverId, rank: approver?.rank ?? 'employee' },
        chain: chainOf(employeeId),
        balance,
        days,
      });
      if (!decision.allowed) {
        return { reserved: false, balance, refusal: { reason: decision.reason, message: decision.message } };
      }
    }
    addEntry({ key, employeeId, leaveYear, kind: 'reservation', days: -days, requestId });
    return { reserved: true, balanceBefore: balance, balanceAfter: balance - days };
  });

  const release = db.transaction((requestId: string) => {
    const reservation = entryByKey.get(`reserve:${requestId}`);
    if (!reservation) return { released: false, days: 0 };
    const released = addEntry({
      key: `release:${requestId}`,
      employeeId: reservation.employee_id,
      leaveYear: reservation.leave_year,
      kind: 'release',
      days: -reservation.days,
      requestId,
    });
    return { released, days: -reservation.days };
  });

  const carry = db.transaction((employeeId: string, fromYear: number) => {
    const carried = entryByKey.get(`carried:${employeeId}:${fromYear}`);
    if (carried) return { days: carried.days, done: 'before' as const };
    if (entryByKey.get(`paycheck:${employeeId}:${fromYear}`))
      return { days: 0, done: 'paid_by_paycheck' as const };
    const balance = balanceOf(employeeId, fromYear);
    if (balance >= 0) return { days: 0, done: 'not_needed' as const };
    const days = -balance;
    addEntry({
      key: `carried:${employeeId}:${fromYear}`,
      employeeId,
      leaveYear: fromYear,
      kind: 'carried_over',
      days,
    });
    balanceOf(employeeId, fromYear + 1);
    addEntry({
      key: `deduct:${employeeId}:${fromYear + 1}`,
      employeeId,
      leaveYear: fromYear + 1,
      kind: 'deduction',
      days: -days,
    });
    return { days, done: 'now' as const };
  });

  const paycheck = db.transaction((employeeId: string, leaveYear: number) => {
    const paid = entryByKey.get(`paycheck:${employeeId}:${leaveYear}`);
    if (paid) return { days: paid.days, amount: paid.amount ?? 0, done: 'before' as const };
    if (entryByKey.get(`carried:${employeeId}:${leaveYear}`))
      return { days: 0, amount: 0, done: 'carried_over' as const };
    const balance = balanceOf(employeeId, leaveYear);
    if (balance >= 0) return { days: 0, amount: 0, done: 'not_needed' as const };
    const days = -balance;
    const amount = paycheckDeduction(days, employeeOrThrow(employeeId).daily_rate);
    addEntry({
      key: `paycheck:${employeeId}:${leaveYear}`,
      employeeId,
      leaveYear,
      kind: 'paycheck_deduction',
      days,
      amount,
    });
    return { days, amount, done: 'now' as const };
  });

  const seed = db.transaction((employees: readonly Employee[]) => {
    const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM employees').get()?.n ?? 0;
    if (count > 0) return false;
    const insert = db.prepare(
      `INSERT INTO employees (id, name, email, manager_id, rank, annual_allowance, daily_rate, last_day)
       VALUES (@id, @name, @email, @managerId, @rank, @annualAllowance, @dailyRate, @lastDay)`,
    );
    // Managers before their reports, whatever order the seed lists them in.
    const pending = [...employees];
    const inserted = new Set<string>();
    while (pending.length) {
      const index = pending.findIndex((e) => !e.managerId || inserted.has(e.managerId));
      if (index < 0) throw new Error('the seed has a manager that is not in it');
      const [employee] = pending.splice(index, 1);
      insert.run({ managerId: null, lastDay: null, ...employee });
      inserted.add(employee!.id);
    }
    return true;
  });

  return {
    async seedIfEmpty(employees) {
      return seed.immediate(employees);
    },
    async listEmployees() {
      return db.prepare<[], EmployeeRow>('SELECT * FROM employees ORDER BY id').all().map(toEmployee);
    },
    async getEmployee(id) {
      const row = employeeById.get(id);
      return row ? toEmployee(row) : undefined;
    },
    async managerChain(employeeId) {
      return chainOf(employeeId);
    },
    async balance(employeeId, leaveYear) {
      return db.transaction(() => balanceOf(employeeId, leaveYear)).immediate();
    },
    async entries(employeeId) {
      return db
        .prepare<[string], LedgerRow>(
          'SELECT * FROM leave_ledger WHERE employee_id = ? ORDER BY created_at, rowid',
        )
        .all(employeeId)
        .map((row): LedgerEntry => ({
          employeeId: row.employee_id,
          leaveYear: row.leave_year,
          kind: row.kind,
          days: row.days,
          requestId: row.request_id ?? undefined,
          amount: row.amount ?? undefined,
          createdAt: row.created_at,
        }));
    },
    async reserve(input) {
      return reserve.immediate(input);
    },
    async release(requestId) {
      return release.immediate(requestId);
    },
    async carryNegativeBalance(employeeId, fromYear) {
      return carry.immediate(employeeId, fromYear);
    },
    async deductFromPaycheck(employeeId, leaveYear) {
      return paycheck.immediate(employeeId, leaveYear);
    },
    async recordTermination(employeeId, lastDay) {
      employeeOrThrow(employeeId);
      const result = db
        .prepare('UPDATE employees SET last_day = ? WHERE id = ? AND last_day IS NULL')
        .run(lastDay, employeeId);
      return { recorded: result.changes === 1 };
    },
    async saveLeaveRequest(request) {
      db.prepare(
        `INSERT INTO leave_requests (request_id, employee_id, days, start_date, status, updated_at)
         VALUES (@requestId, @employeeId, @days, @startDate, 'PendingApproval', @now)
         ON CONFLICT (request_id) DO NOTHING`,
      ).run({ ...request, now: now() });
    },
    async recordLeaveStatus(requestId, status, version, view) {
      db.prepare(
        `UPDATE leave_requests SET status = ?, status_version = ?, view_json = ?, updated_at = ?
         WHERE request_id = ? AND status_version < ?`,
      ).run(status, version, JSON.stringify(view), now(), requestId, version);
    },
    async getLeaveRequest(requestId) {
      const row = db
        .prepare<
          [string],
          {
            request_id: string;
            employee_id: string;
            days: number;
            start_date: string;
            status: LeaveStatus;
            status_version: number;
            view_json: string | null;
            updated_at: string;
          }
        >('SELECT * FROM leave_requests WHERE request_id = ?')
        .get(requestId);
      if (!row) return undefined;
      const stored: StoredLeaveRequest = {
        requestId: row.request_id,
        employeeId: row.employee_id,
        days: row.days,
        startDate: row.start_date,
        status: row.status,
        statusVersion: row.status_version,
        view: row.view_json ? (JSON.parse(row.view_json) as unknown) : undefined,
        updatedAt: row.updated_at,
      };
      return stored;
    },
    async openLeaveRequestIds(employeeId) {
      // Approved requests stay open until their leave starts, or until a negative balance is settled.
      return db
        .prepare<[string], { request_id: string }>(
          `SELECT request_id FROM leave_requests WHERE employee_id = ? AND status IN ('PendingApproval', 'Approved')`,
        )
        .all(employeeId)
        .map((r) => r.request_id);
    },
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      db.close();
    },
  };
}
