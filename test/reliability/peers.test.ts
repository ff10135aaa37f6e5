/**
 * Faults in the peers, caused on 127.0.0.1 while the real worker process (`worker.ts`) runs orders:
 * Stripe answering 500s and then too slowly (a recording proxy in front of stripe-mock), SendGrid
 * answering 429 with its rate-limit headers and then 500s (the FAKE SendGrid endpoint, which has no
 * runnable original), and the RabbitMQ broker stopped for a minute while orders are paid. Each ends
 * with the order in its right final state, one idempotency key per charge, and every fact delivered
 * under its one messageId.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import amqp from 'amqplib';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { OrderStatus } from '../../domain/checkout';
import { startBroker, type Broker } from '../../scripts/rabbitmq';
import { cancelOrderSignal, orderShippedSignal, orderStatusQuery } from '../../workflows/checkout/messages';
import { placedOrder } from '../helpers/checkout-scenario';
import {
  confirmsPaymentIntent,
  startFakeSendGrid,
  startRecordingProxy,
  type FakeServer,
} from '../../scripts/http-fakes';
import {
  assertEachFactOnce,
  killLeftovers,
  recorded,
  reportFigures,
  startWorkerProcess,
  until,
  type RunningProcess,
} from '../helpers/processes';
import { startStripeMock, type RunningStripeMock } from '../../scripts/stripe-mock';
import { devServerEnv, waitForStatus } from '../helpers/temporal';

/** How long the broker stays down (a minute, as promised; shorter only when asked). */
const BROKER_OUTAGE_MS = Number(process.env.FAULT_BROKER_OUTAGE_MS ?? 60_000);

