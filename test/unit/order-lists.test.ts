/**
 * The order lists and work queues on SQLite and on PostgreSQL: a page out of 10,000 orders, the
 * order each list promises, filters, keyset pagination that neither repeats nor skips a row while
 * orders keep arriving, the queue columns following each recorded view, old databases gaining the
 * columns, and every list answered from an index (the query plans say so).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { OrderStatus, OrderView, PlacedOrder } from '../../domain/checkout';
import { openOrderStore } from '../../store';
import { decodeCursor, encodeCursor, orderListStatement, type ListPosition } from '../../store/lists';
import { BACKENDS } from '../helpers/databases';

const MANY = 10_000;

function placed(i: number): PlacedOrder {
  const id = `o-${String(i).padStart(5, '0')}`;
  return {
    orderId: id,
    customer: { id: `c-${i % 50}`, email: `c${i % 50}@example.com` },
    items: [{ sku: 'lamp', quantity: 1, unitPrice: 1_000 + i }],
    currency: 'usd',
    paymentMethod: 'pm_card_visa',
    total: 1_000 + i,
    // One second apart, in order: order i is newer than order i − 1.
    placedAt: new Date(Date.UTC(2026, 0, 1) + i * 1_000).toISOString(),
  };
}

function view(order: PlacedOrder, status: OrderStatus, extra: Partial<OrderView> = {}): OrderView {
  return {
    orderId: order.orderId,
    status,
    total: order.total,
    currency: order.currency,
    customerId: order.customer.id,
    items: order.items,
    placedAt: order.placedAt,
    updatedAt: order.placedAt,
    paymentAttempts: 1,
    notifications: {},
    ...extra,
  };
}

/** Every 100th order has a declined payment, with a deadline that grows with i. */
function statusOf(i: number, order: PlacedOrder): [OrderStatus, OrderView] {
  if (i % 100 === 0) {
    const deadline = new Date(Date.UTC(2026, 5, 1) + i * 60_000).toISOString();
    return ['PaymentFailed', view(order, 'PaymentFailed', { paymentResolutionDeadline: deadline })];
  }
  if (i % 7 === 0) return ['Paid', view(order, 'Paid')];
  return ['Completed', view(order, 'Completed')];
}

for (const backend of BACKENDS) {
  describe(`order lists on ${backend.name}`, () => {
    it(`pages through ${MANY.toLocaleString('en')} orders by index, newest first, and each queue most urgent first`, async () => {
      const url = await backend.freshDatabaseUrl();
      const store = openOrderStore({ dataDir: '', databaseUrl: url });
      for (let i = 0; i < MANY; i++) {
        const order = placed(i);
        await store.saveOrder(order);
        const [status, v] = statusOf(i, order);
        await store.recordStatus(order.orderId, status, 1, v);
      }

      // Newest first, 25 to a page; page 2 starts right after page 1.
      const first = await store.listOrders({ limit: 25 });
      assert.deepEqual(
        first.items.map((o) => o.order.orderId),
        Array.from({ length: 25 }, (_, k) => placed(MANY - 1 - k).orderId),
      );
      assert.ok(first.next);
      const second = await store.listOrders({ limit: 25, after: first.next });
      assert.equal(second.items[0]!.order.orderId, placed(MANY - 26).orderId);

      // A page deep in the list: the position of the 9,000th order.
      const deep: ListPosition = { sort: placed(1_000).placedAt, id: placed(1_000).orderId };
      const page = await store.listOrders({ limit: 100, after: deep });
      assert.deepEqual(
        page.items.map((o) => o.order.orderId),
        Array.from({ length: 100 }, (_, k) => placed(999 - k).orderId),
      );

      // Support's queue: the 100 declined orders, soonest deadline first, over four pages.
      const seen: string[] = [];
      let after: ListPosition | undefined;
      do {
        const queue = await store.listOrders({ needs: 'support', limit: 30, after });
        seen.push(...queue.items.map((o) => o.order.orderId));
        after = queue.next;
      } while (after);
      assert.deepEqual(
        seen,
        Array.from({ length: 100 }, (_, k) => placed(k * 100).orderId),
      );

      // The warehouse's queue and the filters.
      const toShip = await store.listOrders({ needs: 'shipment', limit: 100 });
      assert.ok(toShip.items.every((o) => o.status === 'Paid'));
      assert.equal(toShip.items.length, 100);
      const byCustomer = await store.listOrders({ customerId: 'c-7', status: 'Paid', limit: 100 });
      assert.ok(byCustomer.items.length > 0);
      assert.ok(byCustomer.items.every((o) => o.order.customer.id === 'c-7' && o.status === 'Paid'));

      // A newer view moves the order out of the queue; an older one changes nothing.
      const resolved = placed(0);
      await store.recordStatus(resolved.orderId, 'Paid', 2, view(resolved, 'Paid'));
      await store.recordStatus(resolved.orderId, 'PaymentFailed', 1, view(resolved, 'PaymentFailed'));
      const queue = await store.listOrders({ needs: 'support', limit: 1 });
      assert.equal(queue.items[0]!.order.orderId, placed(100).orderId);

      await assertIndexed(backend.name, url);
      await store.close();
    });

    it('gives a database from before the lists their columns, filled from the stored views', async () => {
      if (backend.name !== 'SQLite') return; // PostgreSQL adds them with ADD COLUMN IF NOT EXISTS, tested above
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'old-store-'));
      const file = path.join(dir, 'app.db');
      const old = new Database(file);
      old.exec(`CREATE TABLE orders (
        order_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, customer_email TEXT NOT NULL,
        currency TEXT NOT NULL, total INTEGER NOT NULL, order_json TEXT NOT NULL, status TEXT NOT NULL,
        status_version INTEGER NOT NULL DEFAULT 0, view_json TEXT, placed_at TEXT NOT NULL, updated_at TEXT NOT NULL)`);
      const order = placed(1);
      old
        .prepare('INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)')
        .run(
          order.orderId,
          order.customer.id,
          order.customer.email,
          'usd',
          order.total,
          JSON.stringify(order),
          'PaymentFailed',
          JSON.stringify(view(order, 'PaymentFailed')),
          order.placedAt,
          order.placedAt,
        );
      old.close();
      const store = openOrderStore({ dataDir: '', databaseUrl: `sqlite:${file}` });
      const queue = await store.listOrders({ needs: 'support', limit: 10 });
      assert.deepEqual(
        queue.items.map((o) => o.order.orderId),
        [order.orderId],
      );
      await store.close();
    });
  });
}

