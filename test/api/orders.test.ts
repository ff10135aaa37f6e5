/**
 * The orders part of the HTTP contract against a real Temporal dev server and worker: every status
 * code, the roles, idempotent placing, and that a refused request starts or signals nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createCheckoutActivities } from '../../activities/checkout';
import { createDevMailer, createDevPublisher, DevRecorder } from '../../activities/adapters/development';
import { signToken, type Role } from '../../api/auth';
import type { CheckoutSettings } from '../../config/settings';
import type { OrderView } from '../../domain/checkout';
import { openSqliteOrderStore } from '../../store/sql-order-store';
import type { OrderStore } from '../../store';
import {
  customerIdSearchAttribute,
  orderIdSearchAttribute,
  orderStatusSearchAttribute,
} from '../../workflows/checkout/messages';
import { TEST_SETTINGS } from '../helpers/checkout-scenario';
import { callApi, runWorker, serveApi, type Answer } from '../helpers/api-server';
import { devServerEnv, workflowBundle } from '../helpers/temporal';
import { createDevPaymentGateway } from '../../activities/checkout/payments';

const SECRET = 'test-secret-that-is-long-enough-for-hs256!!';
/** Orders on this queue leave their remorse window after half a second, so payment follows at once. */
const TASK_QUEUE = 'api-test';
const QUICK_WINDOW = { ...TEST_SETTINGS, orderRemorseWindowMs: 500 };
/** Orders on this queue stay in their hour-long window for the whole test. */
const WINDOW_TASK_QUEUE = 'api-test-window';

