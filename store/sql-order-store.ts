/**
 * OrderStore on the app database, SQLite or PostgreSQL (store/sql.ts): one schema and one set of
 * statements. Every operation is one statement on its own: the worker records each status of every
 * checkout, so on SQLite each runs at once on a prepared statement, with no transaction around it.
 */
import type { OrderStatus, OrderView, PlacedOrder } from '../domain/checkout';
import { queueColumns } from '../domain/work-queues';
import { ORDER_LIST_COLUMNS, ORDER_LIST_INDEXES, orderListStatement, toPage } from './lists';
import type { OrderStore, StoredOrder } from './order-store';
import {
  APP_SCHEMA_LOCK,
  once,
  openPostgres,
  openSqlite,
  type Dialect,
  type Sql,
  type Transactions,
} from './sql';

function orderSchema(d: Dialect): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS orders (
      order_id        TEXT PRIMARY KEY,
      customer_id     TEXT NOT NULL,
      customer_email  TEXT NOT NULL,
      currency        TEXT NOT NULL,
      total           BIGINT NOT NULL CHECK (total > 0),
      order_json      ${d.types.json} NOT NULL,
      status          TEXT NOT NULL,
      status_version  INTEGER NOT NULL DEFAULT 0,
      view_json       ${d.types.json},
      placed_at       TEXT NOT NULL,
      updated_at      TEXT NOT NULL,
      support_reason  TEXT,
      support_sort    TEXT,
      work_queue      TEXT,
      work_sort       TEXT
    )`,
    // Single-column indexes of earlier versions; the lists' indexes begin with their columns.
    'DROP INDEX IF EXISTS orders_customer',
    'DROP INDEX IF EXISTS orders_status',
  ];
}

async function setUpOrders(sql: Sql, d: Dialect): Promise<void> {
  for (const statement of orderSchema(d)) await sql.run(statement);
  await once(sql, 'orders: work-queue columns', () => addListColumns(sql, d));
  // When the order entered its status (a record without a status change keeps it): the waiting
  // orders' ages the alert rules read. Older rows have none; their updated_at stands in.
  await once(sql, 'orders: status_since', async () => {
    if (!(await d.columns(sql, 'orders')).has('status_since')) {
      await sql.run('ALTER TABLE orders ADD COLUMN status_since TEXT');
    }
  });
  for (const index of ORDER_LIST_INDEXES) await sql.run(index);
}

/**
 * A database from before the work queues gains their columns, filled from each order's view. On
 * PostgreSQL the previous version flagged each row it filled (`queues_filled`) and filled the rest
 * at its next start: the rows an interrupted fill left are filled here, once. The flag stays, so
 * that a replica of that version can still run beside this one.
 */
async function addListColumns(sql: Sql, d: Dialect): Promise<void> {
  const present = await d.columns(sql, 'orders');
  const missing = ORDER_LIST_COLUMNS.filter((column) => !present.has(column));
  for (const column of missing) await sql.run(`ALTER TABLE orders ADD COLUMN ${column} TEXT`);
  const unfilled =
    missing.length > 0 ? '' : present.has('queues_filled') ? ' AND NOT queues_filled' : undefined;
  if (unfilled === undefined) return;
  const rows = await sql.all<{ order_id: string; view_json: unknown }>(
    `SELECT order_id, view_json FROM orders WHERE view_json IS NOT NULL${unfilled}`,
  );
  for (const row of rows) {
    const q = queueColumns(d.readJson(row.view_json) as OrderView);
    await sql.run(
      'UPDATE orders SET support_reason = ?, support_sort = ?, work_queue = ?, work_sort = ? WHERE order_id = ?',
      [q.supportReason, q.supportSort, q.workQueue, q.workSort, row.order_id],
    );
  }
}

interface OrderRow {
  order_id: string;
  order_json: unknown;
  status: OrderStatus;
  status_version: number;
  view_json: unknown;
  updated_at: string;
}

const INSERT = `INSERT INTO orders (order_id, customer_id, customer_email, currency, total, order_json, status, placed_at, updated_at, status_since)
  VALUES (?, ?, ?, ?, ?, ?, 'Received', ?, ?, ?) ON CONFLICT (order_id) DO NOTHING`;
const SELECT = `SELECT order_id, order_json, status, status_version, view_json, updated_at FROM orders WHERE order_id = ?`;
// The right-hand sides see the row as it was: status_since moves only when the status does.
const UPDATE = `UPDATE orders SET status = ?, status_version = ?, view_json = ?, updated_at = ?,
    support_reason = ?, support_sort = ?, work_queue = ?, work_sort = ?,
    status_since = CASE WHEN status = ? THEN COALESCE(status_since, updated_at) ELSE ? END
  WHERE order_id = ? AND status_version < ?`;

function orderStore(db: Transactions): OrderStore {
  const { sql, dialect: d } = db;
  const toStoredOrder = (row: OrderRow): StoredOrder => ({
    order: d.readJson(row.order_json) as PlacedOrder,
    status: row.status,
    statusVersion: row.status_version,
    view: d.readJson(row.view_json) as OrderView | undefined,
    updatedAt: row.updated_at,
  });
  return {
    async saveOrder(order: PlacedOrder) {
      const { orderId, customer, currency, total, placedAt } = order;
      const now = new Date().toISOString();
      const values = [
        orderId,
        customer.id,
        customer.email,
        currency,
        total,
        JSON.stringify(order),
        placedAt,
        now,
        now,
      ];
      return { created: (await sql.run(INSERT, values)) === 1 };
    },
    async getOrder(orderId) {
      const [row] = await sql.all<OrderRow>(SELECT, [orderId]);
      return row ? toStoredOrder(row) : undefined;
    },
    async listOrders(query) {
      const { text, values } = orderListStatement(query, () => '?');
      const rows = await sql.all<OrderRow & { sort_key: string }>(text, values);
      return toPage(rows, query.limit, (row) => row.order_id, toStoredOrder);
    },
    async forgetUnstarted(orderId) {
      await sql.run('DELETE FROM orders WHERE order_id = ? AND status_version = 0', [orderId]);
    },
    async recordStatus(orderId: string, status: OrderStatus, version: number, view: OrderView) {
      const q = queueColumns(view);
      const now = new Date().toISOString();
      const queues = [q.supportReason, q.supportSort, q.workQueue, q.workSort];
      const since = [status, now];
      await sql.run(UPDATE, [
        status,
        version,
        JSON.stringify(view),
        now,
        ...queues,
        ...since,
        orderId,
        version,
      ]);
    },
    async waitingOrders(statuses) {
      if (!statuses.length) return [];
      const rows = await sql.all<{ status: OrderStatus; count: number | string; oldest: string }>(
        `SELECT status, COUNT(*) AS count, MIN(COALESCE(status_since, updated_at)) AS oldest FROM orders
          WHERE status IN (${statuses.map(() => '?').join(', ')}) GROUP BY status`,
        [...statuses],
      );
      // PostgreSQL answers COUNT(*) as a bigint string.
      return rows.map((r) => ({ status: r.status, count: Number(r.count), oldestUpdatedAt: r.oldest }));
    },
    async ping() {
      await sql.all('SELECT 1 AS one');
    },
    close: () => db.close(),
  };
}

/** SQLite (better-sqlite3), WAL mode, so the worker and the API can share the file. */
export function openSqliteOrderStore(file: string): OrderStore {
  return orderStore(openSqlite(file, setUpOrders));
}

export function openPostgresOrderStore(url: string): OrderStore {
  return orderStore(openPostgres(url, APP_SCHEMA_LOCK, setUpOrders));
}
