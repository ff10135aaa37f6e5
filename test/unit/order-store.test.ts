/** The SQLite order store: idempotent saves, status versions, survival across reopening. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { OrderView } from '../../domain/order';
import { openSqliteOrderStore } from '../../store/sqlite-order-store';
import { placedOrder } from '../helpers/checkout-scenario';

describe('SQLite order store', () => {
  it('saves an order once, whatever the number of calls', async () => {
    const store = openSqliteOrderStore(':memory:');
    const order = placedOrder();
    assert.deepEqual(await store.saveOrder(order), { created: true });
    assert.deepEqual(await store.saveOrder({ ...order, total: 1 }), { created: false });
    const stored = await store.getOrder(order.orderId);
    assert.equal(stored?.order.total, 2500);
    assert.equal(stored?.status, 'Received');
    assert.equal(await store.getOrder('missing'), undefined);
    await store.close();
  });

  it('ignores a status older than the one stored, and keeps it across reopening', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'store-')), 'app.db');
    const order = placedOrder();
    let store = openSqliteOrderStore(file);
    await store.saveOrder(order);
    const view = { orderId: order.orderId, status: 'Paid' } as OrderView;
    await store.recordStatus(order.orderId, 'Paid', 2, view);
    await store.recordStatus(order.orderId, 'Received', 1, { ...view, status: 'Received' });
    await store.close();
    store = openSqliteOrderStore(file);
    const stored = await store.getOrder(order.orderId);
    assert.equal(stored?.status, 'Paid');
    assert.equal(stored?.statusVersion, 2);
    assert.equal(stored?.view?.status, 'Paid');
    await store.close();
  });
});
