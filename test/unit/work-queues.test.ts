/** Which person an order waits for (domain/work-queues.ts) and a leave request's steps in words. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { leaveTimelineOf } from '../../api/leave/timeline';
import type { LeaveView } from '../../domain/leave';
import type { OrderView } from '../../domain/checkout';
import { NO_DEADLINE, queueColumns, supportNeed, workNeed } from '../../domain/work-queues';

function order(overrides: Partial<OrderView> = {}): OrderView {
  return {
    orderId: 'o-1',
    status: 'Received',
    total: 150_000,
    currency: 'usd',
    customerId: 'c-1',
    items: [{ sku: 'lamp', quantity: 1, unitPrice: 150_000 }],
    placedAt: '2026-11-25T10:00:00.000Z',
    updatedAt: '2026-11-25T10:00:01.000Z',
    paymentAttempts: 0,
    notifications: {},
    ...overrides,
  };
}

const waiting = {
  remorseWindowEndsAt: '2026-11-25T11:00:00.000Z',
  authorizationRequired: true,
  authorizations: [],
};

describe('work queues', () => {
  it('support: a declined or unconfirmed payment with its deadline, a refused refund, a failing delivery', () => {
    const deadline = '2026-11-28T10:00:00.000Z';
    assert.deepEqual(supportNeed(order({ status: 'PaymentFailed', paymentResolutionDeadline: deadline })), {
      reason: 'payment_failed',
      deadline,
    });
    assert.deepEqual(
      supportNeed(order({ status: 'PaymentUnconfirmed', paymentResolutionDeadline: deadline })),
      {
        reason: 'payment_unconfirmed',
        deadline,
      },
    );
    assert.deepEqual(
      supportNeed(
        order({ status: 'Cancelled', refund: { amount: 100, status: 'failed', failureReason: 'disputed' } }),
      ),
      { reason: 'refund_failed' },
    );
    assert.deepEqual(supportNeed(order({ status: 'Paid', notifications: { 'email:x': 'delayed' } })), {
      reason: 'delivery_failing',
    });
    assert.deepEqual(supportNeed(order({ status: 'Paid', notifications: { 'order.paid': 'failed' } })), {
      reason: 'delivery_failing',
    });
    assert.equal(
      supportNeed(order({ status: 'Paid', notifications: { 'order.paid': 'delivered' } })),
      undefined,
    );
    assert.equal(
      supportNeed(order({ status: 'PaymentFailed', notifications: { 'email:x': 'delayed' } }))?.reason,
      'payment_failed',
      'the payment question first',
    );
  });

  it('authorization: a large order in its window with no approval yet, refusals or not; never after a cancel or an approval', () => {
    assert.deepEqual(workNeed(order({ acceptance: waiting })), {
      queue: 'authorization',
      dueAt: waiting.remorseWindowEndsAt,
    });
    const no = { managerId: 'max', approved: false, decidedAt: '2026-11-25T10:10:00.000Z' };
    assert.equal(
      workNeed(order({ acceptance: { ...waiting, authorizations: [no] } }))?.queue,
      'authorization',
    );
    const yes = { ...no, managerId: 'mia', approved: true };
    assert.equal(workNeed(order({ acceptance: { ...waiting, authorizations: [no, yes] } })), undefined);
    assert.equal(
      workNeed(
        order({
          acceptance: waiting,
          cancellation: { requestedBy: 'x', requestedAt: waiting.remorseWindowEndsAt },
        }),
      ),
      undefined,
    );
    assert.equal(workNeed(order({ acceptance: { ...waiting, authorizationRequired: false } })), undefined);
  });

  it('shipment: paid, not shipped, not cancelled; return: shipped and cancelled, goods not yet back', () => {
    assert.deepEqual(workNeed(order({ status: 'Paid' })), { queue: 'shipment' });
    assert.equal(
      workNeed(order({ status: 'Paid', cancellation: { requestedBy: 'x', requestedAt: 'y' } })),
      undefined,
    );
    const shipped = order({
      status: 'Shipped',
      shipment: { shippedAt: '2026-11-26T00:00:00.000Z' },
      cancellation: { requestedBy: 'x', requestedAt: '2026-11-27T00:00:00.000Z' },
      goodsReturn: { expectedBy: '2026-12-27T00:00:00.000Z' },
    });
    assert.deepEqual(workNeed(shipped), { queue: 'return', dueAt: '2026-12-27T00:00:00.000Z' });
    assert.equal(
      workNeed({
        ...shipped,
        goodsReturn: { ...shipped.goodsReturn!, receivedAt: '2026-12-01T00:00:00.000Z' },
      }),
      undefined,
    );
  });

  it("the store's columns sort deadlines first, then the rest", () => {
    assert.deepEqual(queueColumns(order({ status: 'Cancelled', refund: { amount: 1, status: 'failed' } })), {
      supportReason: 'refund_failed',
      supportSort: NO_DEADLINE,
      workQueue: null,
      workSort: null,
    });
    const paid = order({ status: 'Paid' });
    assert.deepEqual(queueColumns(paid), {
      supportReason: null,
      supportSort: null,
      workQueue: 'shipment',
      workSort: paid.updatedAt,
    });
    assert.deepEqual(queueColumns(undefined), {
      supportReason: null,
      supportSort: null,
      workQueue: null,
      workSort: null,
    });
  });
});

describe('leave timeline', () => {
  const view: LeaveView = {
    requestId: 'r-1',
    employeeId: 'ella',
    days: 4,
    startDate: '2026-12-10',
    status: 'Withdrawn',
    leaveYear: 2026,
    submittedAt: '2026-11-25T10:00:00.000Z',
    updatedAt: '2026-11-26T09:00:00.000Z',
    balanceBefore: 2,
    approvers: ['mia'],
    decisions: [{ by: 'mia', decision: 'approved', note: 'fine', at: '2026-11-25T12:00:00.000Z' }],
    remindersSent: 1,
    withdrawnBy: 'ella',
  };

  it('tells the steps oldest first, with who: asked, approval asked, approved, days taken and given back, withdrawn', () => {
    const events = leaveTimelineOf(view, [
      {
        employeeId: 'ella',
        leaveYear: 2026,
        kind: 'reservation',
        days: -4,
        requestId: 'r-1',
        createdAt: '2026-11-25T12:00:00.100Z',
      },
      {
        employeeId: 'ella',
        leaveYear: 2026,
        kind: 'release',
        days: 4,
        requestId: 'r-1',
        createdAt: '2026-11-26T09:00:00.100Z',
      },
    ]);
    assert.deepEqual(
      events.map((e) => [e.kind, e.actor, e.detail]),
      [
        ['submitted', 'ella', 'Asked for 4 days from 10 December 2026'],
        ['approval_requested', undefined, 'Beyond the balance of 2 days: approval asked of mia'],
        ['approved', 'mia', 'Approved: “fine”'],
        ['reserved', undefined, '4 days taken from the 2026 balance'],
        ['reminders', undefined, '1 reminder sent'],
        ['withdrawn', 'ella', 'Withdrawn'],
        ['returned', undefined, '4 days given back to the 2026 balance'],
      ],
    );
  });
});
