/**
 * The Stripe adapter against stripe-mock (Stripe's own simulator), the decline mapping against a
 * fake answering Stripe's 402 card_error, the proof that every Stripe request for one order
 * carries the same idempotency key even when Temporal retries the activity, and, against a fake
 * Stripe with state (stripe-mock keeps none), the order's one PaymentIntent: created once, confirmed
 * by each attempt, charged at most once whatever is retried and whatever Stripe's lagging search
 * says.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createCheckoutActivities } from '../../activities/checkout';
import { createDevMailer, createDevPublisher, DevRecorder } from '../../activities/adapters/development';
import { createStripeClient, createStripeGateway } from '../../activities/checkout/stripe';
import { PAYMENT_DECLINED } from '../../activities/checkout/types';
import { openSqliteOrderStore } from '../../store/sql-order-store';
import { checkoutWorkflow } from '../../workflows';
import { cancelOrderSignal, retryPaymentUpdate } from '../../workflows/checkout/messages';
import { refusalOf } from '../../workflows/refusal';
import { placedOrder, settle, TEST_SETTINGS } from '../helpers/checkout-scenario';
import { failureOf } from '../helpers/assertions';
import {
  startFakeStripe,
  startRecordingProxy,
  startStatefulFakeStripe,
  type FakeServer,
  type StatefulFakeStripe,
} from '../../scripts/http-fakes';
import { startStripeMock, type RunningStripeMock } from '../../scripts/stripe-mock';
import { timeSkippingEnv, waitForStatus, workflowBundle } from '../helpers/temporal';

const charge = {
  orderId: 'ord-42',
  paymentAttempt: 1,
  amount: 4200,
  currency: 'eur',
  paymentMethod: 'pm_card_visa',
  customerId: 'cust-9',
};
const intentFor = { orderId: 'ord-42', amount: 4200, currency: 'eur', customerId: 'cust-9' };

describe('Stripe payments', () => {
  let stripeMock: RunningStripeMock;
  let bundledMock: RunningStripeMock;
  before(async () => {
    [stripeMock, bundledMock] = await Promise.all([startStripeMock('succeed'), startStripeMock('bundled')]);
  });
  after(async () => {
    await Promise.all([stripeMock?.stop(), bundledMock?.stop()]);
  });

  it("creates the order's PaymentIntent, confirms it and refunds it through stripe-mock", async () => {
    const gateway = createStripeGateway(
      createStripeClient({ secretKey: 'sk_test_123', apiBase: stripeMock.url }),
    );
    const { paymentIntentId } = await gateway.openPaymentIntent(intentFor);
    assert.match(paymentIntentId, /^pi_/);
    // stripe-mock keeps nothing and accepts a confirm of any id: its fixture answers succeeded.
    const result = await gateway.confirmPaymentIntent({ ...charge, paymentIntentId });
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(await gateway.checkPaymentIntent(paymentIntentId), {
      outcome: 'succeeded',
      paymentIntentId: result.paymentIntentId,
    });
    const refund = await gateway.refund({
      orderId: 'ord-42',
      paymentIntentId: result.paymentIntentId,
      amount: 4200,
      reason: 'test',
    });
    assert.match(refund.refundId, /^re_/);
  });

  it('charges through stripe-mock as orders started before the one PaymentIntent do, and refunds it', async () => {
    const gateway = createStripeGateway(
      createStripeClient({ secretKey: 'sk_test_123', apiBase: stripeMock.url }),
    );
    const result = await gateway.charge(charge);
    assert.match(result.paymentIntentId, /^pi_/);
    assert.equal(result.status, 'succeeded');
    const refund = await gateway.refund({
      orderId: 'ord-42',
      paymentIntentId: result.paymentIntentId,
      amount: 4200,
      reason: 'test',
    });
    assert.match(refund.refundId, /^re_/);
    assert.equal(refund.amount, 4200);
  });

  it('a PaymentIntent left needing a payment method is a decline, not a success', async () => {
    const gateway = createStripeGateway(
      createStripeClient({ secretKey: 'sk_test_123', apiBase: bundledMock.url }),
    );
    const failure = await failureOf(gateway.charge(charge));
    assert.equal(failure.type, PAYMENT_DECLINED);
    assert.equal(failure.nonRetryable, true);
    const confirmed = await failureOf(gateway.confirmPaymentIntent({ ...charge, paymentIntentId: 'pi_123' }));
    assert.equal(confirmed.type, PAYMENT_DECLINED);
    assert.equal(confirmed.nonRetryable, true);
  });

  it("maps Stripe's 402 card_error to a non-retryable PaymentDeclined with the decline code", async () => {
    const fake = await startFakeStripe({
      status: 402,
      body: {
        error: {
          type: 'card_error',
          code: 'card_declined',
          decline_code: 'insufficient_funds',
          message: 'Your card has insufficient funds.',
          param: '',
        },
      },
    });
    try {
      const gateway = createStripeGateway(
        createStripeClient({ secretKey: 'sk_test_123', apiBase: fake.url }),
      );
      const failure = await failureOf(gateway.confirmPaymentIntent({ ...charge, paymentIntentId: 'pi_1' }));
      assert.equal(failure.type, PAYMENT_DECLINED);
      assert.equal(failure.nonRetryable, true);
      assert.deepEqual(failure.details?.[0], {
        code: 'card_declined',
        declineCode: 'insufficient_funds',
        message: 'Your card has insufficient funds.',
      });
    } finally {
      await fake.close();
    }
  });

  it('5xx, 429 and lock timeouts are retryable; a bad request is a decline', async () => {
    const fake = await startFakeStripe({
      status: 500,
      body: { error: { type: 'api_error', message: 'boom' } },
    });
    try {
      const gateway = createStripeGateway(
        createStripeClient({ secretKey: 'sk_test_123', apiBase: fake.url }),
      );
      assert.equal((await failureOf(gateway.charge(charge))).nonRetryable, false);
      fake.script.push({
        status: 429,
        body: { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'slow down' } },
      });
      assert.equal((await failureOf(gateway.charge(charge))).nonRetryable, false);
      fake.script.push({
        status: 400,
        body: { error: { type: 'invalid_request_error', code: 'lock_timeout', message: 'locked' } },
      });
      assert.equal((await failureOf(gateway.charge(charge))).nonRetryable, false);
      fake.script.push({
        status: 400,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'resource_missing',
            message: 'No such PaymentMethod',
          },
        },
      });
      const bad = await failureOf(gateway.charge(charge));
      assert.equal(bad.nonRetryable, true);
      assert.equal(bad.type, PAYMENT_DECLINED);
    } finally {
      await fake.close();
    }
  });

  describe('idempotency under Temporal retries', () => {
    let env: TestWorkflowEnvironment;
    let proxy: FakeServer;
    before(async () => {
      env = await timeSkippingEnv();
      proxy = await startRecordingProxy(stripeMock.url);
    });
    after(async () => {
      await proxy?.close();
      await env?.teardown();
    });

    it("every request for the order's PaymentIntent, its charge and its refund carries one key each, however often it is retried", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stripe-idem-'));
      const recorder = new DevRecorder(dir, () => undefined);
      const store = openSqliteOrderStore(':memory:');
      const activities = createCheckoutActivities({
        store,
        payments: createStripeGateway(createStripeClient({ secretKey: 'sk_test_123', apiBase: proxy.url })),
        mailer: createDevMailer(recorder),
        events: createDevPublisher(recorder),
        settings: TEST_SETTINGS,
        fromEmail: 'orders@example.com',
      });
      const stripeDown = {
        status: 503,
        body: { error: { type: 'api_error', message: 'Stripe is having a moment' } },
      };
      // The creation fails once, the charge (the confirm) twice; `{}` passes a request through.
      proxy.script.push(stripeDown, {}, stripeDown, stripeDown);
      const order = placedOrder();
      const taskQueue = 'stripe-idempotency';
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: await workflowBundle(),
        activities,
      });
      await worker.runUntil(async () => {
        const handle = await env.client.workflow.start(checkoutWorkflow, {
          workflowId: `order-${order.orderId}`,
          taskQueue,
          args: [order],
        });
        await settle(handle); // the remorse window's timer is running
        await env.sleep('1h'); // and now over
        await waitForStatus(handle, 'Paid');
        proxy.script.push(stripeDown);
        await handle.signal(cancelOrderSignal, { requestedBy: 'support:sam' });
        const final = await handle.result();
        assert.equal(final.status, 'Refunded');
      });
      await store.close();

      const opens = proxy.requests.filter((r) => r.path === '/v1/payment_intents');
      const charges = proxy.requests.filter((r) => /^\/v1\/payment_intents\/[^/]+\/confirm$/.test(r.path));
      const refunds = proxy.requests.filter((r) => r.path === '/v1/refunds');
      assert.equal(opens.length, 2, 'one failed creation and one that went through');
      assert.deepEqual(
        new Set(opens.map((r) => r.headers['idempotency-key'])),
        new Set([`order-${order.orderId}-payment-intent`]),
      );
      assert.equal(charges.length, 3, 'two failed attempts and one that went through');
      assert.deepEqual(
        new Set(charges.map((r) => r.headers['idempotency-key'])),
        new Set([`order-${order.orderId}-charge-1`]),
      );
      assert.equal(new Set(charges.map((r) => r.path)).size, 1, 'every attempt confirms the one intent');
      assert.equal(refunds.length, 2);
      assert.deepEqual(
        new Set(refunds.map((r) => r.headers['idempotency-key'])),
        new Set([`order-${order.orderId}-refund`]),
      );
    });
  });

  it("finds, confirms and settles against stripe-mock's shapes: search by metadata, retrieve, refund retrieve", async () => {
    const gateway = createStripeGateway(
      createStripeClient({ secretKey: 'sk_test_123', apiBase: stripeMock.url }),
    );
    // stripe-mock keeps nothing: its search answers fixtures of no order of ours, so nothing is found.
    assert.deepEqual(await gateway.findPayment({ orderId: 'ord-none', paymentIntentIds: [] }), {
      outcome: 'none',
    });
    const charged = await gateway.charge(charge);
    const found = await gateway.findPayment({
      orderId: 'ord-42',
      paymentIntentIds: [charged.paymentIntentId],
    });
    assert.equal(found.outcome, 'succeeded');
    assert.match(found.paymentIntentId ?? '', /^pi_/);
    assert.equal((await gateway.confirmPayment(charged.paymentIntentId)).status, 'succeeded');
    const refund = await gateway.refund({
      orderId: 'ord-42',
      paymentIntentId: charged.paymentIntentId,
      amount: 4200,
      reason: 'test',
    });
    const settled = await gateway.confirmRefund(refund.refundId);
    assert.match(settled.refundId, /^re_/);
    assert.equal(settled.status, 'succeeded');
  });

  describe("the order's one PaymentIntent against a fake Stripe with state", () => {
    let stripe: StatefulFakeStripe;
    let gateway: ReturnType<typeof createStripeGateway>;
    before(async () => {
      stripe = await startStatefulFakeStripe();
      gateway = createStripeGateway(createStripeClient({ secretKey: 'sk_test_123', apiBase: stripe.url }));
    });
    after(async () => {
      await stripe?.close();
    });
    const forOrder = (orderId: string) => ({
      intent: { ...intentFor, orderId },
      attempt: (paymentAttempt: number, paymentMethod: string) => ({
        ...charge,
        orderId,
        paymentAttempt,
        paymentMethod,
      }),
    });
    const chargesOn = (paymentIntentId: string) =>
      stripe.charges.filter((c) => c.paymentIntentId === paymentIntentId);

    it('is created once under the order key, however often that is asked, and charges nothing', async () => {
      const order = forOrder('ord-open');
      const first = await gateway.openPaymentIntent(order.intent);
      const again = await gateway.openPaymentIntent(order.intent);
      assert.equal(again.paymentIntentId, first.paymentIntentId);
      const created = stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents');
      assert.deepEqual(
        created.map((r) => [r.headers['idempotency-key'], r.status]),
        [
          ['order-ord-open-payment-intent', 200],
          ['order-ord-open-payment-intent', 200],
        ],
      );
      assert.equal(
        [...stripe.intents.values()].filter((i) => (i.metadata as { orderId: string }).orderId === 'ord-open')
          .length,
        1,
      );
      const intent = stripe.intents.get(first.paymentIntentId)!;
      assert.equal(intent.status, 'requires_payment_method', 'not confirmed: nothing charged');
      assert.equal(new URLSearchParams(created[0]!.body).get('confirm'), null);
      assert.deepEqual(await gateway.checkPaymentIntent(first.paymentIntentId), { outcome: 'none' });
    });

    it('an attempt confirms it; a confirm of the succeeded intent (another attempt, another method) is reported succeeded and charges nothing more', async () => {
      const order = forOrder('ord-twice');
      const { paymentIntentId } = await gateway.openPaymentIntent(order.intent);
      assert.deepEqual(
        await gateway.confirmPaymentIntent({ ...order.attempt(1, 'pm_card_visa'), paymentIntentId }),
        {
          paymentIntentId,
          status: 'succeeded',
        },
      );
      // Attempt 2 under its own key: Stripe refuses to confirm a succeeded intent.
      assert.deepEqual(
        await gateway.confirmPaymentIntent({ ...order.attempt(2, 'pm_card_mastercard'), paymentIntentId }),
        { paymentIntentId, status: 'succeeded' },
      );
      const confirms = stripe.requests.filter(
        (r) => r.path === `/v1/payment_intents/${paymentIntentId}/confirm`,
      );
      assert.deepEqual(
        confirms.map((r) => [r.headers['idempotency-key'], r.status]),
        [
          ['order-ord-twice-charge-1', 200],
          ['order-ord-twice-charge-2', 400],
        ],
      );
      assert.deepEqual(
        chargesOn(paymentIntentId).map((c) => [c.paymentMethod, c.status]),
        [['pm_card_visa', 'succeeded']],
        'charged once, with the first method',
      );
    });

    it('a declined card leaves the intent to the next attempt, which confirms it with another method', async () => {
      const order = forOrder('ord-declined');
      const { paymentIntentId } = await gateway.openPaymentIntent(order.intent);
      const failure = await failureOf(
        gateway.confirmPaymentIntent({ ...order.attempt(1, 'pm_card_chargeDeclined'), paymentIntentId }),
      );
      assert.equal(failure.type, PAYMENT_DECLINED);
      assert.equal(failure.nonRetryable, true);
      assert.deepEqual(failure.details?.[0], {
        code: 'card_declined',
        declineCode: 'generic_decline',
        message: 'Your card was declined.',
      });
      assert.equal(stripe.intents.get(paymentIntentId)!.status, 'requires_payment_method');
      assert.deepEqual(await gateway.checkPaymentIntent(paymentIntentId), { outcome: 'none' });
      assert.deepEqual(
        await gateway.confirmPaymentIntent({ ...order.attempt(2, 'pm_card_visa'), paymentIntentId }),
        { paymentIntentId, status: 'succeeded' },
      );
      assert.deepEqual(
        chargesOn(paymentIntentId).map((c) => c.paymentMethod),
        ['pm_card_visa'],
      );
    });

    it('a processing intent is reported processing to a later attempt, not confirmed again', async () => {
      const order = forOrder('ord-processing');
      const { paymentIntentId } = await gateway.openPaymentIntent(order.intent);
      stripe.charge = 'processing';
      try {
        const first = await gateway.confirmPaymentIntent({
          ...order.attempt(1, 'pm_card_visa'),
          paymentIntentId,
        });
        assert.equal(first.status, 'processing');
        stripe.charge = 'succeed';
        const second = await gateway.confirmPaymentIntent({
          ...order.attempt(2, 'pm_card_amex'),
          paymentIntentId,
        });
        assert.deepEqual(second, { paymentIntentId, status: 'processing' });
        assert.deepEqual(await gateway.checkPaymentIntent(paymentIntentId), {
          outcome: 'processing',
          paymentIntentId,
        });
        assert.equal(chargesOn(paymentIntentId).length, 1);
      } finally {
        stripe.charge = 'succeed';
      }
    });

    it("while Stripe's search lags, the old lookup finds nothing; the intent read by id says succeeded", async () => {
      const order = forOrder('ord-lagging');
      stripe.searchDelayMs = 60_000;
      try {
        const { paymentIntentId } = await gateway.openPaymentIntent(order.intent);
        await gateway.confirmPaymentIntent({ ...order.attempt(1, 'pm_card_visa'), paymentIntentId });
        // What orders started before the one PaymentIntent ask after an attempt whose answer was lost.
        assert.deepEqual(await gateway.findPayment({ orderId: 'ord-lagging', paymentIntentIds: [] }), {
          outcome: 'none',
        });
        assert.deepEqual(await gateway.checkPaymentIntent(paymentIntentId), {
          outcome: 'succeeded',
          paymentIntentId,
        });
      } finally {
        stripe.searchDelayMs = 0;
      }
      // Once indexed, search finds it too.
      assert.equal(
        (await gateway.findPayment({ orderId: 'ord-lagging', paymentIntentIds: [] })).outcome,
        'succeeded',
      );
    });
  });

  describe('an attempt whose answer is lost, a support retry at once, then a batch retry (fake Stripe with state, time-skipping)', () => {
    let env: TestWorkflowEnvironment;
    let stripe: StatefulFakeStripe;
    before(async () => {
      env = await timeSkippingEnv();
      stripe = await startStatefulFakeStripe();
    });
    after(async () => {
      await stripe?.close();
      await env?.teardown();
    });

    it('charges the card exactly once and the order is Paid once; a refund refused for good is asked once', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stripe-unconfirmed-'));
      const recorder = new DevRecorder(dir, () => undefined);
      const store = openSqliteOrderStore(':memory:');
      const stripeGateway = createStripeGateway(
        createStripeClient({ secretKey: 'sk_test_123', apiBase: stripe.url }),
      );
      const activities = createCheckoutActivities({
        store,
        payments: stripeGateway,
        mailer: createDevMailer(recorder),
        events: createDevPublisher(recorder),
        settings: { ...TEST_SETTINGS, paymentAttemptTimeoutMs: 3_600_000 },
        fromEmail: 'orders@example.com',
      });
      // An incident: Stripe takes the money and answers 500, and keeps that 500 under the key.
      stripe.charge = 'charge-then-500';
      // Search lags behind the charge for longer than this test runs, as in an outage.
      stripe.searchDelayMs = 10 * 60_000;
      stripe.refund = 'already-refunded';
      const order = placedOrder();
      const taskQueue = 'stripe-unconfirmed';
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: await workflowBundle(),
        activities,
      });
      const { final, batch, paid } = await worker.runUntil(async () => {
        const handle = await env.client.workflow.start(checkoutWorkflow, {
          workflowId: `order-${order.orderId}`,
          taskQueue,
          args: [order],
        });
        await settle(handle);
        await env.sleep('1h'); // the remorse window
        await env.sleep('70m'); // Stripe replays its 500 past the attempt's deadline
        const unconfirmed = await waitForStatus(handle, 'PaymentUnconfirmed');
        assert.equal(unconfirmed.payment?.status, 'unconfirmed');
        assert.equal(stripe.charges.length, 1, 'the first attempt took the money');
        assert.deepEqual(
          await stripeGateway.findPayment({ orderId: order.orderId, paymentIntentIds: [] }),
          { outcome: 'none' },
          "Stripe's search does not show the charge yet",
        );
        // Support retries at once, with another card, as the back office's retry does.
        await handle.executeUpdate(retryPaymentUpdate, {
          args: [{ paymentMethod: 'pm_card_mastercard', requestedBy: 'support:sam' }],
        });
        await env.sleep('70m');
        // The incident is over; support retries every failed order of it in one batch.
        stripe.charge = 'succeed';
        const batch = await handle
          .executeUpdate(retryPaymentUpdate, {
            args: [{ paymentMethod: 'pm_card_amex', requestedBy: 'support:batch' }],
          })
          .catch((err: unknown) => err);
        const paid = await waitForStatus(handle, 'Paid');
        await handle.signal(cancelOrderSignal, { requestedBy: 'support:sam' });
        return { final: await handle.result(), batch, paid };
      });
      await store.close();

      assert.deepEqual(
        stripe.charges.map((c) => [c.paymentMethod, c.status]),
        [['pm_card_visa', 'succeeded']],
        'exactly one charge: the first attempt, whose answer was lost',
      );
      assert.equal(paid.payment?.paymentIntentId, stripe.charges[0]?.paymentIntentId);
      assert.deepEqual(refusalOf(batch)?.details, { reason: 'not_awaiting_payment', status: 'Paid' });
      const timeline = final.timeline ?? [];
      assert.equal(timeline.filter((t) => t.kind === 'paid').length, 1, 'paid once');
      assert.equal(timeline.filter((t) => t.detail === 'Status: Paid').length, 1, 'Paid once');
      const events = fs.readFileSync(recorder.file('events'), 'utf8');
      assert.equal(events.match(/"type":"order\.paid"/g)?.length, 1);
      const [intent] = [...stripe.intents.keys()];
      assert.equal(stripe.intents.size, 1, "the order's one PaymentIntent");
      assert.ok(
        stripe.requests
          .filter((r) => r.method === 'POST' && r.path.startsWith('/v1/payment_intents/'))
          .every((r) => r.path === `/v1/payment_intents/${intent}/confirm`),
        'every attempt confirmed that intent',
      );
      assert.equal(
        stripe.requests.filter((r) => r.path.startsWith('/v1/payment_intents/search')).length,
        1,
        "the process never asked Stripe's search (the one search is the test's own)",
      );

      assert.equal(final.status, 'Cancelled');
      assert.equal(final.refund?.status, 'failed');
      assert.match(final.refund?.failureReason ?? '', /already been refunded/);
      const refunds = stripe.requests.filter((r) => r.path === '/v1/refunds');
      assert.equal(refunds.length, 1, 'refused for good: asked once');
      assert.equal(
        new URLSearchParams(refunds[0]!.body).get('payment_intent'),
        intent,
        'against the one intent',
      );
      const emails = fs.readFileSync(recorder.file('emails'), 'utf8');
      assert.ok(!emails.includes('"order_refunded"'), 'the customer is not told of a refund');
      assert.equal(emails.match(/"support_refund_failed"/g)?.length, 1, 'support alerted once');
    });
  });
});
