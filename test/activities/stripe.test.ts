/**
 * The Stripe adapter against stripe-mock (Stripe's own simulator), the decline mapping against a
 * fake answering Stripe's 402 card_error, and the proof that every Stripe request for one order
 * carries the same idempotency key even when Temporal retries the activity.
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
import { cancelOrderSignal, retryPaymentSignal } from '../../workflows/checkout/messages';
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

describe('Stripe payments', () => {
  let stripeMock: RunningStripeMock;
  let bundledMock: RunningStripeMock;
  before(async () => {
    [stripeMock, bundledMock] = await Promise.all([startStripeMock('succeed'), startStripeMock('bundled')]);
  });
  after(async () => {
    await Promise.all([stripeMock?.stop(), bundledMock?.stop()]);
  });

  it('charges through stripe-mock and refunds the PaymentIntent', async () => {
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
      const failure = await failureOf(gateway.charge(charge));
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

    it('every request for one charge and one refund carries the same key, however often it is retried', async () => {
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
      proxy.script.push(stripeDown, stripeDown);
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

      const charges = proxy.requests.filter((r) => r.path === '/v1/payment_intents');
      const refunds = proxy.requests.filter((r) => r.path === '/v1/refunds');
      assert.equal(charges.length, 3, 'two failed attempts and one that went through');
      assert.deepEqual(
        new Set(charges.map((r) => r.headers['idempotency-key'])),
        new Set([`order-${order.orderId}-charge-1`]),
      );
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

  describe('a charge that took the money but answered 500, replayed under its key (fake Stripe with state)', () => {
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

    it("PaymentUnconfirmed at the deadline, the retry finds the intent by the order's metadata: one PaymentIntent, one key; a refund refused for good is asked once", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stripe-unconfirmed-'));
      const recorder = new DevRecorder(dir, () => undefined);
      const store = openSqliteOrderStore(':memory:');
      const activities = createCheckoutActivities({
        store,
        payments: createStripeGateway(createStripeClient({ secretKey: 'sk_test_123', apiBase: stripe.url })),
        mailer: createDevMailer(recorder),
        events: createDevPublisher(recorder),
        settings: { ...TEST_SETTINGS, paymentAttemptTimeoutMs: 3_600_000 },
        fromEmail: 'orders@example.com',
      });
      stripe.charge = 'charge-then-500';
      stripe.refund = 'already-refunded';
      const order = placedOrder();
      const taskQueue = 'stripe-unconfirmed';
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: await workflowBundle(),
        activities,
      });
      const final = await worker.runUntil(async () => {
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
        stripe.charge = 'succeed'; // Stripe is well again; a new key would charge the card again
        await handle.signal(retryPaymentSignal, {
          paymentMethod: 'pm_card_mastercard',
          requestedBy: 'support:sam',
        });
        const paid = await waitForStatus(handle, 'Paid');
        assert.equal(paid.payment?.paymentIntentId, [...stripe.intents.keys()][0]);
        await handle.signal(cancelOrderSignal, { requestedBy: 'support:sam' });
        return handle.result();
      });
      await store.close();

      assert.equal(stripe.intents.size, 1, 'one PaymentIntent: the card was charged once');
      const charges = stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents');
      assert.ok(charges.length >= 3, `retried within the deadline (${charges.length} requests)`);
      assert.deepEqual(
        new Set(charges.map((r) => r.headers['idempotency-key'])),
        new Set([`order-${order.orderId}-charge-1`]),
      );
      assert.ok(
        charges.every((r) => r.status === 500),
        'every answer the stored 500',
      );
      assert.equal(stripe.requests.filter((r) => r.path.startsWith('/v1/payment_intents/search')).length, 1);

      assert.equal(final.status, 'Cancelled');
      assert.equal(final.refund?.status, 'failed');
      assert.match(final.refund?.failureReason ?? '', /already been refunded/);
      assert.equal(
        stripe.requests.filter((r) => r.path === '/v1/refunds').length,
        1,
        'refused for good: asked once',
      );
      const emails = fs.readFileSync(recorder.file('emails'), 'utf8');
      assert.ok(!emails.includes('"order_refunded"'), 'the customer is not told of a refund');
      assert.equal(emails.match(/"support_refund_failed"/g)?.length, 1, 'support alerted once');
    });
  });
});
