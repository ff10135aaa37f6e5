/**
 * A customer's own orders (API v1.2, "Customers") against a real Temporal dev server and worker:
 * a customer's token reaches their own orders, in their words, and nobody else's; a staff token
 * does not reach the customer's endpoints, nor a customer's token the staff's.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createCheckoutActivities } from '../../activities/checkout';
import { createDevMailer, createDevPublisher, DevRecorder } from '../../activities/adapters/development';
import { createDevPaymentGateway } from '../../activities/checkout/payments';
import { signToken, type Role } from '../../api/auth';
import { openOrderStore, openRegistrationStore, type OrderStore, type RegistrationStore } from '../../store';
import { TEST_SETTINGS } from '../helpers/checkout-scenario';
import { confirmedCustomer } from '../helpers/customers';
import { callApi, runWorker, serveApi, type Answer } from '../helpers/api-server';
import { devServerEnv, workflowBundle } from '../helpers/temporal';

const SECRET = 'customers-test-secret-long-enough-for-hs256';
const TASK_QUEUE = 'customers-test';
const HOUR = 3_600_000;

describe('customers', () => {
  let env: TestWorkflowEnvironment;
  let store: OrderStore;
  let registrations: RegistrationStore;
  let base: string;
  const closers: (() => Promise<void>)[] = [];
  const token = (role: Role, sub: string) => signToken(SECRET, { role, sub });

  before(async () => {
    env = await devServerEnv();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'customers-'));
    store = openOrderStore({ dataDir });
    registrations = openRegistrationStore({ dataDir });
    const recorder = new DevRecorder(dataDir, () => undefined);
    const worker = await runWorker({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowBundle: await workflowBundle(),
      activities: createCheckoutActivities({
        store,
        payments: createDevPaymentGateway(recorder),
        mailer: createDevMailer(recorder),
        events: createDevPublisher(recorder),
        // An hour's remorse window: a cancel is free for the whole test.
        settings: { ...TEST_SETTINGS, orderRemorseWindowMs: HOUR },
        fromEmail: 'orders@example.com',
      }),
    });
    const api = await serveApi({
      client: env.client,
      store,
      taskQueue: TASK_QUEUE,
      jwtSecret: SECRET,
      registrations,
    });
    closers.push(worker.stop, api.close);
    base = api.base;
  });

  after(async () => {
    for (const close of closers.reverse()) await close();
    await store?.close();
    await registrations?.close();
    await env?.teardown();
  });

  const call = async (method: string, url: string, as: string, body?: unknown): Promise<Answer> =>
    callApi(base, method, url, { token: as, body });

  async function place(orderId: string, customerId: string): Promise<void> {
    const answer = await call('POST', '/orders', await token('storefront', 'shop'), {
      orderId,
      customer: { id: customerId, email: `${customerId}@example.com`, name: 'A customer' },
      items: [{ sku: 'book', quantity: 1, unitPrice: 4_200, name: 'A book' }],
      currency: 'eur',
      paymentMethod: 'pm_card_visa',
    });
    assert.equal(answer.status, 202);
  }

  it('a customer reads their own orders, in their words, and nothing of anyone else’s', async () => {
    await place('c-ada-1', 'cus_ada');
    await place('c-bob-1', 'cus_bob');
    const ada = await token('customer', 'cus_ada');

    const own = await call('GET', '/orders/c-ada-1', ada);
    assert.equal(own.status, 200);
    assert.equal(own.body.orderId, 'c-ada-1');
    assert.equal(own.body.cancelFree, true, 'within the remorse window');
    assert.match(String(own.body.next), /You can still cancel at no cost until/);
    for (const internal of ['payment', 'acceptance', 'notifications', 'timeline', 'paymentAttempts'])
      assert.equal(own.body[internal], undefined, `${internal} is not for the customer`);

    assert.equal((await call('GET', '/orders/c-bob-1', ada)).status, 403, "Bob's order");
    assert.equal((await call('GET', '/orders/c-nobody', ada)).status, 403, 'no order: the same answer');
    assert.equal((await call('POST', '/orders/c-nobody/cancel', ada, {})).status, 403);
    assert.equal((await call('GET', '/orders/c-bob-1/timeline', ada)).status, 403, "Bob's timeline");
    assert.equal((await call('POST', '/orders/c-bob-1/cancel', ada, {})).status, 403, "Bob's cancel");
    const bob = await call('GET', '/orders/c-bob-1', await token('support', 'sam'));
    assert.equal(bob.body.cancellation, undefined, "Ada's refused cancel reached nothing of Bob's order");

    const listed = await call('GET', '/orders?customerId=cus_ada', ada);
    assert.equal(listed.status, 200);
    assert.deepEqual(
      (listed.body.orders as { orderId: string }[]).map((o) => o.orderId),
      ['c-ada-1'],
    );
    const mine = await call('GET', '/orders', ada);
    assert.deepEqual(
      (mine.body.orders as { orderId: string }[]).map((o) => o.orderId),
      ['c-ada-1'],
      'no customerId: their own',
    );
    assert.equal((await call('GET', '/orders?customerId=cus_bob', ada)).status, 403);
    assert.equal((await call('GET', '/orders?needs=support', ada)).status, 403);

    const timeline = await call('GET', '/orders/c-ada-1/timeline', ada);
    assert.equal(timeline.status, 200);
    const events = timeline.body.events as { kind: string; detail: string; actor?: string }[];
    assert.equal(events[0]?.detail, 'You placed the order');
    assert.ok(
      events.every((e) => e.actor === undefined),
      'nobody named',
    );
  });

  it('a customer cancels their own order within its window; the timeline says they asked', async () => {
    await place('c-ada-2', 'cus_ada');
    const ada = await token('customer', 'cus_ada');
    const cancelled = await call('POST', '/orders/c-ada-2/cancel', ada, {});
    assert.equal(cancelled.status, 202);
    for (let i = 0; ; i++) {
      const view = await call('GET', '/orders/c-ada-2', ada);
      if (view.body.status === 'Cancelled') break;
      assert.ok(i < 200, `cancelled: ${JSON.stringify(view.body)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const support = await call('GET', '/orders/c-ada-2/timeline', await token('support', 'sam'));
    const asked = (support.body.events as { kind: string; actor?: string }[]).find(
      (e) => e.kind === 'cancel_requested',
    );
    assert.equal(asked?.actor, 'customer:cus_ada', 'support sees who asked');
    const own = await call('GET', '/orders/c-ada-2/timeline', ada);
    assert.ok((own.body.events as { detail: string }[]).some((e) => e.detail === 'You asked to cancel'));
  });

  it('GET /customers/me: the customer; a staff token is refused it, and a customer token the staff’s endpoints', async () => {
    const confirmed = {
      customer: await confirmedCustomer(registrations, { email: 'ada@example.com', customerId: 'cus_ada' }),
    };
    assert.equal(confirmed.customer.customerId, 'cus_ada');
    const ada = await token('customer', 'cus_ada');
    const me = await call('GET', '/customers/me', ada);
    assert.equal(me.status, 200);
    assert.deepEqual(me.body, { customerId: 'cus_ada', email: 'ada@example.com', name: 'Ada Lovelace' });
    assert.equal((await call('GET', '/customers/me', await token('customer', 'cus_nobody'))).status, 404);
    for (const role of ['storefront', 'support', 'manager', 'warehouse', 'employee', 'hr'] as Role[])
      assert.equal((await call('GET', '/customers/me', await token(role, 'cus_ada'))).status, 403, role);
    for (const [method, url, body] of [
      ['POST', '/orders', {}],
      ['POST', '/orders/c-ada-1/payment-retry', { paymentMethod: 'pm_card_visa' }],
      ['POST', '/orders/batch', { action: 'cancel', orderIds: ['c-ada-1'] }],
      ['GET', '/registrations?email=ada@example.com', undefined],
      ['POST', '/registrations', { email: 'x@example.com', name: 'X', password: 'correct horse battery' }],
    ] as const)
      assert.equal((await call(method, url, ada, body)).status, 403, `${method} ${url}`);
  });
});
