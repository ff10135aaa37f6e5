/**
 * Order acceptance (docs/processes.md, "Checkout and order acceptance") on the time-skipping server: the remorse window, manager
 * authorization, and cancellation after acceptance, down to the returned goods. Each scenario
 * reads "given these messages and this much time, these activities were called, and no others".
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ChargeRequest, ChargeResult } from '../../activities/checkout/types';
import type { OrderView, PlacedOrder } from '../../domain/checkout';
import { checkoutWorkflow } from '../../workflows';
import {
  answerAuthorizationUpdate,
  authorizeOrderSignal,
  cancelOrderSignal,
  goodsReturnedSignal,
  orderShippedSignal,
  orderStatusQuery,
} from '../../workflows/checkout/messages';
import {
  CheckoutScenario,
  declined,
  OrderDriver,
  placedOrder,
  settle,
  TEST_SETTINGS,
} from '../helpers/checkout-scenario';
import { captureHistory, timeSkippingEnv } from '../helpers/temporal';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** At the authorization threshold (100 000 minor units) and above, managers must approve. */
function largeOrder(overrides: Partial<PlacedOrder> = {}): PlacedOrder {
  return placedOrder({
    items: [{ sku: 'piano', quantity: 1, unitPrice: 250_000 }],
    total: 250_000,
    ...overrides,
  });
}

const RECEIVED_SMALL = ['event:order.received', 'status:Received+order'];
const RECEIVED_LARGE = [
  'authorization-request',
  'event:order.authorization_requested',
  'event:order.received',
  'status:Received+order',
];
const ACCEPTED_AND_PAID = (total: number) => [
  `charge:${total}:pm_card_visa`,
  'email:order_confirmation',
  'event:order.accepted',
  'event:order.paid',
  `payment-intent:${total}`,
  'status:Accepted',
  'status:Paid',
];

// One time-skipping server for the file.
let env: TestWorkflowEnvironment;
before(async () => {
  env = await timeSkippingEnv();
});
after(async () => {
  await env?.teardown();
});

