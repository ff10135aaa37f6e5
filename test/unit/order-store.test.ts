/** The order store on SQLite and on PostgreSQL: idempotent saves, status versions, survival across reopening. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OrderView } from '../../domain/checkout';
import { openOrderStore } from '../../store';
import { placedOrder } from '../helpers/checkout-scenario';
import { BACKENDS } from '../helpers/databases';

for (const backend of BACKENDS) {
  describe(`order store on ${backend.name}`, () => {
    const open = (databaseUrl: string) => openOrderStore({ dataDir: '', databaseUrl });

    it('saves an order once, whatever the number of calls', async () => {
      const store = open(await backend.freshDatabaseUrl());
      const order = placedOrder();
      assert.deepEqual(await store.saveOrder(order), { created: true });
      assert.deepEqual(await store.saveOrder({ ...order, total: 1 }), { created: false });
      const stored = await store.getOrder(order.orderId);
      assert.equal(stored?.order.total, 2500);
      assert.deepEqual(stored?.order, order);
      assert.equal(stored?.status, 'Received');
      assert.equal(await store.getOrder('missing'), undefined);
      await store.ping();
      await store.close();
    });

    it('forgets a click whose workflow never started, never an order its workflow has recorded', async () => {
      const store = open(await backend.freshDatabaseUrl());
      const refused = placedOrder();
      await store.saveOrder(refused);
      await store.forgetUnstarted(refused.orderId);
      assert.equal(await store.getOrder(refused.orderId), undefined);
      const running = placedOrder();
      await store.saveOrder(running);
      const view = { orderId: running.orderId, status: 'Received' } as OrderView;
      await store.recordStatus(running.orderId, 'Received', 1, view);
      await store.forgetUnstarted(running.orderId);
      assert.equal((await store.getOrder(running.orderId))?.statusVersion, 1);
      await store.close();
    });

    it('ignores a status older than the one stored, and keeps it across reopening', async () => {
      const url = await backend.freshDatabaseUrl();
      const order = placedOrder();
      let store = open(url);
      await store.saveOrder(order);
      const view = { orderId: order.orderId, status: 'Paid' } as OrderView;
      await store.recordStatus(order.orderId, 'Paid', 2, view);
      await store.recordStatus(order.orderId, 'Received', 1, { ...view, status: 'Received' });
      await store.close();
      store = open(url);
      const stored = await store.getOrder(order.orderId);
      assert.equal(stored?.status, 'Paid');
      assert.equal(stored?.statusVersion, 2);
      assert.equal(stored?.view?.status, 'Paid');
      await store.close();
    });
  });
}
