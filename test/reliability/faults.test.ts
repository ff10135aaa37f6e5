/**
 * Faults, caused on purpose on 127.0.0.1 (bounded waits throughout). First: the worker killed with
 * SIGKILL while Stripe is answering the charge, then started again. The charge had reached Stripe;
 * the retry after the activity's timeout carries the same idempotency key (so Stripe charges once),
 * the order ends in its right state, and every fact was published under one messageId.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { placedOrder } from '../helpers/checkout-scenario';
import { confirmsPaymentIntent, startRecordingProxy, type FakeServer } from '../../scripts/http-fakes';
import { startStripeMock, type RunningStripeMock } from '../../scripts/stripe-mock';
import { killLeftovers, startWorkerProcess, until } from '../helpers/processes';
import { devServerEnv, waitForStatus } from '../helpers/temporal';
import { cancelOrderSignal } from '../../workflows/checkout/messages';

describe('faults', () => {
  let env: TestWorkflowEnvironment;
  let stripeMock: RunningStripeMock;
  let proxy: FakeServer;

  before(async () => {
    env = await devServerEnv();
    stripeMock = await startStripeMock('succeed');
    proxy = await startRecordingProxy(stripeMock.url);
  });
  after(async () => {
    killLeftovers();
    await proxy?.close();
    await stripeMock?.stop();
    await env?.teardown();
  });

  it('the worker killed mid-charge and restarted: one idempotency key, the right final state, no fact lost or doubled', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fault-kill-'));
    const taskQueue = `fault-kill-${Date.now()}`;
    const startWorker = async (): Promise<ChildProcess> =>
      (
        await startWorkerProcess({
          TEMPORAL_ADDRESS: env.address,
          TEMPORAL_TASK_QUEUE: taskQueue,
          DATA_DIR: dataDir,
          STRIPE_SECRET_KEY: 'sk_test_fault',
          STRIPE_API_BASE: proxy.url,
          ORDER_REMORSE_WINDOW: '1s',
        })
      ).child;

    const order = placedOrder();
    let release!: () => void;
    proxy.hold = new Promise<void>((resolve) => (release = resolve));
    // The charge is the confirmation of the order's PaymentIntent; its creation passes.
    proxy.only = confirmsPaymentIntent;
    const first = await startWorker();
    const handle = await env.client.workflow.start('checkoutWorkflow', {
      workflowId: `order-${order.orderId}`,
      taskQueue,
      args: [order],
    });
    const charges = () => proxy.requests.filter(confirmsPaymentIntent);
    await until('the charge to reach Stripe', () => charges().length === 1, 30_000);

    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    proxy.hold = undefined;
    release(); // Stripe finishes the charge; the worker that asked is gone.

    await startWorker();
    // The payment activity times out (startToCloseTimeout 1m) and is retried by the new worker.
    await until(
      'the order to be paid',
      async () => (await handle.describe()).status.name === 'RUNNING' && charges().length >= 2,
      150_000,
    );
    await waitForStatus(handle, 'Paid');
    await handle.signal(cancelOrderSignal, { requestedBy: 'test' });
    await until(
      'the order to finish',
      async () => (await handle.describe()).status.name !== 'RUNNING',
      60_000,
    );
    const final = (await handle.result()) as { status: string };
    assert.equal(final.status, 'Refunded');

    const keys = new Set(charges().map((r) => r.headers['idempotency-key']));
    assert.deepEqual(
      [...keys],
      [`order-${order.orderId}-charge-1`],
      'every request for the charge carries one key',
    );
    const refunds = proxy.requests.filter((r) => r.path === '/v1/refunds');
    assert.deepEqual(
      new Set(refunds.map((r) => r.headers['idempotency-key'])),
      new Set([`order-${order.orderId}-refund`]),
    );

    const events = fs
      .readFileSync(path.join(dataDir, 'dev-outbox', 'events.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { messageId: string });
    const ids = new Set(events.map((e) => e.messageId));
    for (const fact of ['order.received', 'order.accepted', 'order.paid', 'order.refunded']) {
      assert.ok(ids.has(`${order.orderId}:${fact}`), `${fact} published`);
    }
    assert.equal(ids.size, 4, `one messageId per fact: ${[...ids].join(', ')}`);
  });
});
