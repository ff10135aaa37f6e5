/**
 * End to end: the stack exactly as `npm start` runs it (dev server, worker, API as processes),
 * configured for real peers: stripe-mock, RabbitMQ, and the FAKE SendGrid endpoint. An order
 * placed over HTTP is accepted when its remorse window (seconds long here) closes and reaches Paid,
 * its events are read back from RabbitMQ, its email reached SendGrid; an order cancelled inside
 * its window is never charged; and after a restart on the same data folder the orders are still there.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import amqp from 'amqplib';
import { signToken, type Role } from '../../api/auth';
import { startFakeSendGrid, type FakeServer } from '../../scripts/http-fakes';
import { npmStart, type RunningStart } from '../helpers/npm-start';
import { has, rootName, tracesOf, waitForTrace } from '../helpers/zipkin';
import { exposedMetricNames } from '../../monitoring/metrics';
import { freePortPair } from '../../scripts/net';
import { freePort, startStripeMock, type RunningStripeMock } from '../../scripts/stripe-mock';

const SECRET = 'e2e-secret-that-is-long-enough-for-hs256!!!';
const root = path.resolve(__dirname, '..', '..');

describe('the stack as npm start runs it', () => {
  const amqpUrl = process.env.TEST_AMQP_URL;
  let stripeMock: RunningStripeMock;
  let sendgrid: FakeServer;
  let connection: amqp.ChannelModel;
  let channel: amqp.Channel;
  let queue: string;
  let stack: RunningStart | undefined;
  let apiPort: number;
  let env: NodeJS.ProcessEnv;
  let output = '';

  before(async () => {
    assert.ok(amqpUrl, 'TEST_AMQP_URL is not set: run the tests with `npm test`, which starts a broker');
    [stripeMock, sendgrid] = await Promise.all([startStripeMock('succeed'), startFakeSendGrid()]);
    connection = await amqp.connect(amqpUrl);
    channel = await connection.createChannel();
    await channel.assertExchange('commerce', 'topic', { durable: true });
    queue = (await channel.assertQueue('', { exclusive: true })).queue;
    await channel.bindQueue(queue, 'commerce', 'order.#');
    await channel.assertExchange('people', 'topic', { durable: true });
    await channel.bindQueue(queue, 'people', 'leave.#');
    apiPort = await freePort();
    const inherited = { ...process.env };
    delete inherited.TEMPORAL_ADDRESS;
    env = {
      ...inherited,
      PORT: String(apiPort),
      TEMPORAL_PORT: String(await freePortPair()),
      DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-stack-')),
      AUTH_JWT_SECRET: SECRET,
      STRIPE_SECRET_KEY: 'sk_test_123',
      STRIPE_API_BASE: stripeMock.url,
      SENDGRID_API_KEY: 'SG.e2e',
      SENDGRID_BASE_URL: sendgrid.url,
      AMQP_URL: amqpUrl,
      ORDER_REMORSE_WINDOW: '3s',
      LEAVE_REMINDER_AFTER: '2s',
      WORKER_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
      ZIPKIN_PORT: String(await freePort()),
    };
  });

  after(async () => {
    await stopStack();
    await connection?.close();
    await Promise.all([stripeMock?.stop(), sendgrid?.close()]);
  });

  async function startStack(): Promise<void> {
    stack = await npmStart({
      env,
      onOutput: (chunk) => (output += chunk),
      // Ready: the API answers and this start's worker polls its task queue.
      ready: async (since) =>
        since.includes('[worker] polling') &&
        (await fetch(`http://127.0.0.1:${apiPort}/readyz`).then(
          (r) => r.ok,
          () => false,
        )),
    });
  }

  async function stopStack(): Promise<void> {
    const running = stack;
    stack = undefined;
    await running?.stop();
  }

  async function api(
    method: string,
    url: string,
    body?: unknown,
    as: { role: Role; sub: string } = { role: method === 'GET' ? 'support' : 'storefront', sub: 'e2e' },
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const token = await signToken(SECRET, as);
    const response = await fetch(`http://127.0.0.1:${apiPort}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    answers.push(text);
    return { status: response.status, body: JSON.parse(text) as Record<string, unknown> };
  }

  /** Every response body the tests received, to look for secrets in. */
  const answers: string[] = [];
  const seen: amqp.GetMessage[] = [];
  /**
   * The messages read from RabbitMQ for one order so far, waiting (bounded: 15 s) until those with
   * the routing keys `until` are among them. Background deliveries need not arrive in order.
   */
  async function eventsFor(orderId: string, until: string[]): Promise<amqp.GetMessage[]> {
    const mine = () => seen.filter((m) => String(m.properties.messageId).startsWith(`${orderId}:`));
    const complete = () => until.every((key) => mine().some((m) => m.fields.routingKey === key));
    for (let i = 0; i < 150 && !complete(); i++) {
      const message = await channel.get(queue, { noAck: true });
      if (message) seen.push(message);
      else await new Promise((r) => setTimeout(r, 100));
    }
    return mine();
  }

  async function waitForStatus(orderId: string, status: string): Promise<Record<string, unknown>> {
    let view: Record<string, unknown> = {};
    for (let i = 0; i < 150 && view.status !== status; i++) {
      view = (await api('GET', `/orders/${orderId}`)).body;
      if (view.status !== status) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(view.status, status, JSON.stringify(view));
    return view;
  }

  it('an order placed over HTTP is paid, its event reaches RabbitMQ and its email reaches SendGrid', async () => {
    await startStack();
    assert.match(output, /payments: Stripe at http:\/\/127\.0\.0\.1/);
    assert.match(output, /events: RabbitMQ at amqp:/);
    assert.match(output, /email: SendGrid at http:\/\/127\.0\.0\.1/);

    const placed = await api('POST', '/orders', {
      orderId: 'e2e-1',
      customer: { id: 'cust-e2e', email: 'grace@example.com' },
      items: [{ sku: 'lamp', quantity: 1, unitPrice: 4999 }],
      currency: 'usd',
      paymentMethod: 'pm_card_visa',
    });
    assert.equal(placed.status, 202);
    assert.equal(placed.body.status, 'Received');

    const view = await waitForStatus('e2e-1', 'Paid');
    assert.match(String((view.payment as { paymentIntentId: string }).paymentIntentId), /^pi_/);
    const acceptance = view.acceptance as { remorseWindowEndsAt: string; outcome: string; decidedAt: string };
    assert.equal(acceptance.outcome, 'Accepted');
    assert.ok(Date.parse(acceptance.decidedAt) >= Date.parse(acceptance.remorseWindowEndsAt));

    const events = await eventsFor('e2e-1', ['order.received', 'order.accepted', 'order.paid']);
    const keys = events.map((m) => m.fields.routingKey);
    assert.deepEqual([...keys].sort(), ['order.accepted', 'order.paid', 'order.received']);
    const occurred = (key: string) => {
      const message = events.find((m) => m.fields.routingKey === key)!;
      return Date.parse((JSON.parse(message.content.toString()) as { occurredAt: string }).occurredAt);
    };
    assert.ok(occurred('order.accepted') < occurred('order.paid'), 'accepted before paid');
    assert.ok(occurred('order.accepted') - occurred('order.received') >= 3000, 'after the 3 s window');
    const paidEvent = events.find((m) => m.fields.routingKey === 'order.paid');
    assert.ok(paidEvent, 'order.paid was read from RabbitMQ');
    assert.equal(paidEvent.properties.messageId, 'e2e-1:order.paid');
    assert.equal((JSON.parse(paidEvent.content.toString()) as { data: { total: number } }).data.total, 4999);

    let email: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !email; i++) {
      const request = sendgrid.requests.find((r) => r.body.includes('grace@example.com'));
      if (request) email = JSON.parse(request.body) as Record<string, unknown>;
      else await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(email, 'the confirmation reached the SendGrid endpoint');

    const metrics = await (await fetch(`http://${env.WORKER_METRICS_ADDRESS}/metrics`)).text();
    assert.match(
      metrics,
      /^temporal_activity_execution_latency_count\{activity_type="confirmPaymentIntent",[^}]*workflow_type="checkoutWorkflow"\} 1$/m,
      "the worker's SDK metrics for Prometheus",
    );
    assert.match(metrics, /^temporal_workflow_task_execution_latency_count\{/m);
    assert.equal(email.subject, 'Your order e2e-1 is confirmed');
  });

  it('exposes every metric the alert rules read (those of failures once one has happened)', async () => {
    const exposed = async (url: string) =>
      new Set(
        [...(await (await fetch(url)).text()).matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{| )/gm)].map(
          (m) => m[1],
        ),
      );
    const worker = await exposed(`http://${env.WORKER_METRICS_ADDRESS}/metrics`);
    const apiMetrics = await exposed(`http://127.0.0.1:${apiPort}/metrics`);
    // Created by their first increment: a workflow task that failed, a support alert.
    const onlyAfterAFailure = new Set(['temporal_workflow_task_execution_failed', 'commerce_support_alerts']);
    const missing = [
      ...exposedMetricNames('worker').filter((name) => !worker.has(name)),
      ...exposedMetricNames('api').filter((name) => !apiMetrics.has(name)),
    ].filter((name) => !onlyAfterAFailure.has(name));
    assert.deepEqual(missing, [], 'every metric the rules read is served');
    assert.ok(worker.has('commerce_status_entered'), 'the business counters');
    assert.ok(apiMetrics.has('commerce_orders_oldest_in_status_seconds'), "the API's waiting-order gauges");
  });

  it("one trace follows the order from the click to Stripe, and the order's log lines in both processes carry it", async () => {
    const zipkin = `http://127.0.0.1:${env.ZIPKIN_PORT}`;
    assert.match(output, new RegExp(`traces +${zipkin}/zipkin/`), 'the banner names the trace viewer');
    const viewer = await fetch(`${zipkin}/zipkin/`);
    assert.equal(viewer.status, 200, "Zipkin's UI is served");

    const spans = await waitForTrace(
      zipkin,
      'order-e2e-1',
      // Complete: the API's request (its batch leaves every few seconds), the charge, the email.
      (t) =>
        has(t, /^temporal-commerce-api$/, /^post \/orders$/) &&
        has(t, /^temporal-commerce-worker$/, /^stripe confirmpaymentintent$/) &&
        has(t, /^temporal-commerce-worker$/, /^sendgrid send$/),
    );
    const traceIds = new Set(spans.map((s) => s.traceId));
    assert.equal(traceIds.size, 1);
    const [traceId] = traceIds;
    const api = /^temporal-commerce-api$/;
    const worker = /^temporal-commerce-worker$/;
    assert.ok(has(spans, api, /^post \/orders$/), 'the HTTP request, named by its route');
    assert.ok(has(spans, api, /^startworkflow:checkoutworkflow$/), "the API's workflow start");
    assert.ok(
      has(spans, worker, /^startactivity:confirmpaymentintent$/),
      'the workflow scheduling the charge',
    );
    assert.ok(has(spans, worker, /^runactivity:confirmpaymentintent$/), 'the charge activity');
    const stripe = spans.find((s) => s.name === 'stripe confirmpaymentintent');
    assert.ok(stripe, 'the Stripe call, named for what it does');
    const stripeHttp = spans.find(
      (s) =>
        s.parentId === stripe.id && s.kind === 'CLIENT' && /payment_intents/.test(s.tags?.['http.url'] ?? ''),
    );
    assert.ok(stripeHttp, "Stripe's HTTP request inside it, to stripe-mock");
    const run = spans.find((s) => s.name === 'runactivity:confirmpaymentintent')!;
    assert.equal(stripe.parentId, run.id, 'the Stripe call is a child of the charge activity');
    assert.ok(has(spans, worker, /^sendgrid send$/), 'the SendGrid call');
    assert.ok(has(spans, worker, /^rabbitmq publish$/), 'the RabbitMQ publish');
    assert.ok(has(spans, api, /^db orders saveorder$/), "the app's database");
    assert.ok(
      has(spans, worker, /^runactivity:recordorderstatus$/),
      "the order's own record, a local activity, in the same trace",
    );
    // The test read the order's status over HTTP many times: those reads are no trace of the order.
    const roots = (await tracesOf(zipkin, 'order-e2e-1')).map(rootName);
    assert.ok(
      roots.every((name) => /^post /.test(name ?? '')),
      `each of the order's traces begins at a request that changed it: ${roots.join(', ')}`,
    );

    // The log: the API's line for the request and the worker's lines for the order share the trace.
    const lines = output.split('\n').filter((l) => l.includes(`trace_id=${traceId}`));
    assert.ok(
      lines.some((l) => /\[api\] request .*orderId=e2e-1/.test(l)),
      `the API's request line carries the trace id:\n${lines.join('\n')}`,
    );
    assert.ok(
      lines.some((l) => /\[worker\] .*orderId=e2e-1/.test(l)),
      `the worker's lines of the order carry the trace id:\n${lines.join('\n')}`,
    );
  });

  it('an order cancelled inside its remorse window is never charged and never accepted', async () => {
    const placed = await api('POST', '/orders', {
      orderId: 'e2e-2',
      customer: { id: 'cust-e2e', email: 'alan@example.com' },
      items: [{ sku: 'lamp', quantity: 1, unitPrice: 4999 }],
      currency: 'usd',
      paymentMethod: 'pm_card_visa',
    });
    assert.equal(placed.status, 202);
    const cancelled = await api('POST', '/orders/e2e-2/cancel', { reason: 'wrong lamp' });
    assert.equal(cancelled.status, 202);
    const view = await waitForStatus('e2e-2', 'Cancelled');
    assert.equal(view.payment, undefined, 'Stripe was never asked');
    assert.equal(view.paymentAttempts, 0);
    const keys = (await eventsFor('e2e-2', ['order.received', 'order.cancelled'])).map(
      (m) => m.fields.routingKey,
    );
    assert.deepEqual(keys.sort(), ['order.cancelled', 'order.received'], 'never order.accepted');
  });

  it('leave over HTTP: the sample organisation is loaded; a request beyond the balance reminds its approver, then is approved', async () => {
    assert.match(output, /loaded the sample organisation/);
    const startDate = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const placed = await api(
      'POST',
      '/leave-requests',
      { days: 27, startDate },
      { role: 'employee', sub: 'ella' },
    );
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
    assert.equal(placed.body.status, 'PendingApproval');
    const id = String(placed.body.requestId);

    // LEAVE_REMINDER_AFTER is 2 s here: Mia is asked, then reminded, through SendGrid.
    const toMia = (kind: string) =>
      sendgrid.requests.filter((r) => r.body.includes('mia@example.com') && r.body.includes(kind));
    for (let i = 0; i < 100 && toMia('Reminder').length === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.equal(toMia('Leave to approve').length, 1, 'Mia was asked once');
    assert.ok(toMia('Reminder').length >= 1, 'and reminded');

    const approved = await api(
      'POST',
      `/leave-requests/${id}/approve`,
      { note: 'fine' },
      { role: 'manager', sub: 'mia' },
    );
    assert.equal(approved.status, 202);
    let view: Record<string, unknown> = {};
    for (let i = 0; i < 100 && view.status !== 'Approved'; i++) {
      view = (await api('GET', `/leave-requests/${id}`, undefined, { role: 'employee', sub: 'ella' })).body;
      if (view.status !== 'Approved') await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(view.status, 'Approved', JSON.stringify(view));
    assert.equal(view.balanceAfter, -2);
    const keys = (await eventsFor(id, ['leave.requested', 'leave.approved'])).map((m) => m.fields.routingKey);
    assert.deepEqual(keys.sort(), ['leave.approved', 'leave.requested']);
    const balance = await api(
      'GET',
      `/employees/ella/leave-balance?leaveYear=${startDate.slice(0, 4)}`,
      undefined,
      {
        role: 'hr',
        sub: 'hana',
      },
    );
    assert.equal(balance.body.balance, -2);
  });

  it('npm run replay fetches an order from the running server and replays it against this code', async () => {
    const run = (id: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'scripts/replay.ts', id], {
        cwd: root,
        env,
        encoding: 'utf8',
      });
    const ok = run('order-e2e-1');
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /order-e2e-1: replays cleanly; the current code would carry it on/);
    const missing = run('order-nobody');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no workflow order-nobody/);
  });

  it('no secret appears in the logs, in a response, in an event, in an email or in a trace', async () => {
    const secrets = { AUTH_JWT_SECRET: SECRET, STRIPE_SECRET_KEY: 'sk_test_123', SENDGRID_API_KEY: 'SG.e2e' };
    // Every span Zipkin holds, all services, with their tags (URLs, statements, errors).
    const zipkin = `http://127.0.0.1:${env.ZIPKIN_PORT}`;
    const services = (await (await fetch(`${zipkin}/api/v2/services`)).json()) as string[];
    const traces = await Promise.all(
      services.map(async (service) =>
        (await fetch(`${zipkin}/api/v2/traces?serviceName=${service}&limit=1000&lookback=86400000`)).text(),
      ),
    );
    const places: Record<string, string> = {
      "the stack's log": output,
      'an API response': answers.join('\n'),
      'an event': seen.map((m) => m.content.toString()).join('\n'),
      'an email': sendgrid.requests.map((r) => r.body).join('\n'),
      'a trace': traces.join('\n'),
    };
    // Nor a bearer token (the API's callers') in a trace.
    assert.ok(!/Bearer |eyJhbGciOi/.test(places['a trace']!), 'a token appears in a trace');
    assert.ok(answers.length > 5 && output.length > 1000 && seen.length > 3, 'there is something to search');
    for (const [name, secret] of Object.entries(secrets)) {
      for (const [place, text] of Object.entries(places)) {
        assert.ok(!text.includes(secret), `${name} appears in ${place}`);
      }
    }
  });

  it('keeps the orders across a restart on the same data folder', async () => {
    await stopStack();
    await startStack();
    const again = await api('GET', '/orders/e2e-1');
    assert.equal(again.status, 200);
    assert.equal(again.body.status, 'Paid');
    assert.equal((await api('GET', '/orders/e2e-2')).body.status, 'Cancelled');
  });
});
