/** Experiment 2: checkouts placed through the API as production runs it, with stripe-mock, RabbitMQ and the SendGrid fake. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import amqp from 'amqplib';
import { signToken } from '../../api/auth';
import type { PlaceOrderBody } from '../../api/checkout/contract';
import { loadConfig } from '../../config/settings';
import { checkoutStartOptions } from '../../workflows/checkout/messages';
import { orderTotal } from '../../domain/checkout';
import { freePort } from '../../scripts/net';
import {
  appStackEnv,
  cpuMs,
  startApiProcess,
  startWorkerProcess,
  type RunningProcess,
} from '../../scripts/processes';
import { startBroker } from '../../scripts/rabbitmq';
import { startFakeSendGrid, startRecordingProxy, type FakeServer } from '../../scripts/http-fakes';
import { startStripeMock } from '../../scripts/stripe-mock';
import { type ThroughputRun } from '../report';

import {
  BUNDLE,
  CLIENTS,
  COMPILED,
  PACED_SHARE,
  say,
  SECRET,
  tuning,
  WORKER_NODE_OPTIONS,
  WORKFLOWS,
} from '../settings';
import { freshTemporal, measure, order, SERVER_WORDS, type BenchServer } from '../harness';

/** (2) Checkouts placed through the API, with stripe-mock, RabbitMQ and the SendGrid fake. */
export async function checkout(
  server: BenchServer = 'file',
  /** Traced: the worker and the API send every span to this Zipkin (experiments/tracing.ts). */
  tracing?: { zipkinSpansUrl: string },
): Promise<{ run: ThroughputRun; activitiesPerCheckout: number }> {
  const label = tracing
    ? 'checkout, traced (every span to Zipkin)'
    : server === 'file'
      ? 'checkout (through the API)'
      : `checkout (${SERVER_WORDS[server]})`;
  say(`${label}: ${WORKFLOWS} orders, ${CLIENTS} clients, remorse window 0`);
  const temporal = await freshTemporal(server);
  const stripeMock = await startStripeMock('succeed');
  // A recording proxy in front of stripe-mock: when each charge request arrives (click to charge).
  const stripe = await startRecordingProxy(stripeMock.url);
  const sendgrid = await startFakeSendGrid();
  const broker = await startBroker();
  const processes: RunningProcess[] = [];
  try {
    const admin = await amqp.connect(broker.url);
    const channel = await admin.createChannel();
    await channel.assertExchange('commerce', 'topic', { durable: true });
    await channel.assertQueue('bench-paid', { durable: false });
    await channel.bindQueue('bench-paid', 'commerce', 'order.paid');

    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-app-'));
    const metricsAddress = `127.0.0.1:${await freePort()}`;
    const stack = await appStackEnv({
      temporalAddress: temporal.server.address,
      taskQueue: 'bench-checkout',
      dataDir,
      jwtSecret: SECRET,
    });
    const env = {
      ...tuning,
      ...stack.env,
      ORDER_REMORSE_WINDOW: '0s',
      STRIPE_SECRET_KEY: 'sk_test_bench',
      STRIPE_API_BASE: stripe.url,
      // stripe-mock has no rate limit: this run measures the stack, not Stripe's pace (the outage
      // scenario does, against a fake that keeps Stripe's limit).
      STRIPE_MAX_REQUESTS_PER_SECOND: '1000',
      SENDGRID_API_KEY: 'SG.bench',
      SENDGRID_BASE_URL: sendgrid.url,
      AMQP_URL: broker.url,
      WORKER_METRICS_ADDRESS: metricsAddress,
      WORKFLOW_BUNDLE: BUNDLE,
      ...(tracing ? { OTEL_EXPORTER_ZIPKIN_ENDPOINT: tracing.zipkinSpansUrl } : {}),
    };
    processes.push(
      await startWorkerProcess(
        { ...env, ...(WORKER_NODE_OPTIONS ? { NODE_OPTIONS: WORKER_NODE_OPTIONS } : {}) },
        COMPILED.worker,
      ),
    );
    processes.push(await startApiProcess(env, COMPILED.api));
    const token = await signToken(SECRET, { role: 'storefront', sub: 'bench' });
    const body = (id: string): PlaceOrderBody => ({
      orderId: id,
      customer: { id: 'bench', email: `${id}@example.com` },
      items: [{ sku: 'book', quantity: 1, unitPrice: 1_500 }],
      currency: 'usd',
      paymentMethod: 'pm_card_visa',
    });
    const place = async (id: string) => {
      const response = await fetch(`${stack.base}/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body(id)),
      });
      if (response.status !== 202)
        throw new Error(`POST /orders answered ${response.status}: ${await response.text()}`);
    };
    // What the API does for that order, minus the API: the raw client sends the same request, with
    // the settings the API reads from the same environment.
    const settings = loadConfig({ ...process.env, ...env }).checkout;
    const placeRaw = async (id: string) => {
      const placed = body(id);
      await temporal.client.workflow.start(
        'checkoutWorkflow',
        checkoutStartOptions(
          { ...order(id), ...placed, total: orderTotal(placed.items) },
          '0'.repeat(64) /* the size of the API's request fingerprint */,
          'bench-checkout',
          settings,
        ),
      );
    };
    // Done: the confirmation accepted by SendGrid and order.paid in RabbitMQ, for each order.
    const confirmed = () =>
      sendgrid.requests.filter((r) => r.status === 202 && r.body.includes('order_confirmation')).length;
    const doneCount = async () =>
      Math.min(confirmed(), (await channel.checkQueue('bench-paid')).messageCount);
    const run = await measure({
      label,
      pacedPerSecond: (burst) => burst * PACED_SHARE,
      metricsAddress,
      start: place,
      rawStart: placeRaw,
      doneCount,
      sideEffectsAt: () => ({ charge: chargesAt(stripe), confirmation: confirmationsAt(sendgrid) }),
      cpu: {
        ...temporal.cpu,
        worker: () => cpuMs(processes[0]!.child.pid!),
        API: () => cpuMs(processes[1]!.child.pid!),
      },
      client: temporal.client,
      workflowIdOf: (id) => `order-${id}`,
      historyEvents: async (id) =>
        (await temporal.client.workflow.getHandle(`order-${id}`).fetchHistory()).events?.length ?? 0,
    });
    // How many activities a checkout ran up to this point, from one order's history.
    const history = await temporal.client.workflow.getHandle('order-burst-0').fetchHistory();
    const activitiesPerCheckout = (history.events ?? []).filter(
      (e) => e.activityTaskScheduledEventAttributes,
    ).length;
    await admin.close();
    return { activitiesPerCheckout, run };
  } finally {
    for (const p of processes.reverse()) await p.stop();
    await broker.stop();
    await sendgrid.close();
    await stripe.close();
    await stripeMock.stop();
    await temporal.close();
  }
}

/** When each order's first charge request reached Stripe, by order id (from its idempotency key). */
function chargesAt(stripe: FakeServer): Map<string, number> {
  const at = new Map<string, number>();
  for (const r of stripe.requests) {
    if (r.method !== 'POST' || !r.path.startsWith('/v1/payment_intents')) continue;
    const id = /^order-(.+)-charge-\d+$/.exec(String(r.headers['idempotency-key'] ?? ''))?.[1];
    if (id && !at.has(id)) at.set(id, r.at);
  }
  return at;
}

/** When each order's confirmation email reached SendGrid, by order id (its customer's address). */
function confirmationsAt(sendgrid: FakeServer): Map<string, number> {
  const at = new Map<string, number>();
  for (const r of sendgrid.requests) {
    if (!r.body.includes('order_confirmation')) continue;
    const mail = JSON.parse(r.body) as { personalizations?: { to?: { email?: string }[] }[] };
    const id = /^(.+)@example\.com$/.exec(mail.personalizations?.[0]?.to?.[0]?.email ?? '')?.[1];
    if (id && !at.has(id)) at.set(id, r.at);
  }
  return at;
}
