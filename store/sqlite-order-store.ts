/** OrderStore on SQLite (better-sqlite3), WAL mode, so the worker and the API can share the file. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { OrderStatus, OrderView, PlacedOrder } from '../domain/order';
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
  updated_at      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_customer ON orders (customer_id);
CREATE INDEX IF NOT EXISTS orders_status ON orders (status);
`;

interface OrderRow {
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

  const insert = db.prepare(
    `INSERT INTO orders (order_id, customer_id, customer_email, currency, total, order_json, status, placed_at, updated_at)
     VALUES (@orderId, @customerId, @customerEmail, @currency, @total, @orderJson, 'Received', @placedAt, @now)
     ON CONFLICT (order_id) DO NOTHING`,
  );
  const select = db.prepare<[string], OrderRow>(
    'SELECT order_json, status, status_version, view_json, updated_at FROM orders WHERE order_id = ?',
  );
  const forget = db.prepare('DELETE FROM orders WHERE order_id = ? AND status_version = 0');
  const update = db.prepare(
    `UPDATE orders SET status = @status, status_version = @version, view_json = @viewJson, updated_at = @now
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
      if (!row) return undefined;
      return {
        order: JSON.parse(row.order_json) as PlacedOrder,
        status: row.status as OrderStatus,
        statusVersion: row.status_version,
        view: row.view_json ? (JSON.parse(row.view_json) as OrderView) : undefined,
        updatedAt: row.updated_at,
      };
    },
    async forgetUnstarted(orderId: string) {
      forget.run(orderId);
    },
    async recordStatus(orderId: string, status: OrderStatus, version: number, view: OrderView) {
      update.run({ orderId, status, version, viewJson: JSON.stringify(view), now: new Date().toISOString() });
    },
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      db.close();
    },
  };
}
