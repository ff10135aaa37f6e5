/**
 * The leave store on PostgreSQL (`DATABASE_URL=postgres://…`), beside the SQLite default: the
 * same interface, and the same ledger operations (store/ledger.ts), each in one transaction that
 * first locks the employee's row (`SELECT … FOR UPDATE`), so two requests of one employee at the
 * same instant are decided one after the other, on any number of connections. (The orders are on
 * the SQL port, store/sql-order-store.ts; this pool still sets up the schema it always did.)
 */
import pg from 'pg';
import { keepIdleErrors } from './pool-errors';
import type { OrderView } from '../domain/order';
import { queueColumns } from '../domain/work-queues';
import * as ledger from './ledger';
import { LEAVE_LIST_INDEXES, leaveListStatement, ORDER_LIST_INDEXES, toPage } from './lists';
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
CREATE TABLE IF NOT EXISTS orders (
  order_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, customer_email TEXT NOT NULL,
  currency TEXT NOT NULL, total BIGINT NOT NULL CHECK (total > 0), order_json JSONB NOT NULL,
  status TEXT NOT NULL, status_version INTEGER NOT NULL DEFAULT 0, view_json JSONB,
  placed_at TEXT NOT NULL, updated_at TEXT NOT NULL);
ALTER TABLE orders ADD COLUMN IF NOT EXISTS support_reason TEXT;
ALTER TABLE orders ADD COLUMN IF NOT EXISTS support_sort TEXT;
ALTER TABLE orders ADD COLUMN IF NOT EXISTS work_queue TEXT;
ALTER TABLE orders ADD COLUMN IF NOT EXISTS work_sort TEXT;
ALTER TABLE orders ADD COLUMN IF NOT EXISTS queues_filled BOOLEAN NOT NULL DEFAULT false;
DROP INDEX IF EXISTS orders_customer;
CREATE TABLE IF NOT EXISTS employees (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, manager_id TEXT REFERENCES employees (id),
  rank TEXT NOT NULL CHECK (rank IN ('employee', 'manager', 'vp')),
  annual_allowance NUMERIC NOT NULL CHECK (annual_allowance >= 0), daily_rate BIGINT NOT NULL CHECK (daily_rate >= 0),
  last_day TEXT);
CREATE TABLE IF NOT EXISTS leave_ledger (
  entry_key TEXT PRIMARY KEY, employee_id TEXT NOT NULL REFERENCES employees (id), leave_year INTEGER NOT NULL,
  kind TEXT NOT NULL, days NUMERIC NOT NULL, request_id TEXT, amount BIGINT, created_at TEXT NOT NULL,
  seq BIGSERIAL);
CREATE INDEX IF NOT EXISTS leave_ledger_balance ON leave_ledger (employee_id, leave_year);
CREATE TABLE IF NOT EXISTS leave_requests (
  request_id TEXT PRIMARY KEY, employee_id TEXT NOT NULL REFERENCES employees (id), days NUMERIC NOT NULL,
  start_date TEXT NOT NULL, status TEXT NOT NULL, status_version INTEGER NOT NULL DEFAULT 0, view_json JSONB,
  updated_at TEXT NOT NULL);