describe('orders API', () => {
  let env: TestWorkflowEnvironment;
  let store: OrderStore;
  let base: string;
  /** The same API, starting orders on WINDOW_TASK_QUEUE. */
  let windowBase: string;
  let outbox: string;
  /** Workers and servers to stop, the last started first. */
  const closers: (() => Promise<void>)[] = [];
  const tokens = {} as Record<Role, string>;

  before(async () => {
    env = await devServerEnv();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-test-'));
    outbox = dir;
    store = openSqliteOrderStore(path.join(dir, 'app.db'));
    const recorder = new DevRecorder(dir, () => undefined);
    async function serve(taskQueue: string, settings: CheckoutSettings): Promise<string> {
      const worker = await runWorker({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: await workflowBundle(),
        activities: createCheckoutActivities({
          store,
          payments: createDevPaymentGateway(recorder),
          mailer: createDevMailer(recorder),
          events: createDevPublisher(recorder),
          settings,
          fromEmail: 'orders@example.com',
        }),
      });
      const api = await serveApi({ client: env.client, store, taskQueue, jwtSecret: SECRET });
      closers.push(worker.stop, api.close);
      return api.base;
    }
    base = await serve(TASK_QUEUE, QUICK_WINDOW);
    windowBase = await serve(WINDOW_TASK_QUEUE, TEST_SETTINGS);
    for (const role of ['storefront', 'support', 'manager', 'warehouse', 'employee', 'hr'] as Role[]) {
      tokens[role] = await signToken(SECRET, { role, sub: `${role}-1` });
    }
  });

  after(async () => {
    for (const close of closers.reverse()) await close();
    await store?.close();
    await env?.teardown();
  });

  async function call(
    method: string,
    url: string,
    options: { role?: Role; token?: string; body?: unknown; raw?: string; base?: string } = {},
  ): Promise<Answer> {
    const token = options.token ?? (options.role ? tokens[options.role] : undefined);
    return callApi(options.base ?? base, method, url, { token, body: options.body, raw: options.raw });
  }

  function orderBody(orderId?: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      ...(orderId ? { orderId } : {}),
      customer: { id: 'cust-1', email: 'ada@example.com' },
      items: [{ sku: 'book', quantity: 2, unitPrice: 1250 }],
      currency: 'usd',
      paymentMethod: 'pm_card_visa',
      ...overrides,
    };
  }

  async function assertNotStarted(orderId: string): Promise<void> {
    await assert.rejects(env.client.workflow.getHandle(`order-${orderId}`).describe(), WorkflowNotFoundError);
  }

  async function waitForStatus(orderId: string, status: string, at = base): Promise<OrderView> {
    return waitFor(orderId, (view) => view.status === status, `status ${status}`, at);
  }

  /** Polls GET /orders/:id (bounded: 100 polls, 10 s) until `done` holds. */
  async function waitFor(
    orderId: string,
    done: (view: OrderView) => boolean,
    what: string,
    at = base,
  ): Promise<OrderView> {
    let last: Answer | undefined;
    for (let i = 0; i < 100; i++) {
      last = await call('GET', `/orders/${orderId}`, { role: 'support', base: at });
      if (last.status === 200 && done(last.body as unknown as OrderView))
        return last.body as unknown as OrderView;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`order ${orderId} never reached ${what}: ${JSON.stringify(last?.body)}`);
  }

  /** What the development payment gateway was asked to do for one order. */
  function paymentsOf(orderId: string): { action: string; amount: number }[] {
    const file = path.join(outbox, 'payments.jsonl');
    if (!fs.existsSync(file)) return [];
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { action: string; amount: number; orderId: string })
      .filter((entry) => entry.orderId === orderId)
      .map(({ action, amount }) => ({ action, amount }));
  }

  it('answers /healthz and /readyz without a token', async () => {
    assert.deepEqual(await call('GET', '/healthz'), { status: 200, body: { status: 'ok' } });
    const ready = await call('GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body.checks, { temporal: 'ok', store: 'ok' });
  });

  it('401 without a token or with a bad one, 403 for the wrong role; none of them starts an order', async () => {
    const missing = await call('POST', '/orders', { body: orderBody('auth-1') });
    assert.equal(missing.status, 401);
    assert.equal((missing.body.error as { code: string }).code, 'unauthorized');
    const forged = await signToken('another-secret-of-the-right-length-here!!', {
      role: 'storefront',
      sub: 'x',
    });
    assert.equal((await call('POST', '/orders', { token: forged, body: orderBody('auth-1') })).status, 401);
    assert.equal(
      (await call('POST', '/orders', { token: 'not-a-jwt', body: orderBody('auth-1') })).status,
      401,
    );
    const wrongRole = await call('POST', '/orders', { role: 'warehouse', body: orderBody('auth-1') });
    assert.equal(wrongRole.status, 403);
    assert.equal((wrongRole.body.error as { code: string }).code, 'forbidden');
    await assertNotStarted('auth-1');
    assert.equal((await call('GET', '/orders/auth-1', { role: 'employee' })).status, 403);
  });

  it('202 for a new order, 200 for the same body again, 409 for a different body', async () => {
    const placed = await call('POST', '/orders', { role: 'storefront', body: orderBody('same-1') });
    assert.equal(placed.status, 202);
    assert.deepEqual(placed.body, { orderId: 'same-1', status: 'Received', total: 2500, currency: 'usd' });
    const again = await call('POST', '/orders', { role: 'storefront', body: orderBody('same-1') });
    assert.equal(again.status, 200);
    assert.equal(again.body.orderId, 'same-1');
    assert.equal(again.body.total, 2500);
    const different = await call('POST', '/orders', {
      role: 'storefront',
      body: orderBody('same-1', { currency: 'eur' }),
    });
    assert.equal(different.status, 409);
    assert.equal((different.body.error as { code: string }).code, 'conflict');
  });

  it('in the Temporal UI an order reads in words and can be found by its status', async () => {
    await call('POST', '/orders', { role: 'storefront', body: orderBody('ui-1') });
    await waitForStatus('ui-1', 'Paid');
    const description = await env.client.workflow.getHandle('order-ui-1').describe();
    assert.equal(await description.staticSummary(), 'Order ui-1: 1 line, US$25.00, customer cust-1');
    assert.deepEqual(description.typedSearchAttributes.get(orderStatusSearchAttribute), 'Paid');
    let found: string[] = [];
    for (let i = 0; i < 50 && !found.includes('order-ui-1'); i++) {
      found = [];
      for await (const run of env.client.workflow.list({ query: 'OrderStatus = "Paid"' }))
        found.push(run.workflowId);
      if (!found.includes('order-ui-1')) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(found.includes('order-ui-1'), `OrderStatus = "Paid" lists the order: ${found.join(', ')}`);
    assert.equal(description.typedSearchAttributes.get(orderIdSearchAttribute), 'ui-1');
    assert.equal(description.typedSearchAttributes.get(customerIdSearchAttribute), 'cust-1');
  });

  it('makes an order id when the storefront gives none', async () => {
    const placed = await call('POST', '/orders', { role: 'storefront', body: orderBody() });
    assert.equal(placed.status, 202);
    assert.match(String(placed.body.orderId), /^[A-Za-z0-9_-]{1,64}$/);
  });

  it('400 with the field at fault (413 for size), and nothing started', async () => {
    const cases: [string, Answer][] = [
      ['body', await call('POST', '/orders', { role: 'storefront', raw: '{"orderId": "bad-1",' })],
      [
        'extra',
        await call('POST', '/orders', { role: 'storefront', body: orderBody('bad-1', { extra: true }) }),
      ],
      [
        'items.0.unitPrice',
        await call('POST', '/orders', {
          role: 'storefront',
          body: orderBody('bad-1', { items: [{ sku: 'a', quantity: 1, unitPrice: -5 }] }),
        }),
      ],
      [
        'items.0.quantity',
        await call('POST', '/orders', {
          role: 'storefront',
          body: orderBody('bad-1', { items: [{ sku: 'a', quantity: 0, unitPrice: 5 }] }),
        }),
      ],
      [
        // Each line within bounds, the total beyond what one payment can take.
        'items',
        await call('POST', '/orders', {
          role: 'storefront',
          body: orderBody('bad-1', { items: [{ sku: 'a', quantity: 10_000, unitPrice: 99_999_999 }] }),
        }),
      ],
      [
        'items.0.unitPrice',
        await call('POST', '/orders', {
          role: 'storefront',
          body: orderBody('bad-1', {
            items: [{ sku: 'a', quantity: 2, unitPrice: Number.MAX_SAFE_INTEGER }],
          }),
        }),
      ],
      [
        'items.0.unitPrice',
        await call('POST', '/orders', {
          role: 'storefront',
          body: orderBody('bad-1', { items: [{ sku: 'a', quantity: 1, unitPrice: '5' }] }),
        }),
      ],
      [
        'currency',
        await call('POST', '/orders', { role: 'storefront', body: orderBody('bad-1', { currency: 'USD' }) }),
      ],
      [
        'customer.email',
        await call('POST', '/orders', {
          role: 'storefront',
          body: orderBody('bad-1', { customer: { id: 'c', email: 'nope' } }),
        }),
      ],
      ['orderId', await call('POST', '/orders', { role: 'storefront', body: orderBody('bad 1/..') })],
      [
        'items',
        await call('POST', '/orders', { role: 'storefront', body: orderBody('bad-1', { items: [] }) }),
      ],
    ];
    for (const [field, answer] of cases) {
      assert.equal(answer.status, 400, `${field}: ${JSON.stringify(answer.body)}`);
      const error = answer.body.error as { code: string; details: { field: string }[] };
      assert.equal(error.code, 'bad_request');
      assert.ok(
        error.details.some((d) => d.field === field),
        `${field} named in ${JSON.stringify(error.details)}`,
      );
    }
    const huge = await call('POST', '/orders', {
      role: 'storefront',
      body: orderBody('bad-1', { paymentMethod: 'x'.repeat(70_000) }),
    });
    assert.equal(huge.status, 413);
    await assertNotStarted('bad-1');
  });

  it('GET: 404 for an unknown order, 200 with status, total and currency for a known one', async () => {
    assert.equal((await call('GET', '/orders/nobody-here', { role: 'storefront' })).status, 404);
    await call('POST', '/orders', { role: 'storefront', body: orderBody('get-1') });
    const paid = await waitForStatus('get-1', 'Paid');
    assert.equal(paid.total, 2500);
    assert.equal(paid.currency, 'usd');
    assert.equal(paid.payment?.status, 'succeeded');
  });

  it('cancel: 404 unknown, 202 always for a known order, one refund however often it is asked', async () => {
    assert.equal((await call('POST', '/orders/ghost/cancel', { role: 'storefront', body: {} })).status, 404);
    await call('POST', '/orders', { role: 'storefront', body: orderBody('cancel-1') });
    await waitForStatus('cancel-1', 'Paid');
    assert.equal(
      (await call('POST', '/orders/cancel-1/cancel', { role: 'warehouse', body: {} })).status,
      403,
    );
    assert.equal(
      (await call('POST', '/orders/cancel-1/cancel', { role: 'storefront', body: { reason: 42 } })).status,
      400,
    );
    const first = await call('POST', '/orders/cancel-1/cancel', {
      role: 'storefront',
      body: { reason: 'changed my mind' },
    });
    assert.equal(first.status, 202);
    assert.equal(first.body.orderId, 'cancel-1');
    const refunded = await waitForStatus('cancel-1', 'Refunded');
    assert.equal(refunded.refund?.amount, 2500);
    const late = await call('POST', '/orders/cancel-1/cancel', { role: 'support', body: {} });
    assert.equal(late.status, 202);
    assert.equal(late.body.status, 'Refunded');
    assert.equal(refunded.cancellation?.requestedBy, 'storefront:storefront-1');
  });

  it('payment-retry: 409 unless PaymentFailed, 202 then paid with the new method', async () => {
    await call('POST', '/orders', {
      role: 'storefront',
      body: orderBody('retry-1', { paymentMethod: 'pm_card_chargeDeclined' }),
    });
    const failed = await waitForStatus('retry-1', 'PaymentFailed');
    assert.equal(failed.payment?.status, 'declined');
    assert.equal(
      (
        await call('POST', '/orders/retry-1/payment-retry', {
          role: 'storefront',
          body: { paymentMethod: 'pm_card_visa' },
        })
      ).status,
      403,
    );
    assert.equal(
      (await call('POST', '/orders/retry-1/payment-retry', { role: 'support', body: {} })).status,
      400,
    );
    const retried = await call('POST', '/orders/retry-1/payment-retry', {
      role: 'support',
      body: { paymentMethod: 'pm_card_visa' },
    });
    assert.equal(retried.status, 202);
    const paid = await waitForStatus('retry-1', 'Paid');
    assert.equal(paid.paymentAttempts, 2);
    const conflict = await call('POST', '/orders/retry-1/payment-retry', {
      role: 'support',
      body: { paymentMethod: 'pm_card_visa' },
    });
    assert.equal(conflict.status, 409);
    assert.equal(
      (
        await call('POST', '/orders/ghost/payment-retry', {
          role: 'support',
          body: { paymentMethod: 'pm_x' },
        })
      ).status,
      404,
    );
  });

  it('shipment: 409 before payment, 403 for the storefront, 202 once paid', async () => {
    await call('POST', '/orders', {
      role: 'storefront',
      body: orderBody('ship-1', { paymentMethod: 'pm_card_chargeDeclined' }),
    });
    await waitForStatus('ship-1', 'PaymentFailed');
    assert.equal(
      (await call('POST', '/orders/ship-1/shipment', { role: 'warehouse', body: {} })).status,
      409,
    );
    await call('POST', '/orders/ship-1/payment-retry', {
      role: 'support',
      body: { paymentMethod: 'pm_card_visa' },
    });
    await waitForStatus('ship-1', 'Paid');
    assert.equal(
      (await call('POST', '/orders/ship-1/shipment', { role: 'storefront', body: {} })).status,
      403,
    );
    assert.equal(
      (await call('POST', '/orders/ship-1/shipment', { role: 'warehouse', body: { trackingNumber: 7 } }))
        .status,
      400,
    );
    const shipped = await call('POST', '/orders/ship-1/shipment', {
      role: 'warehouse',
      body: { trackingNumber: 'TRK-9' },
    });
    assert.equal(shipped.status, 202);
    const view = await waitForStatus('ship-1', 'Shipped');
    assert.equal(view.shipment?.trackingNumber, 'TRK-9');

    // The warehouse retries after a lost answer: the order as it is, not a refusal.
    const repeated = await call('POST', '/orders/ship-1/shipment', {
      role: 'warehouse',
      body: { trackingNumber: 'TRK-9' },
    });
    assert.equal(repeated.status, 202, JSON.stringify(repeated.body));
    assert.equal(repeated.body.status, 'Shipped');
    assert.equal((repeated.body.shipment as { trackingNumber?: string }).trackingNumber, 'TRK-9');
    // Cancelled and shipped: still answered, for it is a repeat; a cancelled unshipped order is a 409.
    await call('POST', '/orders', { role: 'storefront', body: orderBody('ship-cancelled') });
    await call('POST', '/orders/ship-cancelled/cancel', { role: 'storefront', body: {} });
    await waitForStatus('ship-cancelled', 'Cancelled');
    assert.equal(
      (await call('POST', '/orders/ship-cancelled/shipment', { role: 'warehouse', body: {} })).status,
      409,
    );
  });

  it('an order id is charged at most once for as long as the store keeps the order, after Temporal deleted its history too', async () => {
    await call('POST', '/orders', { role: 'storefront', body: orderBody('kept-1') });
    await waitForStatus('kept-1', 'Paid');
    await call('POST', '/orders/kept-1/cancel', { role: 'storefront', body: { reason: 'test' } });
    await waitForStatus('kept-1', 'Refunded');
    const handle = env.client.workflow.getHandle('order-kept-1');
    await handle.result();
    // What the server's retention does to a closed order: its history is deleted.
    await env.client.workflowService.deleteWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: 'order-kept-1' },
    });
    // The server deletes in the background (bounded wait: 60 s).
    for (let i = 0; i < 300; i++) {
      try {
        await handle.describe();
        await new Promise((r) => setTimeout(r, 200));
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) break;
        throw err;
      }
    }
    await assertNotStarted('kept-1');
    const charges = () =>
      fs
        .readFileSync(path.join(outbox, 'payments.jsonl'), 'utf8')
        .split('\n')
        .filter((line) => line.includes('"kept-1"') && line.includes('"charge"')).length;
    assert.equal(charges(), 1);

    const again = await call('POST', '/orders', { role: 'storefront', body: orderBody('kept-1') });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.status, 'Refunded', 'the stored order, as it ended');
    const different = await call('POST', '/orders', {
      role: 'storefront',
      body: orderBody('kept-1', { paymentMethod: 'pm_card_mastercard' }),
    });
    assert.equal(different.status, 409);
    await assertNotStarted('kept-1');
    assert.equal(charges(), 1, 'never a second charge');
  });

  it('authorizations: managers only, 404 unknown, 400 bad bodies; an approval inside the window makes the order Authorized', async () => {
    const at = windowBase;
    const placed = await call('POST', '/orders', {
      role: 'storefront',
      base: at,
      body: orderBody('auth-1', { items: [{ sku: 'piano', quantity: 1, unitPrice: 250_000 }] }),
    });
    assert.equal(placed.status, 202);
    const received = await waitFor('auth-1', (v) => v.acceptance !== undefined, 'its acceptance', at);
    assert.equal(received.status, 'Received');
    assert.equal(received.acceptance?.authorizationRequired, true);
    const windowLeft = Date.parse(received.acceptance.remorseWindowEndsAt) - Date.now();
    assert.ok(
      windowLeft > 50 * 60_000 && windowLeft <= 60 * 60_000,
      `the window ends in about an hour (${windowLeft} ms)`,
    );

    const approve = { approved: true, note: 'known customer' };
    assert.equal(
      (await call('POST', '/orders/ghost/authorizations', { role: 'manager', body: approve })).status,
      404,
    );
    for (const role of ['storefront', 'support', 'warehouse'] as Role[]) {
      assert.equal(
        (await call('POST', '/orders/auth-1/authorizations', { role, body: approve })).status,
        403,
        role,
      );
    }
    const bad = await call('POST', '/orders/auth-1/authorizations', {
      role: 'manager',
      body: { approved: 'yes' },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(
      (bad.body.error as { details: { field: string }[] }).details.map((d) => d.field),
      ['approved'],
    );
    assert.equal(
      (
        await call('POST', '/orders/auth-1/authorizations', {
          role: 'manager',
          body: { ...approve, by: 'x' },
        })
      ).status,
      400,
    );
    assert.equal((await call('POST', '/orders/auth-1/authorizations', { role: 'manager' })).status, 400);
    assert.deepEqual(
      (await waitForStatus('auth-1', 'Received', at)).acceptance?.authorizations,
      [],
      'nothing signalled',
    );

    const answered = await call('POST', '/orders/auth-1/authorizations', { role: 'manager', body: approve });
    assert.equal(answered.status, 202);
    assert.equal(answered.body.orderId, 'auth-1');
    assert.deepEqual(
      (answered.body.acceptance as { authorizations: { managerId: string }[] }).authorizations.map(
        (a) => a.managerId,
      ),
      ['manager-1'],
      'one round trip: the answer is the order after the manager answered',
    );
    const authorized = await waitForStatus('auth-1', 'Authorized', at);
    assert.deepEqual(
      authorized.acceptance?.authorizations.map((a) => [a.managerId, a.approved, a.note]),
      [['manager-1', true, 'known customer']],
    );

    const cancelled = await call('POST', '/orders/auth-1/cancel', {
      role: 'storefront',
      body: { reason: 'oops' },
    });
    assert.equal(cancelled.status, 202);
    await waitForStatus('auth-1', 'Cancelled', at);
    assert.deepEqual(paymentsOf('auth-1'), [], 'cancelled inside the window: Stripe never asked');
    const late = await call('POST', '/orders/auth-1/authorizations', {
      role: 'manager',
      body: { approved: false },
    });
    assert.equal(late.status, 202);
    assert.equal(late.body.status, 'Cancelled');

    // An order below the threshold never needs one: answered with the order as it is, unchanged.
    await call('POST', '/orders', { role: 'storefront', base: at, body: orderBody('auth-small') });
    await waitFor('auth-small', (v) => v.acceptance !== undefined, 'its acceptance', at);
    const needless = await call('POST', '/orders/auth-small/authorizations', {
      role: 'manager',
      base: at,
      body: approve,
    });
    assert.equal(needless.status, 202);
    assert.deepEqual((needless.body.acceptance as { authorizations: unknown[] }).authorizations, []);
  });

  it('return: warehouse only, 404 unknown, 400 bad bodies; goods back without packaging after a cancel are refunded less the fee, once', async () => {
    await call('POST', '/orders', { role: 'storefront', body: orderBody('return-1') });
    await waitForStatus('return-1', 'Paid');
    await call('POST', '/orders/return-1/shipment', { role: 'warehouse', body: { trackingNumber: 'TRK-1' } });
    await waitForStatus('return-1', 'Shipped');

    const early = await call('POST', '/orders/return-1/return', {
      role: 'warehouse',
      body: { originalPackaging: true },
    });
    assert.equal(early.status, 202, 'a return without a cancellation is answered with the current state');
    assert.equal(early.body.status, 'Shipped');
    assert.equal(early.body.goodsReturn, undefined);

    assert.equal(
      (await call('POST', '/orders/return-1/cancel', { role: 'storefront', body: {} })).status,
      202,
    );
    const waiting = await waitFor('return-1', (v) => v.goodsReturn !== undefined, 'waiting for the goods');
    assert.equal(waiting.status, 'Shipped');

    assert.equal(
      (await call('POST', '/orders/ghost/return', { role: 'warehouse', body: { originalPackaging: true } }))
        .status,
      404,
    );
    for (const role of ['storefront', 'support', 'manager'] as Role[]) {
      assert.equal(
        (await call('POST', '/orders/return-1/return', { role, body: { originalPackaging: true } })).status,
        403,
        role,
      );
    }
    const bad = await call('POST', '/orders/return-1/return', {
      role: 'warehouse',
      body: { originalPackaging: 'no' },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(
      (bad.body.error as { details: { field: string }[] }).details.map((d) => d.field),
      ['originalPackaging'],
    );
    assert.equal(
      (await call('POST', '/orders/return-1/return', { role: 'warehouse', body: {} })).status,
      400,
    );

    const returned = await call('POST', '/orders/return-1/return', {
      role: 'warehouse',
      body: { originalPackaging: false },
    });
    assert.equal(returned.status, 202);
    const refunded = await waitForStatus('return-1', 'PartiallyRefunded');
    assert.deepEqual(
      [refunded.refund?.amount, refunded.refund?.restockingFee, refunded.refund?.status],
      [2125, 375, 'succeeded'],
    );
    const again = await call('POST', '/orders/return-1/return', {
      role: 'warehouse',
      body: { originalPackaging: true },
    });
    assert.equal(again.status, 202);
    assert.equal(again.body.status, 'PartiallyRefunded');
    assert.deepEqual(
      paymentsOf('return-1').filter((p) => p.action === 'refund'),
      [{ action: 'refund', amount: 2125 }],
      'one refund',
    );
  });

  it('serves its OpenAPI 3.1 document, which every answer in these suites is checked against', async () => {
    const answer = await call('GET', '/openapi.json');
    assert.equal(answer.status, 200);
    assert.equal(answer.body.openapi, '3.1.0');
    assert.ok((answer.body.paths as Record<string, unknown>)['/orders/{id}/authorizations']);
  });

  it('GET /metrics counts what was answered, by route pattern', async () => {
    await call('GET', '/orders/get-1', { role: 'support' });
    const response = await fetch(`${base}/metrics`);
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, /^http_requests_total\{method="POST",route="\/orders",status="202"\} \d+$/m);
    assert.match(text, /^http_requests_total\{method="GET",route="\/orders\/:id",status="200"\} \d+$/m);
  });

  it('/readyz answers 503 naming the dependency that is down, never how it failed (that goes to the log)', async () => {
    const logged: string[] = [];
    const down = await serveApi({
      client: env.client,
      store: {
        ...store,
        ping: () => Promise.reject(new Error('connect ECONNREFUSED 10.1.2.3:5432 user=app_admin')),
      },
      taskQueue: TASK_QUEUE,
      jwtSecret: SECRET,
      log: (message, err) => logged.push(`${message}: ${String((err as Error)?.message ?? err)}`),
    });
    try {
      const ready = await callApi(down.base, 'GET', '/readyz');
      assert.equal(ready.status, 503);
      assert.deepEqual(ready.body, {
        status: 'not ready',
        checks: { temporal: 'ok', store: 'unavailable' },
      });
      assert.deepEqual(logged, [
        'readiness: the store does not answer: connect ECONNREFUSED 10.1.2.3:5432 user=app_admin',
      ]);
    } finally {
      await down.close();
    }
  });

  it('404 for an unknown route', async () => {
    assert.equal((await call('GET', '/nothing', { role: 'support' })).status, 404);
  });
});
