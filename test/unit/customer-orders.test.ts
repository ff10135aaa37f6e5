/** An order in its customer's words (domain/customer-orders.ts): where it stands, what comes next, nothing internal. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OrderView } from '../../domain/checkout';
import { customerOrder, customerTimeline } from '../../domain/customer-orders';

const NOW = Date.parse('2026-12-03T14:00:00Z');

function order(overrides: Partial<OrderView> = {}): OrderView {
  return {
    orderId: 'o-1',
    status: 'Received',
    total: 4_200,
    currency: 'eur',
    customerId: 'cus_ada',
    items: [{ sku: 'book', quantity: 1, unitPrice: 4_200 }],
    placedAt: '2026-12-03T13:55:00.000Z',
    updatedAt: '2026-12-03T13:55:00.000Z',
    acceptance: {
      remorseWindowEndsAt: '2026-12-03T14:35:00.000Z',
      authorizationRequired: true,
      authorizations: [{ managerId: 'mia', approved: true, at: '2026-12-03T13:56:00.000Z' }],
    },
    paymentAttempts: 0,
    notifications: {},
    ...overrides,
  } as OrderView;
}

describe('an order in its customer’s words', () => {
  it('within the remorse window: cancel at no cost until its end', () => {
    const seen = customerOrder(order(), NOW);
    assert.equal(seen.state, 'Order received');
    assert.equal(seen.cancelFree, true);
    assert.equal(seen.canCancel, true);
    assert.equal(seen.next, 'You can still cancel at no cost until 3 December 2026, 14:35 UTC.');
  });

  it('after the window, no free cancel; nothing of the managers, the payment or the deliveries', () => {
    const seen = customerOrder(
      order({
        status: 'PaymentFailed',
        payment: {
          status: 'declined',
          declineCode: 'insufficient_funds',
          message: 'Your card has insufficient funds.',
        },
        paymentAttempts: 2,
        paymentResolutionDeadline: '2026-12-05T14:00:00.000Z',
        notifications: { 'email:order_confirmation': { status: 'sent' } },
      } as unknown as Partial<OrderView>),
      Date.parse('2026-12-03T15:00:00Z'),
    );
    assert.equal(seen.cancelFree, false);
    assert.equal(seen.state, 'Your payment did not go through');
    assert.match(seen.next!, /Nothing was charged.*5 December 2026, 14:00 UTC/);
    const text = JSON.stringify(seen);
    for (const internal of ['insufficient', 'mia', 'paymentAttempts', 'notifications', 'acceptance'])
      assert.ok(!text.includes(internal), `${internal} is not for the customer`);
  });

  it('a refund on its way, in the order’s currency', () => {
    const seen = customerOrder(
      order({
        status: 'Cancelled',
        cancellation: { requestedAt: '2026-12-03T15:00:00.000Z', requestedBy: 'customer:cus_ada' },
        refund: { amount: 4_200, status: 'pending' },
      } as unknown as Partial<OrderView>),
      NOW,
    );
    assert.equal(seen.next, 'A refund of €42.00 is on its way.');
    assert.equal(seen.canCancel, false);
  });

  it('the timeline: placed, each status, their own cancel; nobody else, nothing of Stripe', () => {
    const events = customerTimeline(
      order({
        status: 'Paid',
        timeline: [
          {
            at: '2026-12-03T13:55:00.000Z',
            kind: 'status',
            detail: 'Status: Received (remorse window open)',
          },
          { at: '2026-12-03T13:56:00.000Z', kind: 'authorization', detail: 'Approved', actor: 'mia' },
          { at: '2026-12-03T14:36:00.000Z', kind: 'payment_attempt', detail: 'Declined: card_declined' },
          { at: '2026-12-03T14:40:00.000Z', kind: 'status', detail: 'Status: Paid' },
          { at: '2026-12-03T14:41:00.000Z', kind: 'cancel_requested', detail: 'x', actor: 'support:sam' },
          {
            at: '2026-12-03T14:42:00.000Z',
            kind: 'cancel_requested',
            detail: 'x',
            actor: 'customer:cus_ada',
          },
        ],
      }),
    );
    assert.deepEqual(
      events.map((e) => e.detail),
      ['You placed the order', 'Paid, being packed', 'You asked to cancel'],
    );
  });
});