describe('order acceptance', () => {
  it("Udi Dahan's saga test: two authorization requests and Received; one approval, Authorized; the timeout, Accepted", async () => {
    const scenario = new CheckoutScenario();
    const order = largeOrder();
    await scenario.run(env, order, async (o) => {
      assert.deepEqual(await o.step(), RECEIVED_LARGE);
      const received = await o.query();
      assert.equal(received.status, 'Received');
      const deadline = received.acceptance!.remorseWindowEndsAt;
      assert.equal(Date.parse(deadline) - Date.parse(received.updatedAt), HOUR);
      assert.deepEqual(scenario.called('requestManagerAuthorization'), [
        {
          orderId: order.orderId,
          messageKey: `${order.orderId}:authorization-request`,
          total: 250_000,
          currency: 'usd',
          customerId: 'cust-1',
          items: order.items,
          answerBy: deadline,
        },
      ]);
      assert.equal(
        await o.details(),
        `Received: remorse window until ${deadline}; waiting for a manager's approval (2 requests sent)`,
        'the Temporal UI says what the order waits for',
      );
      const request = scenario
        .called('publishOrderEvent')
        .find((e) => e.type === 'order.authorization_requested');
      assert.deepEqual(request?.data.answerBy, deadline);

      let answered: OrderView | undefined;
      assert.deepEqual(
        await o.step(async () => {
          answered = await o.handle.executeUpdate(answerAuthorizationUpdate, {
            args: [{ approved: true, managerId: 'mia', note: 'fine' }],
          });
        }),
        ['status:Authorized'],
      );
      assert.deepEqual(
        answered?.acceptance?.authorizations.map((a) => [a.managerId, a.approved]),
        [['mia', true]],
        "the update answers with the order, the manager's answer on record",
      );
      const authorized = await o.query();
      assert.equal(authorized.status, 'Authorized');
      assert.deepEqual(
        authorized.acceptance?.authorizations.map((a) => [a.managerId, a.approved, a.note]),
        [['mia', true, 'fine']],
      );

      assert.match(await o.details(), /^Authorized: remorse window until .*; approved by a manager$/);
      assert.deepEqual(await o.step(() => o.sleep('1h')), ACCEPTED_AND_PAID(250_000));
      assert.equal(await o.details(), 'Paid: waiting for the warehouse to ship');
      const paid = await o.query();
      assert.equal(paid.acceptance?.outcome, 'Accepted');
      assert.ok(
        Date.parse(paid.acceptance.decidedAt!) >= Date.parse(deadline),
        'accepted only when the window closed',
      );
      await o.step(() => o.signal(cancelOrderSignal, { requestedBy: 'test' }));
      await o.result();
      await captureHistory(o.handle, 'acceptance-large-authorized-accepted');
    });
    const accepted = scenario.called('publishOrderEvent').find((e) => e.type === 'order.accepted');
    assert.equal(accepted?.data.customerId, 'cust-1');
  });

  it('a small order needs no authorization: Received, then Accepted when the window closes', async () => {
    const scenario = new CheckoutScenario();
    await scenario.run(env, placedOrder(), async (o) => {
      assert.deepEqual(await o.step(), RECEIVED_SMALL);
      assert.deepEqual(await o.step(() => o.sleep('59m')), [], 'nothing happens inside the window');
      assert.deepEqual(await o.step(() => o.sleep('2m')), ACCEPTED_AND_PAID(2500));
      assert.equal((await o.query()).acceptance?.authorizationRequired, false);
    });
  });

  it('both managers say no: Rejected at once, the customer told, nothing charged', async () => {
    const scenario = new CheckoutScenario();
    const final = await scenario.run(env, largeOrder(), async (o) => {
      assert.deepEqual(await o.step(), RECEIVED_LARGE);
      assert.deepEqual(
        await o.step(() => o.signal(authorizeOrderSignal, { approved: false, managerId: 'mia' })),
        ['status:Received'],
        'a "no" that does not settle it is recorded, so the managers\' inbox shows who answered',
      );
      assert.deepEqual(
        await o.step(() => o.signal(authorizeOrderSignal, { approved: false, managerId: 'mia' })),
        [],
        'the same manager twice counts once',
      );
      assert.deepEqual(
        await o.step(() => o.signal(authorizeOrderSignal, { approved: false, managerId: 'max' })),
        ['email:order_rejected', 'event:order.rejected', 'status:Rejected'],
      );
      const result = await o.result();
      await captureHistory(o.handle, 'acceptance-refused-rejected');
      return result;
    });
    assert.equal(final.status, 'Rejected');
    assert.ok(
      Date.parse(final.updatedAt) < Date.parse(final.acceptance!.remorseWindowEndsAt),
      'before the window closed',
    );
    assert.match(final.acceptance?.rejectionReason ?? '', /answered "no"/);
    assert.equal(
      scenario.called('openPaymentIntent').length + scenario.called('confirmPaymentIntent').length,
      0,
    );
  });

  it('no approval when the window closes: Rejected, nothing charged', async () => {
    const scenario = new CheckoutScenario();
    const final = await scenario.run(env, largeOrder(), async (o) => {
      await o.step();
      assert.deepEqual(
        await o.step(() => o.signal(authorizeOrderSignal, { approved: false, managerId: 'mia' })),
        ['status:Received'],
        'a "no" that does not settle it is recorded, so the managers\' inbox shows who answered',
      );
      assert.deepEqual(await o.step(() => o.sleep('1h')), [
        'email:order_rejected',
        'event:order.rejected',
        'status:Rejected',
      ]);
      return o.result();
    });
    assert.equal(final.status, 'Rejected');
    assert.match(final.acceptance?.rejectionReason ?? '', /no manager approved/);
    assert.equal(
      scenario.called('openPaymentIntent').length + scenario.called('confirmPaymentIntent').length,
      0,
    );
  });

  it('cancel one minute before the window ends: Cancelled, no Stripe call, order.cancelled, the process ends', async () => {
    const scenario = new CheckoutScenario();
    const final = await scenario.run(env, largeOrder(), async (o) => {
      await o.step();
      assert.deepEqual(
        await o.step(() => o.signal(authorizeOrderSignal, { approved: true, managerId: 'mia' })),
        ['status:Authorized'],
      );
      assert.deepEqual(await o.step(() => o.sleep('59m')), []);
      assert.deepEqual(
        await o.step(() =>
          o.signal(cancelOrderSignal, { requestedBy: 'storefront:shop', reason: 'changed my mind' }),
        ),
        ['email:order_cancelled', 'event:order.cancelled', 'status:Cancelled'],
      );
      const result = await o.result();
      await captureHistory(o.handle, 'acceptance-cancelled-in-window');
      return result;
    });
    assert.equal(final.status, 'Cancelled');
    assert.equal(final.acceptance?.outcome, 'Cancelled');
    assert.equal(final.cancellation?.reason, 'changed my mind');
    assert.ok(Date.parse(final.cancellation.requestedAt) < Date.parse(final.acceptance.remorseWindowEndsAt));
    assert.equal(
      scenario.called('openPaymentIntent').length + scenario.called('confirmPaymentIntent').length,
      0,
    );
    assert.ok(!scenario.events().includes('order.accepted'), 'nothing downstream saw it as accepted');
  });

  it('cancel one minute after the window: already accepted and paid, so one full refund', async () => {
    const scenario = new CheckoutScenario();
    const order = placedOrder();
    const final = await scenario.run(env, order, async (o) => {
      await o.step();
      assert.deepEqual(await o.step(() => o.sleep('61m')), ACCEPTED_AND_PAID(2500));
      assert.deepEqual(await o.step(() => o.signal(cancelOrderSignal, { requestedBy: 'storefront:shop' })), [
        'email:order_refunded',
        'event:order.refunded',
        'refund:2500',
        'status:Refunded',
      ]);
      return o.result();
    });
    assert.equal(final.status, 'Refunded');
    assert.deepEqual(final.refund, { refundId: `re_${order.orderId}`, amount: 2500, status: 'succeeded' });
  });

  it('a cancel that arrives with the end of the window wins: Cancelled, nothing charged', async () => {
    // The tie, made exact: the worker is stopped while the timer fires and the cancel arrives, so
    // the process sees both in one workflow task.
    const scenario = new CheckoutScenario();
    const order = placedOrder();
    const taskQueue = `tie-${randomUUID()}`;
    const noCache = { maxCachedWorkflows: 0 };
    const handle = await (
      await scenario.worker(env, taskQueue, noCache)
    ).runUntil(async () => {
      const started = await env.client.workflow.start(checkoutWorkflow, {
        workflowId: `order-${order.orderId}`,
        taskQueue,
        args: [order],
      });
      await settle(started);
      return started;
    });
    assert.deepEqual(scenario.take(), RECEIVED_SMALL);
    await env.sleep('1h');
    await handle.signal(cancelOrderSignal, { requestedBy: 'storefront:shop', reason: 'just in time' });
    const history = (await handle.fetchHistory()).events ?? [];
    const fired = history.findIndex((e) => e.timerFiredEventAttributes);
    const signalled = history.findIndex((e) => e.workflowExecutionSignaledEventAttributes);
    assert.ok(
      fired > 0 && signalled > fired,
      'the timer fired, then the cancel arrived, before the process woke',
    );

    const final = await (
      await scenario.worker(env, taskQueue, noCache)
    ).runUntil(async () => {
      const result = await handle.result();
      await captureHistory(handle, 'acceptance-cancel-timer-tie');
      return result;
    });
    assert.equal(final.status, 'Cancelled');
    assert.equal(final.acceptance?.outcome, 'Cancelled');
    assert.deepEqual(scenario.take(), ['email:order_cancelled', 'event:order.cancelled', 'status:Cancelled']);
  });

  it('a late authorization, or one for an order that needs none, changes nothing', async () => {
    const scenario = new CheckoutScenario();
    await scenario.run(env, largeOrder(), async (o) => {
      await o.step();
      await o.step(() => o.signal(authorizeOrderSignal, { approved: true, managerId: 'mia' }));
      await o.step(() => o.sleep('1h'));
      const before = await o.query();
      assert.equal(before.status, 'Paid');
      assert.deepEqual(
        await o.step(() => o.signal(authorizeOrderSignal, { approved: false, managerId: 'max' })),
        [],
      );
      assert.deepEqual(await o.query(), before);
      await o.step(() => o.signal(cancelOrderSignal, { requestedBy: 'test' }));
    });

    const small = new CheckoutScenario();
    await small.run(env, placedOrder(), async (o) => {
      await o.step();
      assert.deepEqual(
        await o.step(() => o.signal(authorizeOrderSignal, { approved: false, managerId: 'max' })),
        [],
      );
      assert.deepEqual((await o.query()).acceptance?.authorizations, []);
      assert.deepEqual(await o.step(() => o.sleep('1h')), ACCEPTED_AND_PAID(2500));
      await o.step(() => o.signal(cancelOrderSignal, { requestedBy: 'test' }));
    });
  });

  it('cancelling twice inside the window: one cancellation, one order.cancelled', async () => {
    const scenario = new CheckoutScenario();
    const final = await scenario.run(env, placedOrder(), async (o) => {
      await o.step();
      await o.signal(cancelOrderSignal, { requestedBy: 'storefront:shop', reason: 'first' });
      await o.signal(cancelOrderSignal, { requestedBy: 'support:sam', reason: 'second' });
      const result = await o.result();
      assert.deepEqual(await o.step(), [
        'email:order_cancelled',
        'event:order.cancelled',
        'status:Cancelled',
      ]);
      return result;
    });
    assert.equal(final.cancellation?.reason, 'first');
  });

  /**
   * Accepts an order whose charge Stripe is still answering when the customer cancels; Stripe's
   * answer (`answer`) comes only after the cancel has reached the process.
   */
  async function cancelledWhileCharging(answer: (req: ChargeRequest) => ChargeResult): Promise<{
    final: OrderView;
    scenario: CheckoutScenario;
  }> {
    let release!: () => void;
    const answered = new Promise<void>((resolve) => (release = resolve));
    let charging!: () => void;
    const started = new Promise<void>((resolve) => (charging = resolve));
    const scenario = new CheckoutScenario({
      confirmPaymentIntent: async (req) => {
        charging();
        await answered;
        return answer(req);
      },
    });
    const final = await scenario.run(env, placedOrder(), async (o) => {
      await o.step();
      await o.sleep('1h');
      await started;
      try {
        await o.signal(cancelOrderSignal, { requestedBy: 'storefront:shop' });
        const view = await o.query(); // answered after the signal: the cancel is on record
        assert.ok(view.cancellation, 'the cancel is on record');
        assert.equal(view.status, 'Accepted', 'nothing decided while Stripe is answering');
      } finally {
        release();
      }
      return o.result();
    });
    return { final, scenario };
  }

  it('cancelled while Stripe is still answering and the card is declined: Cancelled, support not bothered', async () => {
    const { final, scenario } = await cancelledWhileCharging(() => {
      throw declined();
    });
    assert.equal(final.status, 'Cancelled');
    assert.equal(final.payment?.status, 'declined');
    assert.deepEqual(scenario.take(), [
      'charge:2500:pm_card_visa failed',
      'email:order_cancelled',
      'event:order.accepted',
      'event:order.cancelled',
      'payment-intent:2500',
      'status:Accepted',
      'status:Cancelled',
    ]);
    assert.equal(scenario.called('alertSupport').length, 0);
  });

  it('cancelled while Stripe is still answering and the charge goes through: refunded in full', async () => {
    const { final, scenario } = await cancelledWhileCharging((req) => ({
      paymentIntentId: `pi_${req.orderId}`,
      status: 'succeeded',
    }));
    assert.equal(final.status, 'Refunded');
    assert.equal(final.refund?.amount, 2500);
    assert.deepEqual(scenario.take(), [
      'charge:2500:pm_card_visa',
      'email:order_confirmation',
      'email:order_refunded',
      'event:order.accepted',
      'event:order.paid',
      'event:order.refunded',
      'payment-intent:2500',
      'refund:2500',
      'status:Accepted',
      'status:Paid',
      'status:Refunded',
    ]);
  });
});

