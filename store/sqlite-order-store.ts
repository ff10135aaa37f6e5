/** OrderStore on SQLite (better-sqlite3), WAL mode, so the worker and the API can share the file. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { OrderStatus, OrderView, PlacedOrder } from '../domain/order';
import { queueColumns } from '../domain/work-queues';
import { ORDER_LIST_COLUMNS, ORDER_LIST_INDEXES, orderListStatement, toPage } from './lists';
import type { OrderStore, StoredOrder } from './order-store';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS orders (
  order_id        TEXT PRIMARY KEY,
  customer_id     TEXT NOT NULL,
  customer_email  TEXT NOT NULL,
  currency        TEXT NOT NULL,
  total           INTEGER NOT NULL CHECK (total > 0),
  order_json      TEXT NOT NULL,
  status          TEXT NOT NULL,
  status_version  INTEGER NOT NULL DEFAULT 0,
  view_json       TEXT,
  placed_at       TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  support_reason  TEXT,
  support_sort    TEXT,
  work_queue      TEXT,
  work_sort       TEXT
);
DROP INDEX IF EXISTS orders_customer;
DROP INDEX IF EXISTS orders_status;
`;

interface OrderRow {
  order_id: string;
  order_json: string;
  status: string;
  status_version: number;
  view_json: string | null;
  updated_at: string;
}

export function openSqliteOrderStore(file: string): OrderStore {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  addListColumns(db);
  for (const index of ORDER_LIST_INDEXES) db.exec(index);

  const insert = db.prepare(
    `INSERT INTO orders (order_id, customer_id, customer_email, currency, total, order_json, status, placed_at, updated_at)
     VALUES (@orderId, @customerId, @customerEmail, @currency, @total, @orderJson, 'Received', @placedAt, @now)
     ON CONFLICT (order_id) DO NOTHING`,
  );
  const select = db.prepare<[string], OrderRow>(
    'SELECT order_id, order_json, status, status_version, view_json, updated_at FROM orders WHERE order_id = ?',
  );
  const forget = db.prepare('DELETE FROM orders WHERE order_id = ? AND status_version = 0');
  const update = db.prepare(
    `UPDATE orders SET status = @status, status_version = @version, view_json = @viewJson, updated_at = @now,
       support_reason = @supportReason, support_sort = @supportSort, work_queue = @workQueue, work_sort = @workSort
     WHERE order_id = @orderId AND status_version < @version`,
  );

  return {
    async saveOrder(order: PlacedOrder) {
      const result = insert.run({
        orderId: order.orderId,
        customerId: order.customer.id,
        customerEmail: order.customer.email,
        currency: order.currency,
        total: order.total,
        orderJson: JSON.stringify(order),
        placedAt: order.placedAt,
        now: new Date().toISOString(),
      });
      return { created: result.changes === 1 };
    },
    async getOrder(orderId: string): Promise<StoredOrder | undefined> {
      const row = select.get(orderId);
      return row ? toStoredOrder(row) : undefined;
    },
    async listOrders(query) {
      const { text, values } = orderListStatement(query, () => '?');
      const rows = db.prepare<unknown[], OrderRow & { sort_key: string }>(text).all(...values);
      return toPage(rows, query.limit, (row) => row.order_id, toStoredOrder);
    },
    async forgetUnstarted(orderId: string) {
      forget.run(orderId);
    },
    async recordStatus(orderId: string, status: OrderStatus, version: number, view: OrderView) {
      update.run({
        orderId,
        status,
        version,
        viewJson: JSON.stringify(view),
        now: new Date().toISOString(),
        ...queueColumns(view),
      });
    },
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      db.close();
    },
  };
}

function toStoredOrder(row: OrderRow): StoredOrder {
  return {
    order: JSON.parse(row.order_json) as PlacedOrder,
    status: row.status as OrderStatus,
    statusVersion: row.status_version,
    view: row.view_json ? (JSON.parse(row.view_json) as OrderView) : undefined,
    updatedAt: row.updated_at,
  };
}

/** A database from before the work queues: adds their columns and fills them from each order's view. */
function addListColumns(db: Database.Database): void {
  const present = new Set(
    db
      .prepare<[], { name: string }>('PRAGMA table_info(orders)')
      .all()
      .map((c) => c.name),
  );
  if (ORDER_LIST_COLUMNS.every((column) => present.has(column))) return;
  db.transaction(() => {
    for (const column of ORDER_LIST_COLUMNS) {
      if (!present.has(column)) db.exec(`ALTER TABLE orders ADD COLUMN ${column} TEXT`);
    }
    const fill = db.prepare(
      `UPDATE orders SET support_reason = @supportReason, support_sort = @supportSort, work_queue = @workQueue,
         work_sort = @workSort WHERE order_id = @orderId`,
    );
    const rows = db
      .prepare<[], { order_id: string; view_json: string }>(
        'SELECT order_id, view_json FROM orders WHERE view_json IS NOT NULL',
      )
      .all();
    for (const row of rows) {
      fill.run({ orderId: row.order_id, ...queueColumns(JSON.parse(row.view_json) as OrderView) });
    }
  })();
}
