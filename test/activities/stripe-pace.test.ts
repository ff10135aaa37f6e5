/**
 * At Stripe's pace, on the dev server (the real matching service, its rate limit and priorities):
 * the checkout's Stripe calls run on the Stripe task queue, whose workers Temporal holds to
 * STRIPE_MAX_REQUESTS_PER_SECOND together, against a FAKE Stripe with state that answers 429
 * beyond Stripe's own limit, as Stripe does.
 *
 * - at the configured pace, Stripe refuses nothing;
 * - without it, Stripe's 429s are retried (after Retry-After), never taken for a decline: each
 *   order is still paid, once;
 * - a bulk action's retries wait behind a new customer's charge on that queue.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createCheckoutActivities, stripeActivitiesOf } from '../../activities/checkout';
import { createStripeClient, createStripeGateway } from '../../activities/checkout/stripe';
import { createDevMailer, createDevPublisher, DevRecorder } from '../../activities/adapters/development';
import type { CheckoutSettings } from '../../config/settings';
import { stripeWorkerConcurrency } from '../../domain/bulk-actions';
import type { OrderStatus } from '../../domain/checkout';
import { startStatefulFakeStripe, type StatefulFakeStripe } from '../../scripts/http-fakes';
import { openSqliteOrderStore } from '../../store/sql-order-store';
import { checkoutWorkflow } from '../../workflows';
import { checkoutWorkflowId, retryPaymentUpdate } from '../../workflows/checkout/messages';
import { placedOrder, TEST_SETTINGS } from '../helpers/checkout-scenario';
import { devServerEnv, waitForStatus, workflowBundle } from '../helpers/temporal';

describe('at Stripe’s pace', () => {
  let env: TestWorkflowEnvironment;
  let stripe: StatefulFakeStripe;
  before(async () => {
    env = await devServerEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  /**
   * Runs `body` with a main worker (workflows, bookkeeping) and a Stripe worker on its own queue,
   * held by Temporal to `queueLimit` requests a second (none: unlimited).
   */
  async function withWorkers<T>(
    name: string,
    queueLimit: number | undefined,
    body: (settings: CheckoutSettings) => Promise<T>,
  ) {
    stripe = await startStatefulFakeStripe();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
    const recorder = new DevRecorder(dir, () => undefined);
    const store = openSqliteOrderStore(':memory:');
    const settings: CheckoutSettings = {
      ...TEST_SETTINGS,
      orderRemorseWindowMs: 0,
      paymentsTaskQueue: `${name}-stripe`,
    };
    const activities = createCheckoutActivities({
      store,
      // As paymentGatewayFor builds it: the process's own requests spaced at the same limit.
      payments: createStripeGateway(
        createStripeClient({
          secretKey: 'sk_test_123',
          apiBase: stripe.url,
          maxRequestsPerSecond: queueLimit,
        }),
      ),
      mailer: createDevMailer(recorder),
      events: createDevPublisher(recorder),
      settings,
      fromEmail: 'orders@example.com',
    });
    const main = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: name,
      workflowBundle: await workflowBundle(),
      activities,
    });
    const stripeWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: `${name}-stripe`,
      activities: stripeActivitiesOf(activities),
      ...(queueLimit
        ? {
            maxTaskQueueActivitiesPerSecond: queueLimit,
            maxConcurrentActivityTaskExecutions: stripeWorkerConcurrency(queueLimit),
          }
        : {}),
    });
    try {
      return await main.runUntil(stripeWorker.runUntil(body(settings)));
    } finally {
      await store.close();
      await stripe.close();
    }
  }

  /** `count` orders on the workers' queue (the one the settings' Stripe queue is named after). */
  async function placeOrders(
    prefix: string,
    settings: CheckoutSettings,
    count: number,
    paymentMethod = 'pm_card_visa',
  ) {
    const taskQueue = settings.paymentsTaskQueue!.replace(/-stripe$/, '');
    const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
    await Promise.all(
      ids.map((orderId) =>
        env.client.workflow.start(checkoutWorkflow, {
          workflowId: checkoutWorkflowId(orderId),
          taskQueue,
          args: [{ ...placedOrder({ orderId, paymentMethod }), settings }],
        }),
      ),
    );
    return ids;
  }

  const statusOf = (id: string, status: OrderStatus) =>
    waitForStatus(env.client.workflow.getHandle(checkoutWorkflowId(id)), status);

  /** Each PaymentIntent charged once, and as many charged as orders. */
  function chargedOncePerOrder(count: number): void {
    const intents = stripe.charges.map((c) => c.paymentIntentId);
    assert.equal(intents.length, count, 'one charge per order');
    assert.equal(new Set(intents).size, count, 'no order charged twice');
  }

  it('at the configured pace Stripe refuses nothing, and every order is paid once', async () => {
    await withWorkers('paced', 25, async (settings) => {
      stripe.maxRequestsPerSecond = 25; // Stripe's sandbox limit, and the default configured pace
      const ids = await placeOrders('paced', settings, 40);
      for (const id of ids) await statusOf(id, 'Paid');
      assert.equal(stripe.rateLimited, 0, 'no 429 at the configured pace');
      assert.equal(stripe.requests.length, 80, 'each order: its PaymentIntent and its charge');
      chargedOncePerOrder(40);
    });
  });

  it('beyond Stripe’s limit its 429s are retried after Retry-After, never a decline: each order still paid once', async () => {
    await withWorkers('unpaced', undefined, async (settings) => {
      stripe.maxRequestsPerSecond = 5;
      stripe.retryAfterSeconds = 1;
      const ids = await placeOrders('unpaced', settings, 20);
      for (const id of ids) {
        const view = await statusOf(id, 'Paid');
        assert.equal(view.paymentAttempts, 1, `${id}: one attempt, no decline`);
      }
      assert.ok(stripe.rateLimited > 0, 'the fake refused requests beyond its limit');
      chargedOncePerOrder(20);
    });
  });

  it('a bulk action’s retries wait behind a new customer’s charge on the Stripe queue', async () => {
    await withWorkers('priority', 10, async (settings) => {
      const failed = await placeOrders('backlog', settings, 40, 'pm_card_chargeDeclined');
      for (const id of failed) await statusOf(id, 'PaymentFailed');
      // A bulk action's retries, all at once: 40 charges at 10 a second, four seconds of backlog.
      const bulkAction = {
        bulkActionId: 'b-priority',
        startedBy: { actor: 'support:sam', name: 'Sam Sato' },
      };
      await Promise.all(
        failed.map((id) =>
          env.client.workflow.getHandle(checkoutWorkflowId(id)).executeUpdate(retryPaymentUpdate, {
            args: [{ paymentMethod: 'pm_card_visa', requestedBy: 'support:sam', bulkAction }],
          }),
        ),
      );
      const [fresh] = await placeOrders('fresh', settings, 1);
      const paid = await statusOf(fresh!, 'Paid');
      for (const id of failed) await statusOf(id, 'Paid');
      const order = stripe.charges.findIndex((c) => c.paymentIntentId === paid.payment?.paymentIntentId);
      // Behind the whole backlog it would be the 41st charge. First in line on the queue, it waits
      // only for the few the Stripe worker has in hand (its concurrency) for each of its two calls.
      const inHand = stripeWorkerConcurrency(10);
      assert.ok(
        order < 3 * inHand,
        `the new customer's charge came ${order + 1}th of ${stripe.charges.length}`,
      );
      chargedOncePerOrder(41);
    });
  });
});
