/**
 * The bulk action store on SQLite at an outage's size: 20,000 orders selected in one statement,
 * once (a selection asked again finds the first), read back a chunk at a time in order with each
 * order once, outcomes written once (a chunk recorded again after a crash counts nothing twice),
 * and the refusals listed with their reasons, at most as many as asked.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PlacedOrder } from '../../domain/checkout';
import { openBulkActionStore, openOrderStore, type BulkActionStore, type OrderStore } from '../../store';

const ORDERS = 20_000;

describe('the bulk action store at an outage’s size', () => {
  let orders: OrderStore;
  let bulk: BulkActionStore;
  before(async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulk-store-'));
    orders = openOrderStore({ dataDir });
    bulk = openBulkActionStore({ dataDir });
    const order = (i: number): PlacedOrder => ({
      orderId: `o-${String(i).padStart(5, '0')}`,
      customer: { id: i % 2 === 0 ? 'outage' : 'other', email: 'a@example.com' },
      items: [{ sku: 'book', quantity: 1, unitPrice: 1_000 }],
      currency: 'usd',
      paymentMethod: 'pm_card_visa',
      total: 1_000,
      placedAt: new Date(Date.UTC(2026, 11, 2, 14, 0, 0, i)).toISOString(),
    });
    for (let i = 0; i < 2 * ORDERS; i++) await orders.saveOrder(order(i));
  });
  after(async () => {
    await bulk?.close();
    await orders?.close();
  });

  it('selects 20,000 once, hands them out in order, counts each outcome once', async () => {
    const filter = { customerId: 'outage', status: 'Received' as const };
    assert.equal(await bulk.count(filter), ORDERS);
    const startedBy = { actor: 'support:sam', name: 'Sam Sato' };
    await bulk.create({
      bulkActionId: 'big',
      action: 'cancel',
      filter,
      startedBy,
      startedAt: '2026-12-02T15:00:00Z',
    });
    assert.equal(await bulk.select('big', filter), ORDERS);
    assert.equal(await bulk.select('big', {}), ORDERS, 'a selection asked again is the first one');

    const seen = new Set<string>();
    let after = 0;
    for (;;) {
      const chunk = await bulk.chunk('big', after, 500);
      if (chunk.length === 0) break;
      assert.deepEqual(
        chunk.map((c) => c.seq),
        chunk.map((_, i) => after + i + 1),
        'numbered without gaps',
      );
      for (const c of chunk) seen.add(c.orderId);
      const outcomes = chunk.map((c, i) =>
        i % 100 === 0
          ? {
              orderId: c.orderId,
              outcome: 'refused' as const,
              reason: 'the order is cancelled; it has ended',
            }
          : { orderId: c.orderId, outcome: 'accepted' as const },
      );
      await bulk.recordOutcomes('big', outcomes);
      await bulk.recordOutcomes('big', outcomes); // sent again after a crash
      after = chunk[chunk.length - 1]!.seq;
    }
    assert.equal(seen.size, ORDERS, 'each order once');
    assert.ok(
      [...seen].every((id) => Number(id.slice(2)) % 2 === 0),
      'only the orders the filter matched',
    );
    const record = await bulk.get('big');
    assert.deepEqual(
      [record?.matched, record?.done, record?.accepted, record?.refused],
      [ORDERS, ORDERS, 19_800, 200],
    );
    const refusals = await bulk.refusals('big', 50);
    assert.equal(refusals.length, 50);
    assert.deepEqual(refusals[0], { orderId: 'o-00000', reason: 'the order is cancelled; it has ended' });
  });
});
