/**
 * The checkout process on the time-skipping server: days of business time in seconds of test time.
 * Activities are recorded fakes; each test states what was sent, when, and that nothing else was.
 * Every order first passes its remorse window (acceptance has its own suite).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { checkoutWorkflow } from '../../workflows';
import {
  cancelOrderSignal,
  checkoutStartOptions,
  customerIdSearchAttribute,
  orderIdSearchAttribute,
  orderShippedSignal,
  orderStatusSearchAttribute,
  orderStatusQuery,
  retryPaymentSignal,
  retryPaymentUpdate,
} from '../../workflows/checkout/messages';
import { LEAN_CHECKOUT_PATCH } from '../../workflows/checkout/context';
import { ONE_PAYMENT_INTENT_PATCH } from '../../workflows/checkout/payment';
import { refusalOf } from '../../workflows/refusal';
import {
  CheckoutScenario,
  pastTheWindow,
  declined,
  placedOrder,
  TEST_SETTINGS,
} from '../helpers/checkout-scenario';
import { captureHistory, timeSkippingEnv, waitForStatus } from '../helpers/temporal';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('checkout workflow', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await timeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });
  /** Starts the order with its cancellation already waiting, as a storefront that cancels at once does. */
  const startCancelled =
    (order: ReturnType<typeof placedOrder>, cancel: { requestedBy: string; reason?: string }) =>
    (taskQueue: string) =>
      env.client.workflow.signalWithStart(checkoutWorkflow, {
        workflowId: `order-${order.orderId}`,
        taskQueue,
        args: [order],
        signal: cancelOrderSignal,
        signalArgs: [cancel],
      });

  it('paid: charges once, tells downstream and the customer, then completes after the return window', async () => {
    const scenario = new CheckoutScenario();
    const order = placedOrder();
    const result = await scenario.run(env, order, async (o) => {
      await pastTheWindow(o);
      const { handle } = o;
      const paid = await waitForStatus(handle, 'Paid');
      assert.equal(paid.payment?.paymentIntentId, `pi_${order.orderId}`);
      await handle.signal(orderShippedSignal, { trackingNumber: 'TRACK-1' });
      const shipped = await waitForStatus(handle, 'Shipped');
      const final = await handle.result();
      await captureHistory(handle, 'checkout-paid-shipped-completed');
      const completedAt = Date.parse(final.updatedAt);
      assert.ok(
        completedAt - Date.parse(shipped.shipment!.shippedAt) >= 30 * DAY,
        'completed only after the return window',
      );
      return final;
    });

    assert.equal(result.status, 'Completed');
    // The order's one PaymentIntent, created once; the attempt confirms it with the order's method.
    assert.deepEqual(scenario.called('openPaymentIntent'), [
      { orderId: order.orderId, amount: 2500, currency: 'usd', customerId: 'cust-1' },
    ]);
    assert.deepEqual(scenario.called('confirmPaymentIntent'), [
      {
        orderId: order.orderId,
        paymentAttempt: 1,
        amount: 2500,
        currency: 'usd',
        paymentMethod: 'pm_card_visa',
        customerId: 'cust-1',
        paymentIntentId: `pi_${order.orderId}`,
      },
    ]);
    assert.deepEqual(scenario.called('chargePayment'), [], 'no PaymentIntent created per attempt');
    assert.deepEqual(scenario.events().sort(), [
      'order.accepted',
      'order.completed',
      'order.paid',
      'order.received',
      'order.shipped',
    ]);
    assert.deepEqual(
      scenario
        .called('publishOrderEvent')
        .map((e) => e.messageId)
        .sort(),
      [
        `${order.orderId}:order.accepted`,
        `${order.orderId}:order.completed`,
        `${order.orderId}:order.paid`,
        `${order.orderId}:order.received`,
        `${order.orderId}:order.shipped`,
      ],
    );
    assert.deepEqual(
      scenario.called('emailCustomer').map((e) => [e.kind, e.to]),
      [['order_confirmation', 'ada@example.com']],
    );
    // The first status record saves the order (the API saved it already; it may have forgotten it).
    assert.deepEqual(scenario.called('saveOrder'), []);
    assert.deepEqual(scenario.called('recordOrderStatus')[0]?.order, order);
    assert.equal(scenario.called('alertSupport').length, 0);
    assert.equal(scenario.called('refundPayment').length, 0);
    assert.deepEqual(
      scenario.called('recordOrderStatus').map((r) => r.status),
      ['Received', 'Accepted', 'Paid', 'Shipped', 'Completed'],
    );
  });

  it('started as the API starts it with a remorse window of 0: its PaymentIntent created from the first workflow task, no timer, no patch marker, OrderStatus alone upserted after the start', async () => {
    // The order follows the settings it was placed under (the API's), not the worker's: here the
    // worker's window is an hour, and an order that read it would start a timer before the charge.
    const placedUnder = { ...TEST_SETTINGS, orderRemorseWindowMs: 0 };
    const scenario = new CheckoutScenario({}, { ...TEST_SETTINGS, orderRemorseWindowMs: 3_600_000 });
    const order = placedOrder();
    const events = await scenario.run(
      env,
      order,
      async ({ handle }) => {
        // Watched through describe, not by query, so that nothing but the order itself reaches the
        // worker while its first workflow task runs (a loaded CI run once saw the charge scheduled
        // by a second task while this test was querying every 50 ms).
        let described = await handle.describe();
        for (
          let i = 0;
          i < 600 && described.typedSearchAttributes.get(orderStatusSearchAttribute) !== 'Paid';
          i++
        ) {
          await new Promise((r) => setTimeout(r, 50));
          described = await handle.describe();
        }
        assert.equal(described.typedSearchAttributes.get(orderStatusSearchAttribute), 'Paid');
        assert.equal(described.typedSearchAttributes.get(orderIdSearchAttribute), order.orderId);
        assert.equal(described.typedSearchAttributes.get(customerIdSearchAttribute), order.customer.id);
        await handle.signal(cancelOrderSignal, { requestedBy: 'support:sam' });
        await handle.result();
        await captureHistory(handle, 'checkout-window-0-paid-cancelled-refunded');
        return (await handle.fetchHistory()).events ?? [];
      },
      (taskQueue) =>
        env.client.workflow.start(
          checkoutWorkflow,
          checkoutStartOptions(order, 'f'.repeat(64), taskQueue, placedUnder),
        ),
    );
    const charge = events.findIndex(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'openPaymentIntent',
    );
    assert.ok(charge > 0, 'the PaymentIntent created');
    assert.ok(
      events.some(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'confirmPaymentIntent',
      ),
      'and confirmed',
    );
    // Revision 3 takes the one PaymentIntent from its input: no marker, no TemporalChangeVersion.
    const patches = events.flatMap((e) => {
      const marker = e.markerRecordedEventAttributes;
      const data =
        marker?.markerName === 'core_patch' ? marker.details?.['patch-data']?.payloads?.[0]?.data : null;
      return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : [];
    });
    assert.deepEqual(
      patches,
      [LEAN_CHECKOUT_PATCH],
      `the lean checkout's marker alone, not ${ONE_PAYMENT_INTENT_PATCH}'s`,
    );
    const beforeCharge = events.slice(0, charge);
    assert.equal(
      beforeCharge.filter((e) => e.timerStartedEventAttributes).length,
      0,
      'no timer before the charge',
    );
    assert.equal(
      beforeCharge.filter((e) => e.workflowTaskCompletedEventAttributes).length,
      1,
      `scheduled by the first workflow task; before the charge: ${beforeCharge.map((e) => e.eventType).join(', ')}`,
    );
    // The store is written by local activity: markers, no activity tasks for it.
    const scheduled = events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    assert.ok(!scheduled.includes('recordOrderStatus') && !scheduled.includes('saveOrder'), scheduled.join());
    const upserted = events.flatMap((e) => {
      const fields = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
      const keys = Object.keys(fields ?? {}).filter((k) => k !== 'TemporalChangeVersion');
      return fields && keys.length ? [keys.join(',')] : [];
    });
    // Accepted and Paid; Received was set at the start; Cancelled after payment is one more.
    assert.deepEqual(upserted, ['OrderStatus', 'OrderStatus', 'OrderStatus']);
    // Revision 2: the window is decided in the first task, so the first record is the decision and
    // saves the order; the API stored it as Received already. Received stays in the timeline.
    const records = scenario.called('recordOrderStatus');
    assert.deepEqual(
      records.slice(0, 2).map((r) => `${r.version}:${r.status}${r.order ? '+order' : ''}`),
      ['1:Accepted+order', '2:Paid'],
    );
    assert.equal(records[0]!.order?.orderId, order.orderId);
    const stored = records[0]!.order as unknown as Record<string, unknown>;
    assert.equal(stored.revision, undefined, 'the revision is not stored');
    assert.equal(stored.settings, undefined, 'the settings are not stored');
    assert.equal(scenario.called('loadCheckoutSettings').length, 0, "the worker's settings are not read");
    const timeline = (records.at(-1)!.view.timeline ?? []).map((t) => t.detail);
    assert.ok(timeline.includes('Status: Received (remorse window open)'), timeline.join(' | '));
    // A marker names its task by the task's started event (this server) or its completed event.
    const firstTask = [
      String(beforeCharge.find((e) => e.workflowTaskStartedEventAttributes)!.eventId),
      String(beforeCharge.find((e) => e.workflowTaskCompletedEventAttributes)!.eventId),
    ];
    const firstTaskMarkers = events.filter(
      (e) =>
        e.markerRecordedEventAttributes?.markerName === 'core_local_activity' &&
        firstTask.includes(String(e.markerRecordedEventAttributes.workflowTaskCompletedEventId)),
    );
    assert.equal(firstTaskMarkers.length, 1, 'the first task: one record, no settings read');
  });

  it('started without a revision (as before revision 2) at a window of 0: Received and then Accepted recorded', async () => {
    const scenario = new CheckoutScenario({}, { ...TEST_SETTINGS, orderRemorseWindowMs: 0 });
    const order = placedOrder();
    await scenario.run(env, order, async ({ handle }) => {
      for (let i = 0; i < 200 && !scenario.called('recordOrderStatus').some((r) => r.status === 'Paid'); i++)
        await new Promise((r) => setTimeout(r, 50));
      await handle.signal(cancelOrderSignal, { requestedBy: 'support:sam' });
      await handle.result();
    });
    const statuses = scenario.called('recordOrderStatus').map((r) => `${r.version}:${r.status}`);
    assert.deepEqual(statuses.slice(0, 2), ['1:Received', '2:Accepted']);
    // Started without the settings it was placed under: the worker's, read once.
    assert.equal(scenario.called('loadCheckoutSettings').length, 1);
  });

  it('declined, then support retries with a new payment method: paid on the second attempt', async () => {
    const scenario = new CheckoutScenario({
      confirmPaymentIntent: async (req) => {
        if (req.paymentMethod === 'pm_card_chargeDeclined') throw declined();
        return { paymentIntentId: req.paymentIntentId, status: 'succeeded' };
      },
    });
    const order = placedOrder({ paymentMethod: 'pm_card_chargeDeclined' });
    await scenario.run(env, order, async (o) => {
      await pastTheWindow(o);
      const { handle } = o;
      const failed = await waitForStatus(handle, 'PaymentFailed');
      assert.equal(failed.payment?.declineCode, 'insufficient_funds');
      assert.equal(Date.parse(failed.paymentResolutionDeadline!) - Date.parse(failed.updatedAt), 72 * HOUR);
      const retried = await handle.executeUpdate(retryPaymentUpdate, {
        args: [{ paymentMethod: 'pm_card_visa', requestedBy: 'support:sam' }],
      });
      // On record in the answer (a delivery finishing in the same task may be noted after it).
      assert.ok(
        retried.timeline?.slice(-3).some((t) => t.detail === 'Payment retry asked'),
        `the update answers with the order, the retry on record: ${JSON.stringify(retried.timeline?.slice(-3))}`,
      );
      const paid = await waitForStatus(handle, 'Paid');
      assert.equal(paid.paymentAttempts, 2);
      assert.equal(paid.payment?.paymentIntentId, `pi_${order.orderId}`, 'the one PaymentIntent');
      const late = await handle
        .executeUpdate(retryPaymentUpdate, {
          args: [{ paymentMethod: 'pm_card_visa', requestedBy: 'support:sam' }],
        })
        .catch((err: unknown) => err);
      assert.deepEqual(refusalOf(late)?.details, { reason: 'not_awaiting_payment', status: 'Paid' });
      await handle.signal(retryPaymentSignal, {
        paymentMethod: 'pm_card_amex',
        requestedBy: 'support:old-client',
      });
      assert.equal((await handle.query(orderStatusQuery)).status, 'Paid', 'a late signal changes nothing');
      await handle.signal(cancelOrderSignal, { requestedBy: 'storefront:shop', reason: 'changed mind' });
      await handle.result();
      await captureHistory(handle, 'checkout-declined-retried-refunded');
    });

    assert.deepEqual(
      scenario.calls
        .filter((c) => c.name === 'confirmPaymentIntent')
        .map((c) => [
          (c.input as { paymentAttempt: number }).paymentAttempt,
          (c.input as { paymentMethod: string }).paymentMethod,
          (c.input as { paymentIntentId: string }).paymentIntentId,
          c.ok,
        ]),
      [
        [1, 'pm_card_chargeDeclined', `pi_${order.orderId}`, false],
        [2, 'pm_card_visa', `pi_${order.orderId}`, true],
      ],
      'both attempts confirm the one PaymentIntent',
    );
    assert.equal(scenario.called('openPaymentIntent').length, 1);
    const alerts = scenario.called('alertSupport');
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]?.kind, 'payment_failed');
    assert.match(alerts[0].message, /declined/);
    const failedEvent = scenario.called('publishOrderEvent').find((e) => e.type === 'order.payment_failed');
    assert.equal(failedEvent?.messageId, `${order.orderId}:order.payment_failed`);
  });

  it('declined and nobody answers: cancelled after the resolution window, customer told, nothing charged', async () => {
    const scenario = new CheckoutScenario({
      confirmPaymentIntent: async () => {
        throw declined();
      },
    });
    const order = placedOrder();
    const final = await scenario.run(env, order, async (o) => {
      await pastTheWindow(o);
      const { handle } = o;
      const failed = await waitForStatus(handle, 'PaymentFailed');
      const result = await handle.result();
      await captureHistory(handle, 'checkout-declined-unresolved-cancelled');
      assert.ok(Date.parse(result.updatedAt) - Date.parse(failed.updatedAt) >= 72 * HOUR);
      return result;
    });
    assert.equal(final.status, 'Cancelled');
    assert.equal(final.cancellation?.requestedBy, 'system');
    assert.deepEqual(scenario.businessCalls().sort(), [
      'alert payment_failed',
      'email payment_cancelled_unresolved',
      'openPaymentIntent',
      'publish order.accepted',
      'publish order.cancelled',
      'publish order.payment_failed',
      'publish order.received',
    ]);
    assert.equal(scenario.called('refundPayment').length, 0);
  });

  it('email failing for an hour: the event still goes out at once, support is alerted at 15 minutes, the email arrives', async () => {
    let paidAt = 0;
    const scenario = new CheckoutScenario({
      publishOrderEvent: async (event) => {
        if (event.type === 'order.paid') paidAt = Date.parse(event.occurredAt);
      },
      emailCustomer: async (email) => {
        const { currentAttemptScheduledTimestampMs: now } = (
          await import('@temporalio/activity')
        ).Context.current().info;
        if (email.kind === 'order_confirmation' && (paidAt === 0 || now - paidAt < HOUR)) {
          throw ApplicationFailure.create({
            type: 'EmailServiceUnavailable',
            message: 'SendGrid answered 503',
          });
        }
      },
    });
    const order = placedOrder();
    await scenario.run(env, order, async (o) => {
      await pastTheWindow(o);
      const { handle } = o;
      await waitForStatus(handle, 'Paid');
      await env.sleep('2h');
      const view = await handle.query(orderStatusQuery);
      assert.equal(view.notifications['email:order_confirmation'], 'delivered');
      assert.equal(view.notifications['order.paid'], 'delivered');
      await handle.signal(cancelOrderSignal, { requestedBy: 'support:sam' });
      await handle.result();
    });

    const paidEvent = scenario.calls.find(
      (c) => c.name === 'publishOrderEvent' && (c.input as { type: string }).type === 'order.paid',
    );
    assert.ok(
      paidEvent?.ok && paidEvent.at - paidAt < 60_000,
      'order.paid published within a minute of payment',
    );
    const emailAttempts = scenario.calls.filter(
      (c) => c.name === 'emailCustomer' && (c.input as { kind: string }).kind === 'order_confirmation',
    );
    assert.ok(emailAttempts.length > 5, `the email was retried (${emailAttempts.length} attempts)`);
    assert.equal(emailAttempts.filter((c) => c.ok).length, 1, 'delivered exactly once');
    assert.ok(emailAttempts.at(-1)!.at - paidAt >= HOUR, 'delivered only once SendGrid was back');
    const alerts = scenario.calls.filter((c) => c.name === 'alertSupport' && c.ok);
    assert.equal(alerts.length, 1);
    const alert = alerts[0]!;
    assert.equal((alert.input as { kind: string }).kind, 'delivery_delayed');
    assert.ok(
      alert.at - paidAt >= TEST_SETTINGS.sideEffectAlertAfterMs && alert.at - paidAt < 20 * 60_000,
      'alerted at about 15 minutes',
    );
  });

  it('a last email refused for good: support alerted, and the final record of the order says the email failed', async () => {
    const scenario = new CheckoutScenario({
      emailCustomer: async () => {
        throw ApplicationFailure.create({
          type: 'EmailRejected',
          message: 'SendGrid answered 400',
          nonRetryable: true,
        });
      },
    });
    const order = placedOrder();
    const final = await scenario.run(
      env,
      order,
      async ({ handle }) => handle.result(),
      startCancelled(order, { requestedBy: 'storefront:shop' }),
    );
    assert.equal(final.status, 'Cancelled');
    assert.equal(final.notifications['email:order_cancelled'], 'failed');
    assert.deepEqual(
      scenario.called('alertSupport').map((a) => a.kind),
      ['delivery_failed'],
    );
    // What the work queues read: the store's last record, written before the process ended.
    const records = scenario.called('recordOrderStatus');
    assert.equal(records.at(-1)?.view.notifications['email:order_cancelled'], 'failed');
  });

  it('cancel before payment: Cancelled, nothing charged, order.cancelled published', async () => {
    const scenario = new CheckoutScenario();
    const order = placedOrder();
    const final = await scenario.run(
      env,
      order,
      async ({ handle }) => {
        const result = await handle.result();
        await captureHistory(handle, 'checkout-cancelled-before-payment');
        return result;
      },
      startCancelled(order, { requestedBy: 'storefront:shop', reason: 'clicked by mistake' }),
    );
    assert.equal(final.status, 'Cancelled');
    assert.equal(final.cancellation?.reason, 'clicked by mistake');
    assert.deepEqual(scenario.businessCalls().sort(), [
      'email order_cancelled',
      'publish order.cancelled',
      'publish order.received',
    ]);
  });

  it('cancel after payment, before shipment: one full refund, even when cancelled twice', async () => {
    const scenario = new CheckoutScenario();
    const order = placedOrder();
    const final = await scenario.run(env, order, async (o) => {
      await pastTheWindow(o);
      const { handle } = o;
      await waitForStatus(handle, 'Paid');
      await handle.signal(cancelOrderSignal, { requestedBy: 'storefront:shop', reason: 'too slow' });
      await handle.signal(cancelOrderSignal, { requestedBy: 'support:sam', reason: 'again' });
      return handle.result();
    });
    assert.equal(final.status, 'Refunded');
    assert.equal(final.cancellation?.reason, 'too slow');
    assert.deepEqual(final.refund, { refundId: `re_${order.orderId}`, amount: 2500, status: 'succeeded' });
    assert.deepEqual(scenario.called('refundPayment'), [
      { orderId: order.orderId, paymentIntentId: `pi_${order.orderId}`, amount: 2500, reason: 'too slow' },
    ]);
    assert.ok(scenario.events().includes('order.refunded'));
    assert.deepEqual(
      scenario
        .called('emailCustomer')
        .map((e) => e.kind)
        .sort(),
      ['order_confirmation', 'order_refunded'],
    );
  });

  it('a shipment report before payment is ignored', async () => {
    const scenario = new CheckoutScenario({
      confirmPaymentIntent: async () => {
        throw declined();
      },
    });
    await scenario.run(env, placedOrder(), async (o) => {
      await pastTheWindow(o);
      const { handle } = o;
      await waitForStatus(handle, 'PaymentFailed');
      await handle.signal(orderShippedSignal, {});
      await handle.signal(cancelOrderSignal, { requestedBy: 'support:sam' });
      const final = await handle.result();
      assert.equal(final.status, 'Cancelled');
      assert.equal(final.shipment, undefined);
    });
  });
});
