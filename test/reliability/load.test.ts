/**
 * Load: LOAD_ORDERS orders (1,000 by default) placed through the API by a bounded number of
 * concurrent clients, with short windows: a share cancelled inside the remorse window, a share
 * declined (left unresolved, so cancelled), the rest paid, shipped and completed. Every order
 * reaches its final state, and the charges, refunds, events and emails recorded by the peers match
 * the orders exactly, with no messageId twice. The figures go to reliability/results/load.json
 * (and RELIABILITY.md quotes them); nothing here asserts a time.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createCheckoutActivities } from '../../activities/checkout';
import { createDevMailer, createDevPublisher, DevRecorder } from '../../activities/adapters/development';
import { signToken } from '../../api/auth';
import type { CheckoutSettings } from '../../config/settings';
import { FINAL_STATUSES, type OrderStatus } from '../../domain/checkout';
import { checkoutWorkflowId } from '../../workflows/checkout/messages';
import { openOrderStore, type OrderStore } from '../../store';
import { callApi, runWorker, serveApi, type RunningApi, type RunningWorker } from '../helpers/api-server';
import { recorded, reportFigures } from '../helpers/processes';
import { devServerEnv, workflowBundle } from '../helpers/temporal';
import { createDevPaymentGateway } from '../../activities/checkout/payments';

const ORDERS = Number(process.env.LOAD_ORDERS ?? 1000);
const CLIENTS = 16;
const SECRET = 'load-test-secret-long-enough-for-hs256!!!';
const SETTINGS: CheckoutSettings = {
  paymentResolutionWindowMs: 2_000,
  sideEffectAlertAfterMs: 60_000,
  returnWindowMs: 2_000,
  orderRemorseWindowMs: 1_000,
  authorizationThreshold: 100_000,
  restockingFeePercent: 15,
  supportEmail: 'support@example.com',
  managersEmail: 'managers@example.com',
};

type Kind = 'paid' | 'cancelled' | 'declined';
/** Every fifth order cancelled in its window, every fifth declined, the rest paid and shipped. */
const kindOf = (i: number): Kind => (i % 5 === 0 ? 'cancelled' : i % 5 === 1 ? 'declined' : 'paid');
const FINAL: Record<Kind, OrderStatus> = { paid: 'Completed', cancelled: 'Cancelled', declined: 'Cancelled' };

/** Runs `work` over `items` with at most `limit` at once. */
async function bounded<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

