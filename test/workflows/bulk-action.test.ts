/**
 * Support's bulk action on the time-skipping server, over the real checkout workflow, the real
 * stores (SQLite) and the development payment gateway, which declines Stripe's decline test card:
 * orders fail on it, and a bulk retry with a good card pays each exactly once, at its pace, with the
 * bulk action and who started it in each order's timeline. Pause holds it, stop ends it with nothing
 * after the stop touched, and a long one continues as new with its history bounded.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createCheckoutActivities } from '../../activities/checkout';
import { createBulkActionActivities } from '../../activities/checkout/bulk-actions';
import { createDevPaymentGateway } from '../../activities/checkout/payments';
import { createDevMailer, createDevPublisher, DevRecorder } from '../../activities/adapters/development';
import type { BulkActionRequest, BulkFilter } from '../../domain/bulk-actions';
import { openBulkActionStore, openOrderStore, type BulkActionStore, type OrderStore } from '../../store';
import { bulkActionWorkflow, checkoutWorkflow } from '../../workflows';
import {
  bulkActionCommandUpdate,
  bulkActionProgressQuery,
  bulkActionWorkflowId,
} from '../../workflows/checkout/bulk-messages';
import { checkoutWorkflowId, orderStatusQuery } from '../../workflows/checkout/messages';
import { placedOrder, TEST_SETTINGS } from '../helpers/checkout-scenario';
import { recorded } from '../helpers/processes';
import { captureHistory, timeSkippingEnv, waitForStatus, workflowBundle } from '../helpers/temporal';

const SETTINGS = { ...TEST_SETTINGS, orderRemorseWindowMs: 0 };
const SAM = { actor: 'support:sam', name: 'Sam Sato' };

describe('bulk action', () => {
  let env: TestWorkflowEnvironment;
  let orders: OrderStore;
  let bulk: BulkActionStore;
  let outbox: string;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = 'bulk-actions';

  before(async () => {
    env = await timeSkippingEnv();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulk-'));
    outbox = dataDir;
    orders = openOrderStore({ dataDir });
    bulk = openBulkActionStore({ dataDir });
    const recorder = new DevRecorder(dataDir, () => undefined);
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: {
        ...createCheckoutActivities({
          store: orders,
          payments: createDevPaymentGateway(recorder),
          mailer: createDevMailer(recorder),
          events: createDevPublisher(recorder),
          settings: SETTINGS,
          fromEmail: 'orders@example.com',
        }),
        ...createBulkActionActivities({ client: env.client, orders, bulkActions: bulk }),
      },
    });
    running = worker.run();
  });

  after(async () => {
    worker?.shutdown();
    await running;
    await orders?.close();
    await bulk?.close();
    await env?.teardown();
  });

  /** Orders of one customer, each declined on its card: PaymentFailed, waiting for support. */
  async function failedOrders(customerId: string, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const order = placedOrder({
        orderId: `${customerId}-${i}`,
        customer: { id: customerId, email: `${customerId}@example.com` },
        paymentMethod: 'pm_card_chargeDeclined',
        placedAt: new Date(Date.UTC(2026, 11, 2, 14, 2 + i)).toISOString(),
      });
      await orders.saveOrder(order);
      await env.client.workflow.start(checkoutWorkflow, {
        workflowId: checkoutWorkflowId(order.orderId),
        taskQueue,
        args: [{ ...order, settings: SETTINGS }],
      });
      ids.push(order.orderId);
    }
    for (const id of ids)
      await waitForStatus(env.client.workflow.getHandle(checkoutWorkflowId(id)), 'PaymentFailed');
    // The store has each failure once the workflow has recorded it.
    for (const id of ids) {
      for (let tries = 0; (await orders.getOrder(id))?.status !== 'PaymentFailed' && tries < 100; tries++) {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return ids;
  }

  async function startBulk(id: string, filter: BulkFilter, ordersPerSecond: number, chunksPerRun?: number) {
    const request: BulkActionRequest = {
      bulkActionId: id,
      action: 'payment-retry',
      filter,
      paymentMethod: 'pm_card_visa',
      startedBy: SAM,
      startedAt: new Date().toISOString(),
    };
    await bulk.create(request);
    return env.client.workflow.start(bulkActionWorkflow, {
      workflowId: bulkActionWorkflowId(id),
      taskQueue,
      args: [{ ...request, ordersPerSecond, ...(chunksPerRun ? { chunksPerRun } : {}) }],
    });
  }

  /** Successful charges per order, from the gateway's own record. */
  function chargesOf(ids: string[]): Record<string, number> {
    const charges = recorded(outbox, 'payments').filter(
      (p) => p.action === 'charge' && p.outcome === 'succeeded',
    );
    return Object.fromEntries(ids.map((id) => [id, charges.filter((c) => c.orderId === id).length]));
  }

  it('retries every matched order once, at its pace, and each order says who asked', async () => {
    const ids = await failedOrders('incident', 6);
    const handle = await startBulk('b-all', { reason: 'payment_failed', customerId: 'incident' }, 2);
    const startedAt = Date.now();
    const progress = await handle.result();
    await captureHistory(handle, 'bulk-action-payment-retry-completed');
    assert.deepEqual(progress, { state: 'Completed', matched: 6, afterSeq: 6 });
    // Two a second: six orders take at least two seconds of (skipped) time.
    const history = await handle.fetchHistory();
    const timers = history.events!.filter((e) => e.timerStartedEventAttributes).length;
    assert.ok(timers >= 2, `paced by timers (${timers})`);
    assert.ok(Date.now() - startedAt < 60_000);

    for (const id of ids) {
      const view = await waitForStatus(env.client.workflow.getHandle(checkoutWorkflowId(id)), 'Paid');
      const said = view.timeline!.find((e) => e.kind === 'payment_retry_requested');
      assert.equal(said?.detail, 'Payment retry asked by bulk action b-all, started by Sam Sato');
      assert.equal(said?.actor, 'support:sam');
      assert.deepEqual(view.bulkActions, ['b-all']);
    }
    assert.deepEqual(chargesOf(ids), Object.fromEntries(ids.map((id) => [id, 1])));
    await captureHistory(
      env.client.workflow.getHandle(checkoutWorkflowId(ids[0]!)),
      'checkout-bulk-retry-paid',
    );
    const stored = await bulk.get('b-all');
    assert.equal(stored?.state, 'Completed');
    assert.deepEqual([stored?.matched, stored?.done, stored?.accepted, stored?.refused], [6, 6, 6, 0]);
  });

  it('the same order asked twice by one bulk action is retried once (a chunk sent again after a crash)', async () => {
    const [id] = await failedOrders('twice', 1);
    const acts = createBulkActionActivities({ client: env.client, orders, bulkActions: bulk });
    const request = {
      bulkActionId: 'b-twice',
      action: 'payment-retry' as const,
      filter: { customerId: 'twice' },
      paymentMethod: 'pm_card_chargeDeclined',
      startedBy: SAM,
      startedAt: new Date().toISOString(),
      ordersPerSecond: 5,
    };
    await bulk.create(request);
    assert.equal(await acts.selectBulkOrders({ bulkActionId: 'b-twice', filter: request.filter }), 1);
    // Run as the worker runs them, each in an activity's context (heartbeats).
    const activity = new MockActivityEnvironment();
    await activity.run((input) => acts.actOnBulkChunk(input), { request, orderIds: [id!] });
    // Declined again: PaymentFailed again, and the same bulk action's message once more changes nothing.
    const order = env.client.workflow.getHandle(checkoutWorkflowId(id!));
    for (let tries = 0; tries < 100; tries++) {
      const view = await order.query(orderStatusQuery);
      if (view.status === 'PaymentFailed' && view.paymentAttempts === 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await activity.run((input) => acts.actOnBulkChunk(input), { request, orderIds: [id!] });
    const view = await order.query(orderStatusQuery);
    assert.equal(view.paymentAttempts, 2, 'one retry, not two');
    assert.equal(view.timeline!.filter((e) => e.kind === 'payment_retry_requested').length, 1);
    const stored = await bulk.get('b-twice');
    assert.deepEqual([stored?.done, stored?.accepted], [1, 1], 'its outcome counted once');
  });

  it('a chunk sent again after a crash counts the orders it cancelled as done, not refused', async () => {
    const [id] = await failedOrders('recancel', 1);
    const request = {
      bulkActionId: 'b-recancel',
      action: 'cancel' as const,
      filter: { customerId: 'recancel' },
      reason: 'the outage',
      startedBy: SAM,
      startedAt: new Date().toISOString(),
      ordersPerSecond: 5,
    };
    await bulk.create(request);
    await bulk.select('b-recancel', request.filter);
    // The worker dies after the messages went and before the outcomes were written.
    const crashing = createBulkActionActivities({
      client: env.client,
      orders,
      bulkActions: { ...bulk, recordOutcomes: () => Promise.reject(new Error('worker killed')) },
    });
    const activity = new MockActivityEnvironment();
    await assert.rejects(
      activity.run((input) => crashing.actOnBulkChunk(input), { request, orderIds: [id!] }),
    );
    const order = env.client.workflow.getHandle(checkoutWorkflowId(id!));
    await order.result();
    for (let tries = 0; (await orders.getOrder(id!))?.status !== 'Cancelled' && tries < 100; tries++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const acts = createBulkActionActivities({ client: env.client, orders, bulkActions: bulk });
    await activity.run((input) => acts.actOnBulkChunk(input), { request, orderIds: [id!] });
    const stored = await bulk.get('b-recancel');
    assert.deepEqual([stored?.accepted, stored?.refused], [1, 0], 'its own cancel, not a refusal');
  });

  it('pause holds it, resume carries on; stop ends it and touches nothing after the stop', async () => {
    const ids = await failedOrders('halfway', 8);
    const handle = await startBulk('b-stop', { customerId: 'halfway', status: 'PaymentFailed' }, 1);
    const progressOf = () => handle.query(bulkActionProgressQuery);
    while ((await progressOf()).afterSeq < 2) await env.sleep('1s');
    assert.deepEqual(await handle.executeUpdate(bulkActionCommandUpdate, { args: ['pause'] }), {
      state: 'Paused',
    });
    const paused = (await progressOf()).afterSeq;
    await env.sleep('1 minute');
    assert.ok((await progressOf()).afterSeq <= paused + 1, 'a paused bulk action acts on nothing more');
    assert.equal((await bulk.get('b-stop'))?.state, 'Paused');
    await handle.executeUpdate(bulkActionCommandUpdate, { args: ['resume'] });
    while ((await progressOf()).afterSeq < paused + 2) await env.sleep('1s');
    assert.deepEqual(await handle.executeUpdate(bulkActionCommandUpdate, { args: ['stop'] }), {
      state: 'Stopped',
    });
    const final = await handle.result();
    await captureHistory(handle, 'bulk-action-paused-resumed-stopped');
    assert.equal(final.state, 'Stopped');
    assert.ok(final.afterSeq < ids.length, `stopped halfway (${final.afterSeq} of ${ids.length})`);

    const touched = ids.slice(0, final.afterSeq);
    const untouched = ids.slice(final.afterSeq);
    for (const id of untouched) {
      const view = await env.client.workflow.getHandle(checkoutWorkflowId(id)).query(orderStatusQuery);
      assert.equal(view.status, 'PaymentFailed', `${id} untouched`);
      assert.equal(view.bulkActions, undefined);
    }
    assert.deepEqual(chargesOf(untouched), Object.fromEntries(untouched.map((id) => [id, 0])));
    assert.deepEqual(chargesOf(touched), Object.fromEntries(touched.map((id) => [id, 1])));
    const stored = await bulk.get('b-stop');
    assert.deepEqual([stored?.state, stored?.matched, stored?.done], ['Stopped', 8, final.afterSeq]);
    // Ended: a further command is refused with the state it is in.
    await assert.rejects(handle.executeUpdate(bulkActionCommandUpdate, { args: ['resume'] }));
  });

  it('continues as new on the way, its history bounded, and still acts on each order once', async () => {
    const ids = await failedOrders('long', 7);
    const handle = await startBulk('b-long', { customerId: 'long' }, 1, 2);
    const progress = await handle.result();
    assert.deepEqual(progress, { state: 'Completed', matched: 7, afterSeq: 7 });
    const { runId } = await handle.describe();
    assert.notEqual(runId, handle.firstExecutionRunId, 'continued as new');
    const last = await env.client.workflow.getHandle(bulkActionWorkflowId('b-long'), runId).fetchHistory();
    assert.ok(last.events!.length < 80, `a bounded history (${last.events!.length} events)`);
    assert.deepEqual(chargesOf(ids), Object.fromEntries(ids.map((id) => [id, 1])));
  });
  // Last: an update left unanswered keeps the time-skipping server from skipping time afterwards.
  it('an order whose worker does not answer in time gets the retry as a signal; the chunk goes on', async () => {
    const order = placedOrder({ orderId: 'no-worker', paymentMethod: 'pm_card_chargeDeclined' });
    // On a queue nobody polls: its updates are never answered.
    const handle = await env.client.workflow.start(checkoutWorkflow, {
      workflowId: checkoutWorkflowId(order.orderId),
      taskQueue: 'nobody-polls-this',
      args: [{ ...order, settings: SETTINGS }],
    });
    const request = {
      bulkActionId: 'b-silent',
      action: 'payment-retry' as const,
      filter: { customerId: 'x' },
      paymentMethod: 'pm_card_visa',
      startedBy: SAM,
      startedAt: new Date().toISOString(),
      ordersPerSecond: 5,
    };
    await bulk.create(request);
    const acts = createBulkActionActivities({
      client: env.client,
      orders,
      bulkActions: bulk,
      orderAnswerMs: 1_000,
    });
    await new MockActivityEnvironment().run((input) => acts.actOnBulkChunk(input), {
      request,
      orderIds: [order.orderId],
    });
    const history = await handle.fetchHistory();
    const signals = history.events!.filter(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'retryPayment',
    );
    assert.equal(signals.length, 1, 'the retry waits in the order as a signal');
    await handle.terminate('test over');
  });
});