describe('cancellation after shipment', () => {
  /** Places an order, lets the window pass, ships it, and cancels it a day later. */
  async function shippedAndCancelled(o: OrderDriver, total: number): Promise<void> {
    await o.step();
    assert.deepEqual(await o.step(() => o.sleep('1h')), ACCEPTED_AND_PAID(total));
    assert.deepEqual(await o.step(() => o.signal(orderShippedSignal, { trackingNumber: 'TRACK-1' })), [
      'event:order.shipped',
      'status:Shipped',
    ]);
    await o.sleep('1 day');
    assert.deepEqual(
      await o.step(() => o.signal(cancelOrderSignal, { requestedBy: 'storefront:shop', reason: 'too late' })),
      ['email:return_instructions', 'event:order.return_requested', 'status:Shipped'],
      'recorded with the goods awaited, so the warehouse sees the return in its queue',
    );
    const view = await o.query();
    assert.equal(
      await o.details(),
      `Shipped: cancelled after shipment; waiting for the goods until ${view.goodsReturn!.expectedBy}, then no refund`,
    );
    assert.equal(view.status, 'Shipped', 'the order stays shipped until the goods are back');
    assert.equal(
      Date.parse(view.goodsReturn!.expectedBy) - Date.parse(view.cancellation!.requestedAt),
      TEST_SETTINGS.returnWindowMs,
    );
  }

  it('goods back in their original packaging: full refund, Refunded', async () => {
    const scenario = new CheckoutScenario();
    const order = placedOrder();
    const final = await scenario.run(env, order, async (o) => {
      await shippedAndCancelled(o, 2500);
      await o.sleep('5 days');
      assert.deepEqual(
        await o.step(() =>
          o.signal(goodsReturnedSignal, { originalPackaging: true, reportedBy: 'warehouse:wes' }),
        ),
        ['email:order_refunded', 'event:order.refunded', 'refund:2500', 'status:Refunded'],
      );
      return o.result();
    });
    assert.equal(final.status, 'Refunded');
    assert.deepEqual(final.refund, { refundId: `re_${order.orderId}`, amount: 2500, status: 'succeeded' });
    assert.equal(final.goodsReturn?.originalPackaging, true);
    assert.deepEqual(scenario.called('refundPayment'), [
      { orderId: order.orderId, paymentIntentId: `pi_${order.orderId}`, amount: 2500, reason: 'too late' },
    ]);
  });

  it('goods back without their packaging: refund less the 15% restocking fee, PartiallyRefunded', async () => {
    const scenario = new CheckoutScenario();
    // 15% of 9 999 is 1 499.85: the fee is rounded down to 1 499, the refund is 8 500.
    const order = placedOrder({ items: [{ sku: 'lamp', quantity: 1, unitPrice: 9_999 }], total: 9_999 });
    const final = await scenario.run(env, order, async (o) => {
      await shippedAndCancelled(o, 9_999);
      assert.deepEqual(
        await o.step(() =>
          o.signal(goodsReturnedSignal, { originalPackaging: false, reportedBy: 'warehouse:wes' }),
        ),
        ['email:order_refunded', 'event:order.refunded', 'refund:8500', 'status:PartiallyRefunded'],
      );
      const result = await o.result();
      await captureHistory(o.handle, 'shipped-cancelled-partially-refunded');
      return result;
    });
    assert.equal(final.status, 'PartiallyRefunded');
    assert.deepEqual(final.refund, {
      refundId: `re_${order.orderId}`,
      amount: 8_500,
      restockingFee: 1_499,
      status: 'succeeded',
    });
    const event = scenario.called('publishOrderEvent').find((e) => e.type === 'order.refunded');
    assert.equal(event?.data.restockingFee, 1_499);
    const email = scenario.called('emailCustomer').find((e) => e.kind === 'order_refunded');
    assert.deepEqual([email?.data.amount, email?.data.restockingFee], [8_500, 1_499]);
  });

  it('nothing returned within the return window: no refund, Completed with the cancellation on record', async () => {
    const scenario = new CheckoutScenario();
    const final = await scenario.run(env, placedOrder(), async (o) => {
      await shippedAndCancelled(o, 2500);
      assert.deepEqual(await o.step(() => o.sleep('29 days')), []);
      assert.deepEqual(await o.step(() => o.sleep('2 days')), [
        'email:return_not_received',
        'event:order.completed',
        'status:Completed',
      ]);
      const result = await o.result();
      await captureHistory(o.handle, 'shipped-cancelled-not-returned-completed');
      return result;
    });
    assert.equal(final.status, 'Completed');
    assert.equal(final.cancellation?.reason, 'too late');
    assert.equal(final.refund, undefined);
    assert.equal(scenario.called('refundPayment').length, 0);
    const completed = scenario.called('publishOrderEvent').find((e) => e.type === 'order.completed');
    assert.deepEqual([completed?.data.cancellationRequested, completed?.data.goodsReturned], [true, false]);
  });

  it('a return without a cancellation, and a second cancel, change nothing; one refund', async () => {
    const scenario = new CheckoutScenario();
    const final = await scenario.run(env, placedOrder(), async (o) => {
      await o.step();
      await o.step(() => o.sleep('1h'));
      await o.step(() => o.signal(orderShippedSignal, {}));
      assert.deepEqual(
        await o.step(() =>
          o.signal(goodsReturnedSignal, { originalPackaging: true, reportedBy: 'warehouse:wes' }),
        ),
        [],
      );
      assert.equal((await o.query()).goodsReturn, undefined);
      assert.deepEqual(
        await o.step(() => o.signal(cancelOrderSignal, { requestedBy: 'a', reason: 'first' })),
        ['email:return_instructions', 'event:order.return_requested', 'status:Shipped'],
      );
      assert.deepEqual(
        await o.step(() => o.signal(cancelOrderSignal, { requestedBy: 'b', reason: 'second' })),
        [],
      );
      assert.deepEqual(
        await o.step(() =>
          o.signal(goodsReturnedSignal, { originalPackaging: true, reportedBy: 'warehouse:wes' }),
        ),
        ['email:order_refunded', 'event:order.refunded', 'refund:2500', 'status:Refunded'],
      );
      return o.result();
    });
    assert.equal(final.status, 'Refunded');
    assert.equal(final.cancellation?.reason, 'first');
    assert.equal(scenario.called('refundPayment').length, 1);
  });

  it('shipped and not cancelled: Completed when the return window ends', async () => {
    const scenario = new CheckoutScenario();
    await scenario.run(env, placedOrder(), async (o) => {
      await o.step();
      await o.step(() => o.sleep('1h'));
      await o.step(() => o.signal(orderShippedSignal, {}));
      assert.deepEqual(await o.step(() => o.sleep('30 days')), ['event:order.completed', 'status:Completed']);
      const view = await o.handle.query(orderStatusQuery);
      assert.equal(view.status, 'Completed');
      assert.ok(Date.parse(view.updatedAt) - Date.parse(view.shipment!.shippedAt) >= 30 * DAY);
    });
  });
});