describe(`load: ${ORDERS} orders through the API`, () => {
  let env: TestWorkflowEnvironment;
  let store: OrderStore;
  let api: RunningApi;
  let worker: RunningWorker;
  let outbox: string;

  before(async () => {
    env = await devServerEnv();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'load-'));
    outbox = dataDir;
    store = openOrderStore({ dataDir });
    const recorder = new DevRecorder(dataDir, () => undefined);
    worker = await runWorker({
      connection: env.nativeConnection,
      taskQueue: 'load',
      workflowBundle: await workflowBundle(),
      activities: createCheckoutActivities({
        store,
        payments: createDevPaymentGateway(recorder),
        mailer: createDevMailer(recorder),
        events: createDevPublisher(recorder),
        settings: SETTINGS,
        fromEmail: 'orders@example.com',
      }),
    });
    api = await serveApi({ client: env.client, store, taskQueue: 'load', jwtSecret: SECRET });
  });

  after(async () => {
    await api?.close();
    await worker?.stop();
    await store?.close();
    await env?.teardown();
  });

  it('every order reaches its final state; charges, refunds, events and emails match the orders exactly', async () => {
    const storefront = await signToken(SECRET, { role: 'storefront', sub: 'shop' });
    const warehouse = await signToken(SECRET, { role: 'warehouse', sub: 'wes' });
    const post = async (url: string, token: string, body: unknown) =>
      (await callApi(api.base, 'POST', url, { token, body })).status;
    const orders = Array.from({ length: ORDERS }, (_, i) => ({ id: `load-${i}`, kind: kindOf(i) }));
    const started = Date.now();
    const latencies: number[] = [];
    await bounded(orders, CLIENTS, async ({ id, kind }) => {
      const t0 = performance.now();
      const status = await post('/orders', storefront, {
        orderId: id,
        customer: { id: 'c', email: `${id}@example.com` },
        items: [{ sku: 'book', quantity: 1, unitPrice: 1_000 }],
        currency: 'usd',
        paymentMethod: kind === 'declined' ? 'pm_card_chargeDeclined' : 'pm_card_visa',
      });
      latencies.push(performance.now() - t0);
      assert.equal(status, 202);
      if (kind === 'cancelled') assert.equal(await post(`/orders/${id}/cancel`, storefront, {}), 202);
    });
    const placedIn = Date.now() - started;

    // Ship the paid ones as they get paid; wait (bounded: 10 minutes, more for a long run) for every final state.
    const shipped = new Set<string>();
    const final = new Map<string, OrderStatus>();
    const deadline = Date.now() + Math.max(10 * 60_000, ORDERS * 200);
    while (final.size < ORDERS && Date.now() < deadline) {
      await bounded(
        orders.filter((o) => !final.has(o.id)),
        CLIENTS,
        async ({ id, kind }) => {
          const status = (await store.getOrder(id))?.status;
          if (status && FINAL_STATUSES.has(status)) final.set(id, status);
          else if (kind === 'paid' && status === 'Paid' && !shipped.has(id)) {
            assert.equal(await post(`/orders/${id}/shipment`, warehouse, {}), 202);
            shipped.add(id);
          }
        },
      );
      if (final.size < ORDERS) await new Promise((r) => setTimeout(r, 500));
    }
    const tookMs = Date.now() - started;
    for (const { id, kind } of orders) assert.equal(final.get(id), FINAL[kind], `${id} (${kind})`);
    // The final status is written while the last event and email are still being sent: the peers
    // are counted once every order's workflow has closed, not when its status first reads final.
    await bounded(orders, CLIENTS, async ({ id }) => {
      await env.client.workflow.getHandle(checkoutWorkflowId(id)).result();
    });

    const payments = recorded(outbox, 'payments');
    const events = recorded(outbox, 'events');
    const emails = recorded(outbox, 'emails');
    const count = (kind: Kind) => orders.filter((o) => o.kind === kind).length;
    const [paid, cancelled, declined] = [count('paid'), count('cancelled'), count('declined')];

    const charges = payments.filter((p) => p.action === 'charge' && p.outcome !== 'declined');
    assert.equal(charges.length, paid, 'one charge per paid order');
    assert.equal(new Set(charges.map((c) => c.orderId)).size, paid, 'no order charged twice');
    assert.equal(payments.filter((p) => p.outcome === 'declined').length, declined);
    assert.equal(payments.filter((p) => p.action === 'refund').length, 0);

    const ids = events.map((e) => e.messageId as string);
    assert.equal(new Set(ids).size, ids.length, 'no event twice by messageId');
    const ofType = (type: string) => events.filter((e) => e.type === type).length;
    assert.equal(ofType('order.received'), ORDERS);
    assert.equal(ofType('order.accepted'), paid + declined);
    assert.equal(ofType('order.paid'), paid);
    assert.equal(ofType('order.shipped'), paid);
    assert.equal(ofType('order.completed'), paid);
    assert.equal(ofType('order.payment_failed'), declined);
    assert.equal(ofType('order.cancelled'), cancelled + declined);

    const emailsOf = (category: string) => emails.filter((e) => e.category === category).length;
    assert.equal(emailsOf('order_confirmation'), paid);
    assert.equal(emailsOf('order_cancelled'), cancelled);
    assert.equal(emailsOf('payment_cancelled_unresolved'), declined);
    assert.equal(emailsOf('support_payment_failed'), declined);
    assert.equal(new Set(emails.map((e) => e.messageKey)).size, emails.length, 'no email twice');

    latencies.sort((a, b) => a - b);
    const pct = (p: number) =>
      Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!);
    const figures = {
      orders: ORDERS,
      clients: CLIENTS,
      paid,
      cancelledInWindow: cancelled,
      declinedUnresolved: declined,
      placedInMs: placedIn,
      allFinalInMs: tookMs,
      placedPerSecond: Math.round((ORDERS / placedIn) * 1000),
      postOrdersLatencyMs: { p50: pct(0.5), p95: pct(0.95), p99: pct(0.99) },
      charges: charges.length,
      events: events.length,
      emails: emails.length,
    };
    reportFigures('load', figures);
  });
});