describe('list cursors', () => {
  it('round-trip a position and refuse what the API did not write', () => {
    const position = { sort: '2026-01-01T00:00:00.000Z', id: 'o-1' };
    assert.deepEqual(decodeCursor(encodeCursor(position)), position);
    for (const bad of [
      '',
      'abc',
      Buffer.from('{"a":1}').toString('base64url'),
      Buffer.from('[1,2]').toString('base64url'),
    ]) {
      assert.equal(decodeCursor(bad), undefined, bad);
    }
  });
});

/** Each list's statement, as the database plans it, reads an index, not the whole table. */
async function assertIndexed(backend: string, url: string): Promise<void> {
  const queries = [
    { limit: 25 },
    { limit: 25, status: 'Paid' as const },
    { limit: 25, customerId: 'c-7' },
    { limit: 25, needs: 'support' as const },
    { limit: 25, needs: 'shipment' as const },
  ];
  if (backend === 'SQLite') {
    const db = new Database(url.slice('sqlite:'.length), { readonly: true });
    for (const q of queries) {
      const { text, values } = orderListStatement(q, () => '?');
      const plan = db
        .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${text}`)
        .all(...values)
        .map((r) => r.detail)
        .join('; ');
      assert.match(plan, /USING (COVERING )?INDEX orders_/, `${JSON.stringify(q)}: ${plan}`);
      assert.doesNotMatch(
        plan,
        /USE TEMP B-TREE FOR ORDER BY/,
        `${JSON.stringify(q)} sorts in memory: ${plan}`,
      );
    }
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('ANALYZE orders');
    for (const q of queries) {
      const { text, values } = orderListStatement(q, (i) => `$${i}`);
      const { rows } = await client.query(`EXPLAIN ${text}`, values);
      const plan = rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
      assert.match(plan, /Index Scan|Index Only Scan|Bitmap Index Scan/, `${JSON.stringify(q)}:\n${plan}`);
    }
  } finally {
    await client.end();
  }
}

for (const backend of BACKENDS) {
  describe(`waiting orders on ${backend.name} (the API's gauges the alert rules read)`, () => {
    it('counts the orders in each asked status and when the oldest of them entered it', async () => {
      const url = await backend.freshDatabaseUrl();
      const store = openOrderStore({ dataDir: '', databaseUrl: url });
      try {
        const statuses: OrderStatus[] = ['PaymentUnconfirmed', 'PaymentUnconfirmed', 'Paid', 'PaymentFailed'];
        const before = new Date().toISOString();
        for (const [i, status] of statuses.entries()) {
          const order = placed(90_000 + i);
          await store.saveOrder(order);
          await store.recordStatus(order.orderId, status, 1, view(order, status));
        }
        const waiting = await store.waitingOrders(['PaymentUnconfirmed', 'PaymentFailed', 'Received']);
        const byStatus = Object.fromEntries(waiting.map((w) => [w.status, w]));
        assert.deepEqual(Object.keys(byStatus).sort(), ['PaymentFailed', 'PaymentUnconfirmed']);
        assert.equal(byStatus.PaymentUnconfirmed!.count, 2);
        assert.equal(byStatus.PaymentFailed!.count, 1);
        assert.ok(byStatus.PaymentUnconfirmed!.oldestUpdatedAt >= before, 'the time it entered the status');
        assert.deepEqual(await store.waitingOrders([]), []);

        // A record that keeps the status (an email failing later) does not restart the wait; a
        // new status does.
        const waiter = placed(90_100);
        await store.saveOrder(waiter);
        await store.recordStatus(waiter.orderId, 'Accepted', 1, view(waiter, 'Accepted'));
        const oldest = async (status: OrderStatus) =>
          (await store.waitingOrders([status]))[0]?.oldestUpdatedAt;
        const entered = await oldest('Accepted');
        await new Promise((r) => setTimeout(r, 20));
        await store.recordStatus(waiter.orderId, 'Accepted', 2, view(waiter, 'Accepted'));
        assert.equal(await oldest('Accepted'), entered, 'the same status: the wait goes on');
        await store.recordStatus(waiter.orderId, 'PaymentUnconfirmed', 3, view(waiter, 'PaymentUnconfirmed'));
        assert.equal(await oldest('Accepted'), undefined);
        const [unconfirmed] = await store.waitingOrders(['PaymentUnconfirmed']);
        assert.equal(unconfirmed!.count, 3);
      } finally {
        await store.close();
      }
    });
  });
}