describe('faults in the peers', () => {
  let env: TestWorkflowEnvironment;
  let stripeMock: RunningStripeMock;

  before(async () => {
    env = await devServerEnv();
    stripeMock = await startStripeMock('succeed');
  });
  after(async () => {
    killLeftovers();
    await stripeMock?.stop();
    await env?.teardown();
  });

  /** A worker process on its own task queue and data folder, with `peers` as its configuration. */
  async function worker(name: string, peers: NodeJS.ProcessEnv) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `fault-${name}-`));
    const taskQueue = `fault-${name}`;
    const proc = await startWorkerProcess({
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATA_DIR: dataDir,
      ORDER_REMORSE_WINDOW: '1s',
      RETURN_WINDOW: '1s',
      ...peers,
    });
    const place = async () => {
      const order = placedOrder();
      const handle = await env.client.workflow.start('checkoutWorkflow', {
        workflowId: `order-${order.orderId}`,
        taskQueue,
        args: [order],
      });
      return { order, handle };
    };
    return { proc, outbox: path.join(dataDir, 'dev-outbox'), place };
  }

  const finalStatus = async (handle: WorkflowHandle, ms = 60_000): Promise<OrderStatus> => {
    await until('the order to finish', async () => (await handle.describe()).status.name !== 'RUNNING', ms);
    return ((await handle.result()) as { status: OrderStatus }).status;
  };

  it('Stripe answers 500 twice, then too slowly: the charge goes through once, under one key', async () => {
    const proxy = await startRecordingProxy(stripeMock.url);
    let running: RunningProcess | undefined;
    try {
      const stripeError = { error: { type: 'api_error', message: 'An unknown error occurred' } };
      // The order's PaymentIntent is created; the faults hit its charge (the confirmation).
      proxy.only = confirmsPaymentIntent;
      proxy.script = [
        { status: 500, body: stripeError },
        { status: 500, body: stripeError },
        // Longer than the client's 20 s timeout; stripe-mock still gets the request and answers.
        { delayMs: 25_000 },
      ];
      const w = await worker('stripe', { STRIPE_SECRET_KEY: 'sk_test_fault', STRIPE_API_BASE: proxy.url });
      running = w.proc;
      const { order, handle } = await w.place();
      await until(
        'the order to be paid',
        async () => (await handle.query(orderStatusQuery)).status === 'Paid',
        150_000,
      );
      const paid = await handle.query(orderStatusQuery);
      assert.equal(paid.paymentAttempts, 1, 'one payment attempt, however many requests it took');

      const opened = proxy.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents');
      assert.deepEqual(
        opened.map((r) => [r.status, r.headers['idempotency-key']]),
        [[200, `order-${order.orderId}-payment-intent`]],
      );
      const charges = proxy.requests.filter(confirmsPaymentIntent);
      assert.deepEqual(
        charges.map((r) => [r.status, r.upstreamStatus]),
        [
          [500, undefined],
          [500, undefined],
          [undefined, 200], // Stripe charged; the answer came after the client had given up
          [200, 200],
        ],
      );
      assert.deepEqual(
        new Set(charges.map((r) => r.headers['idempotency-key'])),
        new Set([`order-${order.orderId}-charge-1`]),
        'every request for the charge carries its one key, so Stripe charges once',
      );
      await handle.signal(cancelOrderSignal, { requestedBy: 'test' });
      assert.equal(await finalStatus(handle), 'Refunded');
      const refunds = proxy.requests.filter((r) => r.path === '/v1/refunds');
      assert.deepEqual(
        refunds.map((r) => [r.status, r.headers['idempotency-key']]),
        [[200, `order-${order.orderId}-refund`]],
      );
      assertEachFactOnce(
        recorded(w.outbox, 'events'),
        ['received', 'accepted', 'paid', 'refunded'].map((fact) => `${order.orderId}:order.${fact}`),
      );
    } finally {
      await running?.stop();
      await proxy.close();
    }
  });

  it('SendGrid answers 429 with its rate-limit headers, then 500s: the email waits for the reset and goes once', async () => {
    const sendgrid: FakeServer = await startFakeSendGrid();
    let running: RunningProcess | undefined;
    try {
      const w = await worker('sendgrid', {
        SENDGRID_API_KEY: 'SG.fault-test-key',
        SENDGRID_BASE_URL: sendgrid.url,
      });
      running = w.proc;
      // SendGrid's rate-limit answer: the limit, none left, and when (epoch seconds) it resets.
      const resetAt = Math.ceil(Date.now() / 1000) + 5;
      const serverError = { status: 500, body: { errors: [{ message: 'internal error' }] } };
      sendgrid.script = [
        {
          status: 429,
          body: { errors: [{ message: 'too many requests', field: null, help: null }] },
          headers: {
            'X-RateLimit-Limit': '600',
            'X-RateLimit-Remaining': '0',
            'X-RateLimit-Reset': String(resetAt),
          },
        },
        serverError,
        serverError,
      ];
      const { order, handle } = await w.place();
      await waitForStatus(handle, 'Paid');
      await until(
        'the confirmation to be accepted',
        () => sendgrid.requests.some((r) => r.status === 202),
        120_000,
      );
      await handle.signal(orderShippedSignal, { trackingNumber: 'fault-1' });
      assert.equal(await finalStatus(handle), 'Completed');

      assert.ok(
        sendgrid.requests.every((r) => typeof r.headers['x-message-key'] === 'string'),
        'every email carries its message key',
      );
      const tries = sendgrid.requests.filter((r) => String(r.body).includes('order_confirmation'));
      assert.deepEqual(
        tries.map((r) => r.status),
        [429, 500, 500, 202],
      );
      assert.equal(new Set(tries.map((r) => r.headers['x-message-key'])).size, 1, 'one message, tried again');
      assert.ok(
        tries[1]!.at >= resetAt * 1000 - 1_000 && tries[1]!.at - tries[0]!.answeredAt! >= 2_000,
        `after the 429 it waited for the reset (${tries[1]!.at - tries[0]!.answeredAt!} ms), not the usual 1 s backoff`,
      );
      assert.equal(
        sendgrid.requests.filter((r) => r.status === 202).length,
        1,
        `one email accepted for order ${order.orderId}`,
      );
    } finally {
      await running?.stop();
      await sendgrid.close();
    }
  });

  it(`RabbitMQ stopped for ${BROKER_OUTAGE_MS / 1000} s while orders are paid: every fact arrives, under its one messageId`, async () => {
    let broker: Broker | undefined = await startBroker();
    let running: RunningProcess | undefined;
    try {
      const audit = await amqp.connect(broker.url);
      const channel = await audit.createChannel();
      await channel.assertExchange('commerce', 'topic', { durable: true });
      await channel.assertQueue('fault-audit', { durable: true });
      await channel.bindQueue('fault-audit', 'commerce', '#');
      await audit.close();

      const w = await worker('broker', { AMQP_URL: broker.url });
      running = w.proc;
      const location = broker.location;
      await broker.stop({ keepData: true });
      const outageStarted = Date.now();
      const orders = await Promise.all(Array.from({ length: 6 }, () => w.place()));
      for (const { handle } of orders)
        await until('paid', async () => (await handle.query(orderStatusQuery)).status === 'Paid', 60_000);
      const paidWhileDown = Date.now() - outageStarted;
      assert.ok(paidWhileDown < BROKER_OUTAGE_MS, 'the orders were paid while the broker was down');
      await new Promise((r) => setTimeout(r, Math.max(0, BROKER_OUTAGE_MS - (Date.now() - outageStarted))));
      broker = await startBroker(location);

      for (const { handle } of orders) await handle.signal(orderShippedSignal, { trackingNumber: 'fault-1' });
      for (const { handle } of orders) assert.equal(await finalStatus(handle, 240_000), 'Completed');

      const expected = orders.flatMap(({ order }) =>
        ['received', 'accepted', 'paid', 'shipped', 'completed'].map(
          (fact) => `${order.orderId}:order.${fact}`,
        ),
      );
      const consumer = await amqp.connect(broker.url);
      const ch = await consumer.createChannel();
      const delivered: Record<string, unknown>[] = [];
      await until(
        'every fact to reach the queue',
        async () => {
          for (
            let m = await ch.get('fault-audit', { noAck: true });
            m;
            m = await ch.get('fault-audit', { noAck: true })
          ) {
            const body = JSON.parse(m.content.toString()) as Record<string, unknown>;
            assert.equal(m.properties.messageId, body.messageId);
            delivered.push(body);
          }
          return new Set(delivered.map((d) => d.messageId)).size >= expected.length;
        },
        240_000,
      );
      await consumer.close();
      const repeats = assertEachFactOnce(delivered, expected);
      reportFigures('fault-rabbitmq-down', {
        outageMs: BROKER_OUTAGE_MS,
        orders: orders.length,
        paidWhileDownWithinMs: paidWhileDown,
        facts: expected.length,
        repeated: repeats,
        tookMs: Date.now() - outageStarted,
      });
    } finally {
      await running?.stop();
      await broker?.stop();
    }
  });
});