ALTER TABLE leave_requests ADD COLUMN IF NOT EXISTS created_at TEXT;
UPDATE leave_requests SET created_at = updated_at WHERE created_at IS NULL;
CREATE INDEX IF NOT EXISTS leave_requests_employee ON leave_requests (employee_id, status);
${[...ORDER_LIST_INDEXES, ...LEAVE_LIST_INDEXES].join(';\n')};
`;

// NUMERIC and BIGINT come back as strings by default: days are halves, amounts minor units, both
// exact as JavaScript numbers within the ranges the app allows.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

type Query = (text: string, values?: unknown[]) => Promise<pg.QueryResult>;

/** One pool per URL and process, its schema created once (behind an advisory lock). */
function openPool(url: string): { pool: pg.Pool; ready: Promise<void> } {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  keepIdleErrors(pool);
  const ready = (async () => {
    const client = await pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock(727274)');
      await client.query(SCHEMA);
      await fillQueueColumns(client);
      await client.query('SELECT pg_advisory_unlock(727274)');
    } finally {
      client.release();
    }
  })();
  ready.catch(() => undefined); // reported by the first call that awaits it
  return { pool, ready };
}

async function transaction<T>(pool: pg.Pool, work: (query: Query) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work((text, values) => client.query(text, values));
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Orders recorded before the work queues existed: their queue columns, filled once from their views. */
async function fillQueueColumns(client: pg.PoolClient): Promise<void> {
  const { rows } = await client.query(
    'SELECT order_id, view_json FROM orders WHERE NOT queues_filled AND view_json IS NOT NULL',
  );
  for (const row of rows as { order_id: string; view_json: OrderView }[]) {
    const q = queueColumns(row.view_json);
    await client.query(
      `UPDATE orders SET support_reason = $2, support_sort = $3, work_queue = $4, work_sort = $5, queues_filled = true
       WHERE order_id = $1`,
      [row.order_id, q.supportReason, q.supportSort, q.workQueue, q.workSort],
    );
  }
}

export function openPostgresLeaveStore(url: string): LeaveStore {
  const { pool, ready } = openPool(url);
  const query: Query = async (text, values) => {
    await ready;
    return pool.query(text, values);
  };
  const now = () => new Date().toISOString();

  async function employeeRow(q: Query, id: string): Promise<EmployeeRow | undefined> {
    return (await q('SELECT * FROM employees WHERE id = $1', [id])).rows[0] as EmployeeRow | undefined;
  }

  /** The ledger's primitives on one connection inside its transaction. */
  function ledgerOn(q: Query): ledger.LedgerTransaction {
    return {
      async employee(id) {
        const row = await employeeRow(q, id);
        return row
          ? { rank: row.rank, annualAllowance: row.annual_allowance, dailyRate: row.daily_rate }
          : undefined;
      },
      async chain(employeeId) {
        return ledger.walkChain(employeeId, async (id) => {
          const row = await employeeRow(q, id);
          return row ? { id: row.id, managerId: row.manager_id, rank: row.rank } : undefined;
        });
      },
      async entry(key) {
        const row = (await q('SELECT * FROM leave_ledger WHERE entry_key = $1', [key])).rows[0] as
          { employee_id: string; leave_year: number; days: number; amount: number | null } | undefined;
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
        const result = await q(
          `INSERT INTO leave_ledger (entry_key, employee_id, leave_year, kind, days, request_id, amount, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (entry_key) DO NOTHING`,
          [
            entry.key,
            entry.employeeId,
            entry.leaveYear,
            entry.kind,
            entry.days,
            entry.requestId ?? null,
            entry.amount ?? null,
            now(),
          ],
        );
        return result.rowCount === 1;
      },
      async firstYear(employeeId) {
        const { rows } = await q('SELECT MIN(leave_year) AS first FROM leave_ledger WHERE employee_id = $1', [
          employeeId,
        ]);
        return (rows[0] as { first: number | null }).first ?? undefined;
      },
      async sumDays(employeeId, leaveYear) {
        const { rows } = await q(
          'SELECT COALESCE(SUM(days), 0) AS total FROM leave_ledger WHERE employee_id = $1 AND leave_year = $2',
          [employeeId, leaveYear],
        );
        return (rows[0] as { total: number }).total;
      },
    };
  }

  /** A ledger operation for one employee: their row is locked first, so theirs run one at a time. */
  async function forEmployee<T>(
    employeeId: string,
    work: (tx: ledger.LedgerTransaction) => Promise<T>,
  ): Promise<T> {
    await ready;
    return transaction(pool, async (q) => {
      const { rows } = await q('SELECT id FROM employees WHERE id = $1 FOR UPDATE', [employeeId]);
      if (!rows[0]) throw new Error(`no employee ${employeeId}`);
      return work(ledgerOn(q));
    });
  }

  return {
    async seedIfEmpty(employees) {
      await ready;
      return transaction(pool, async (q) => {
        await q('LOCK TABLE employees IN EXCLUSIVE MODE');
        const { rows } = await q('SELECT COUNT(*)::int AS n FROM employees');
        if ((rows[0] as { n: number }).n > 0) return false;
        for (const e of ledger.managersFirst(employees)) {
          await q(
            'INSERT INTO employees (id, name, email, manager_id, rank, annual_allowance, daily_rate, last_day) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
            [
              e.id,
              e.name,
              e.email,
              e.managerId ?? null,
              e.rank,
              e.annualAllowance,
              e.dailyRate,
              e.lastDay ?? null,
            ],
          );
        }
        return true;
      });
    },
    async listEmployees() {
      return (await query('SELECT * FROM employees ORDER BY id')).rows.map((r) =>
        toEmployee(r as EmployeeRow),
      );
    },
    async getEmployee(id) {
      const row = await employeeRow(query, id);
      return row ? toEmployee(row) : undefined;
    },
    async managerChain(employeeId) {
      return ledgerOn(query).chain(employeeId);
    },
    async balance(employeeId, leaveYear) {
      return forEmployee(employeeId, (tx) => ledger.availableBalance(tx, employeeId, leaveYear));
    },
    async owed(employeeId, leaveYear) {
      return forEmployee(employeeId, (tx) => ledger.owedTo(tx, employeeId, leaveYear));
    },
    async entries(employeeId) {
      const { rows } = await query('SELECT * FROM leave_ledger WHERE employee_id = $1 ORDER BY seq', [
        employeeId,
      ]);
      return rows.map((r) => toLedgerEntry(r as LedgerRow));
    },
    async reserve(input) {
      return forEmployee(input.employeeId, (tx) => ledger.reserve(tx, input));
    },
    async release(requestId) {
      const reservation = await ledgerOn(query).entry(`reserve:${requestId}`);
      if (!reservation) return { released: false, days: 0 };
      return forEmployee(reservation.employeeId, (tx) => ledger.release(tx, requestId));
    },
    async carryNegativeBalance(employeeId, fromYear) {
      return forEmployee(employeeId, (tx) => ledger.carryNegativeBalance(tx, employeeId, fromYear));
    },
    async deductFromPaycheck(employeeId, leaveYear) {
      return forEmployee(employeeId, (tx) => ledger.deductFromPaycheck(tx, employeeId, leaveYear));
    },
    async recordTermination(employeeId, lastDay) {
      if (!(await employeeRow(query, employeeId))) throw new Error(`no employee ${employeeId}`);
      const result = await query('UPDATE employees SET last_day = $1 WHERE id = $2 AND last_day IS NULL', [
        lastDay,
        employeeId,
      ]);
      return { recorded: result.rowCount === 1 };
    },
    async saveLeaveRequest(request) {
      await query(
        `INSERT INTO leave_requests (request_id, employee_id, days, start_date, status, view_json, updated_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (request_id) DO NOTHING`,
        [
          request.requestId,
          request.employeeId,
          request.days,
          request.startDate,
          request.status ?? 'PendingApproval',
          request.view === undefined ? null : JSON.stringify(request.view),
          now(),
        ],
      );
    },
    async recordLeaveStatus(requestId, status, version, view) {
      await query(
        `UPDATE leave_requests SET status = $2, status_version = $3, view_json = $4, updated_at = $5
         WHERE request_id = $1 AND status_version < $3`,
        [requestId, status, version, JSON.stringify(view), now()],
      );
    },
    async getLeaveRequest(requestId) {
      const row = (await query('SELECT * FROM leave_requests WHERE request_id = $1', [requestId])).rows[0] as
        (LeaveRequestRow & { view_json: unknown }) | undefined;
      return row ? toStoredLeaveRequest(row, row.view_json) : undefined;
    },
    async listLeaveRequests(list) {
      if (list.employeeIds.length === 0) return { items: [] };
      const { text, values } = leaveListStatement(list, (i) => `$${i}`);
      const { rows } = await query(text, values);
      return toPage(
        rows as (LeaveRequestRow & { view_json: unknown; sort_key: string })[],
        list.limit,
        (row) => row.request_id,
        (row) => toStoredLeaveRequest(row, row.view_json),
      );
    },
    async openLeaveRequestIds(employeeId) {
      const { rows } = await query(
        `SELECT request_id FROM leave_requests WHERE employee_id = $1 AND status IN ('Submitted', 'PendingApproval', 'Approved')`,
        [employeeId],
      );
      return rows.map((r) => (r as { request_id: string }).request_id);
    },
    async ping() {
      await query('SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
}
