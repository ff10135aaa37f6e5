/** An order's timeline as people read it: who acted, by name where the directory knows them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { placedOrderView, type OrderView } from '../../domain/checkout';
import { checkoutTimelineOf, peopleOf } from '../../api/checkout/timeline';

function view(customerName?: string): OrderView {
  const order = placedOrderView(
    {
      orderId: 'o-1',
      customer: { id: 'cust-eve', email: 'eve@example.com', ...(customerName ? { name: customerName } : {}) },
      items: [{ sku: 'lamp', quantity: 1, unitPrice: 8_999 }],
      currency: 'eur',
      paymentMethod: 'pm_card_visa',
      total: 8_999,
      placedAt: '2026-12-02T10:00:00.000Z',
    },
    'Cancelled',
    '2026-12-02T10:05:00.000Z',
  );
  const step = (at: string, kind: string, actor: string | undefined, detail: string) => ({
    at,
    kind,
    ...(actor ? { actor } : {}),
    detail,
  });
  order.timeline = [
    step('2026-12-02T10:00:00.000Z', 'placed', 'customer:cust-eve', 'Placed: 1 line, €89.99'),
    step('2026-12-02T10:01:00.000Z', 'authorization', 'mia', 'Approved the order'),
    step('2026-12-02T10:02:00.000Z', 'payment_retry_requested', 'support:sam', 'Payment retry asked'),
    step('2026-12-02T10:03:00.000Z', 'shipped', 'warehouse', 'Shipped'),
    step('2026-12-02T10:04:00.000Z', 'cancel_requested', 'system', 'Cancelled: not resolved in time'),
    step('2026-12-02T10:05:00.000Z', 'status', undefined, 'Status: Cancelled'),
  ];
  return order;
}

describe('an order timeline in words', () => {
  const names = new Map([
    ['mia', 'Mia Moreau'],
    ['sam', 'Sam Sato'],
  ]);

  it('looks up each person it names once: managers and support, not the customer or the shop', () => {
    assert.deepEqual(peopleOf(view()).sort(), ['mia', 'sam']);
  });

  it('names who acted, keeping their ids in `actor`', () => {
    const events = checkoutTimelineOf(view('Eve Example'), names);
    assert.deepEqual(
      events.map((e) => [e.actor, e.actorName]),
      [
        ['customer:cust-eve', 'Eve Example'],
        ['mia', 'Mia Moreau'],
        ['support:sam', 'Sam Sato (support)'],
        ['warehouse', 'the warehouse'],
        ['system', 'the shop, on its own'],
        [undefined, undefined],
      ],
    );
  });

  it('says "the customer" and the role where no name is known', () => {
    const events = checkoutTimelineOf(view());
    assert.deepEqual(
      events.map((e) => e.actorName),
      ['the customer', 'mia', 'support (sam)', 'the warehouse', 'the shop, on its own', undefined],
    );
  });
});
