/**
 * The production shape, run for real (scripts/production/stack.ts): Temporal's own server on
 * PostgreSQL (persistence and SQL visibility), two workers and two APIs from the compiled build,
 * RabbitMQ, stripe-mock behind a recording proxy, the app's store on PostgreSQL. The journeys each
 * person makes, the lists and Temporal's visibility answering from SQL, and the faults of a
 * cluster: a worker SIGKILLed under load, the Temporal server restarted, an API killed while
 * clients retry against the other, PostgreSQL (Temporal's and the app's) restarted. After each, every order's final state,
 * charge, event and email is counted exactly. Bounded: a few dozen orders, loops with deadlines.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import amqp from 'amqplib';
import { signToken, type Role } from '../../api/auth';
import { startApiProcess } from '../../scripts/processes';
import { startProductionStack, type ProductionStack } from '../../scripts/production/stack';
import { callApi, type Answer } from '../helpers/api-server';
import { assertEachFactOnce, killLeftovers, recorded, reportFigures, until } from '../helpers/processes';

const SECRET = 'production-shape-secret-long-enough-for-hs256!!';
const WINDOW_S = 6;

describe('the production shape: Temporal server on PostgreSQL, two workers, two APIs', () => {
  let stack: ProductionStack;
  let client: Client;
  let connection: Connection;
  let broker: amqp.ChannelModel;
  const facts: Record<string, unknown>[] = [];
  const placed: string[] = [];

  before(async () => {
    stack = await startProductionStack({
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'production-shape-')),
      jwtSecret: SECRET,
      env: { ORDER_REMORSE_WINDOW: `${WINDOW_S}s`, SENDGRID_API_KEY: '' },
    });
    connection = await Connection.connect({ address: stack.temporal.address });
    client = new Client({ connection, namespace: 'default' });
    // An audit queue on both exchanges: every fact as a consumer sees it.
    broker = await amqp.connect(stack.broker.url);
    const channel = await broker.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    for (const exchange of ['commerce', 'people']) {
      await channel.assertExchange(exchange, 'topic', { durable: true });
      await channel.bindQueue(queue, exchange, '#');
    }
    await channel.consume(
      queue,
      (message) => {
        if (message) facts.push(JSON.parse(message.content.toString()) as Record<string, unknown>);
      },
      { noAck: true },
    );
  });

  after(async () => {
    await broker?.close().catch(() => undefined);
    await connection?.close();
    await stack?.stop();
    killLeftovers(); // a process a failed start left behind
  });

  const token = (role: Role, sub = `${role}-1`) => signToken(SECRET, { role, sub });
  async function call(
    api: number,
    method: string,
    url: string,
    as: Role,
    body?: unknown,
    sub?: string,
  ): Promise<Answer> {
    return callApi(stack.apis[api]!.base, method, url, { token: await token(as, sub), body });
  }
  const order = (orderId: string, total = 2_500) => ({
    orderId,
    customer: { id: `c-${orderId}`, email: `${orderId}@example.com` },
    items: [{ sku: 'lamp', quantity: 1, unitPrice: total }],
    currency: 'usd',
    paymentMethod: 'pm_card_visa',
  });
  async function place(api: number, orderId: string, total?: number): Promise<void> {
    const answer = await call(api, 'POST', '/orders', 'storefront', order(orderId, total));
    assert.ok(
      [200, 202].includes(answer.status),
      `${orderId}: ${answer.status} ${JSON.stringify(answer.body)}`,
    );
    placed.push(orderId);
  }
  async function statusOf(orderId: string): Promise<string> {
    return String((await call(1, 'GET', `/orders/${orderId}`, 'support')).body.status);
  }
  async function allReach(orderIds: string[], status: string, ms = 120_000): Promise<void> {
    const left = new Set(orderIds);
    await until(
      `${orderIds.length} orders to be ${status}`,
      async () => {
        for (const id of [...left]) if ((await statusOf(id)) === status) left.delete(id);
        return left.size === 0;
      },
      ms,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; not yet: ${[...left].join(', ')}`);
    });
  }

  /** Charges as Stripe saw them: one idempotency key per paid order, none for another. */
  function chargedOrders(): string[] {
    const keys = new Map<string, Set<string>>();
    for (const request of stack.stripeRequests) {
      if (request.method !== 'POST' || !request.path.startsWith('/v1/payment_intents')) continue;
      const key = String(request.headers['idempotency-key'] ?? '');
      const orderId = /^order-(.+)-charge-\d+$/.exec(key)?.[1];
      if (orderId) keys.set(orderId, (keys.get(orderId) ?? new Set()).add(key));
    }
    for (const [orderId, used] of keys) assert.deepEqual([...used], [`order-${orderId}-charge-1`], orderId);
    return [...keys.keys()].sort();
  }

  /** The paid orders' facts on RabbitMQ and their confirmation emails, each exactly once. */
  async function countPaid(orderIds: string[], more: string[] = []): Promise<{ factsSentAgain: number }> {
    const expected = [
      ...orderIds.flatMap((id) => ['received', 'accepted', 'paid'].map((f) => `${id}:order.${f}`)),
      ...more,
    ];
    const mine = () => facts.filter((f) => orderIds.some((id) => String(f.messageId).startsWith(`${id}:`)));
    await until(
      'every fact on RabbitMQ',
      () => new Set(mine().map((f) => f.messageId)).size >= expected.length,
      60_000,
    ).catch(
      () => undefined, // the assertion names what is missing
    );
    const factsSentAgain = assertEachFactOnce(mine(), expected);
    const emails = recorded(stack.outbox, 'emails').filter((e) => e.category === 'order_confirmation');
    for (const id of orderIds) {
      const keys = new Set(emails.filter((e) => e.to === `${id}@example.com`).map((e) => e.messageKey));
      assert.equal(keys.size, 1, `${id}: one confirmation email`);
    }
    for (const id of orderIds) assert.ok(chargedOrders().includes(id), `${id} charged`);
    return { factsSentAgain };
  }

  /** Places `count` orders from `clients` clients at once, alternating APIs; `during` runs after `at` are placed. */
  async function load(
    prefix: string,
    count: number,
    during: () => Promise<void>,
    at = Math.floor(count / 3),
  ): Promise<{ ids: string[]; retried: number; answers: Record<string, number> }> {
    const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
    let next = 0;
    let retried = 0;
    const answers: Record<string, number> = {};
    let fault: Promise<void> | undefined;
    const client = async (c: number) => {
      for (let i = next++; i < count; i = next++) {
        if (i === at) fault = during();
        for (let attempt = 0; ; attempt++) {
          try {
            const answer = await call((c + attempt) % 2, 'POST', '/orders', 'storefront', order(ids[i]!));
            const seen = `${answer.status}${answer.status >= 500 ? ` ${String((answer.body.error as { code?: string })?.code)}` : ''}`;
            answers[seen] = (answers[seen] ?? 0) + 1;
            if (answer.status === 200 || answer.status === 202) break;
            // A 5xx (Temporal or the database away) is retried, as a storefront does; a 4xx is a bug here.
            if (answer.status < 500)
              assert.fail(`${ids[i]}: ${answer.status} ${JSON.stringify(answer.body)}`);
          } catch (err) {
            if (err instanceof assert.AssertionError) throw err;
            answers['no answer'] = (answers['no answer'] ?? 0) + 1;
          }
          retried++;
          assert.ok(attempt < 180, `${ids[i]} could not be placed in 90 s`);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    };
    await Promise.all([0, 1, 2, 3].map(client));
    await fault;
    placed.push(...ids);
    return { ids, retried, answers };
  }

  it('checkout to Paid across the two APIs, cancel, a large order authorized, leave approved, a registration confirmed', async () => {
    await place(0, 'p-paid');
    await place(1, 'p-cancelled');
    assert.equal(
      (await call(0, 'POST', '/orders/p-cancelled/cancel', 'support', { reason: 'changed mind' })).status,
      202,
    );
    await place(0, 'p-large', 150_000);
    // The manager answers once the order asks (it is in the managers' queue), inside its window.
    await until(
      'the large order in the managers’ queue',
      async () =>
        (
          (await call(1, 'GET', '/orders?needs=authorization', 'manager', undefined, 'mia')).body.orders as {
            orderId: string;
          }[]
        ).some((o) => o.orderId === 'p-large'),
      WINDOW_S * 1000,
    );
    const authorized = await call(
      1,
      'POST',
      '/orders/p-large/authorizations',
      'manager',
      { approved: true },
      'mia',
    );
    assert.equal(authorized.status, 202, JSON.stringify(authorized.body));

    const leave = await call(
      0,
      'POST',
      '/leave-requests',
      'employee',
      { days: 27, startDate: inDays(30) },
      'ella',
    );
    assert.equal(leave.body.status, 'PendingApproval', JSON.stringify(leave.body));
    const approved = await call(
      1,
      'POST',
      `/leave-requests/${String(leave.body.requestId)}/approve`,
      'manager',
      {},
      'mia',
    );
    assert.equal(approved.status, 202);
    assert.equal(approved.body.status, 'Approved');

    const registration = await call(0, 'POST', '/registrations', 'storefront', {
      email: 'ada@example.com',
      name: 'Ada',
      password: 'correct horse battery',
    });
    assert.equal(registration.status, 202);
    await until(
      'the confirmation email',
      () => recorded(stack.outbox, 'emails').some((e) => e.category === 'registration_confirmation_link'),
      30_000,
    );
    const link = /http\S+/.exec(
      String(
        recorded(stack.outbox, 'emails').find((e) => e.category === 'registration_confirmation_link')!.text,
      ),
    )![0];
    // Opening the link shows its page, which confirms nothing; its form, sent with the password
    // chosen at sign-up, confirms.
    const page = await fetch(link);
    assert.equal(page.status, 200, 'the link opens its page');
    const html = await page.text();
    const hidden = (name: string): string => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)![1]!;
    const action = new URL(/<form method="post" action="([^"]+)"/.exec(html)![1]!, link);
    const confirmed = await fetch(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: hidden('token'),
        check: hidden('check'),
        password: 'correct horse battery',
      }),
    });
    assert.equal(confirmed.status, 200, 'the form sent with the password confirms');

    await allReach(['p-paid', 'p-large'], 'Paid');
    await allReach(['p-cancelled'], 'Cancelled');
    assert.deepEqual(chargedOrders(), ['p-large', 'p-paid'], 'the cancelled order was never charged');
    await countPaid(['p-paid', 'p-large'], ['p-large:order.authorization_requested']);
  });

  it("lists and Temporal's visibility answer from PostgreSQL: the warehouse's queue, OrderStatus, LeaveStatus, RegistrationStatus", async () => {
    const shipments = await call(0, 'GET', '/orders?needs=shipment', 'warehouse');
    const inQueue = (shipments.body.orders as { orderId: string }[]).map((o) => o.orderId);
    assert.ok(inQueue.includes('p-paid') && inQueue.includes('p-large'), JSON.stringify(inQueue));
    const ids = async (query: string) => {
      const found: string[] = [];
      for await (const w of client.workflow.list({ query })) found.push(w.workflowId);
      return found.sort();
    };
    await until(
      'visibility to have the paid orders',
      async () => (await ids('OrderStatus = "Paid"')).length >= 2,
      30_000,
    );
    assert.deepEqual(await ids('OrderStatus = "Paid"'), ['order-p-large', 'order-p-paid']);
    assert.deepEqual(await ids('OrderStatus = "Cancelled"'), ['order-p-cancelled']);
    assert.equal((await ids('LeaveStatus = "Approved" AND EmployeeId = "ella"')).length, 1);
    await until(
      'the registration confirmed',
      async () => (await ids('RegistrationStatus = "Confirmed"')).length === 1,
      30_000,
    );
    const description = await client.workflow.getHandle('order-p-paid').describe();
    assert.equal(description.taskQueue, 'commerce');
  });

  it('one of the two workers SIGKILLed under load: the other carries on; every order paid once, each fact and email once', async () => {
    const started = Date.now();
    const killed = stack.workers[0]!;
    const { ids } = await load('kill', 24, () => killed.stop('SIGKILL'));
    await allReach(ids, 'Paid', 180_000);
    const counted = await countPaid(ids);
    stack.workers[0] = await stack.startWorker();
    reportFigures('production-worker-kill', { orders: ids.length, ...counted, tookMs: Date.now() - started });
  });

  it('one API SIGKILLed while clients retry against the other: every order placed once and paid', async () => {
    const started = Date.now();
    const api = stack.apis[0]!;
    const { ids, retried } = await load('apikill', 24, () => api.process.stop('SIGKILL'));
    await allReach(ids, 'Paid', 180_000);
    const counted = await countPaid(ids);
    api.process = await startApiProcess(api.env, 'dist/api/server.js');
    reportFigures('production-api-kill', {
      orders: ids.length,
      retried,
      ...counted,
      tookMs: Date.now() - started,
    });
  });

  it('the Temporal server restarted under load: every order paid once', async () => {
    const started = Date.now();
    const { ids, retried } = await load('restart', 16, async () => {
      await stack.temporal.stop('SIGTERM');
      await new Promise((r) => setTimeout(r, 2_000));
      await stack.temporal.start();
    });
    await allReach(ids, 'Paid', 180_000);
    const counted = await countPaid(ids);
    reportFigures('production-temporal-restart', {
      orders: ids.length,
      retried,
      ...counted,
      tookMs: Date.now() - started,
    });
  });

  it('PostgreSQL restarted under load (Temporal and the app both on it): a clear 503 meanwhile, every order paid once', async () => {
    const started = Date.now();
    const { ids, retried, answers } = await load('pgrestart', 16, async () => {
      await stack.postgres.stop('fast');
      await new Promise((r) => setTimeout(r, 3_000));
      await stack.postgres.start();
    });
    await allReach(ids, 'Paid', 240_000);
    const counted = await countPaid(ids);
    // While the database was away every answer said so: 503 `unavailable`, never a 500.
    const unclear = Object.keys(answers).filter((a) => a.startsWith('5') && a !== '503 unavailable');
    assert.deepEqual(unclear, [], JSON.stringify(answers));
    reportFigures('production-postgres-restart', {
      orders: ids.length,
      retried,
      answers,
      temporalRestarts: stack.temporal.restarts,
      ...counted,
      tookMs: Date.now() - started,
    });
  });

  it('charges once per paid order across every journey and fault', () => {
    assert.deepEqual(
      chargedOrders(),
      [...new Set(placed)].filter((id) => id !== 'p-cancelled').sort(),
      'one charge per paid order',
    );
  });
});

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}
