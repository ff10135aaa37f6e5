/**
 * No worker: the API and the Temporal dev server run as their own processes, and the worker process
 * is not running (stopped, or never started yet). Placing, reading and cancelling an order, and
 * placing a leave request, must not depend on it: the API answers from what it recorded itself and
 * sends its signals without asking the workflow first. When the worker comes back, the processes
 * carry on: the cancelled order ends `Cancelled` with nothing charged, the leave request is decided.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signToken } from '../../api/auth';
import { openLeaveStore } from '../../store';
import { SEED_ORGANISATION } from '../../store/seed-organisation';
import { callApi } from '../helpers/api-server';
import {
  appStackEnv,
  devServerProcess,
  killLeftovers,
  recorded,
  startApiProcess,
  startWorkerProcess,
  until,
  type DevServer,
  type RunningProcess,
} from '../helpers/processes';

const SECRET = 'worker-down-secret-long-enough-for-hs256!';

describe('with no worker running', () => {
  let dataDir: string;
  let server: DevServer;
  let api: RunningProcess;
  let worker: RunningProcess | undefined;
  let env: NodeJS.ProcessEnv;
  let base: string;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-down-'));
    const leaveStore = openLeaveStore({ dataDir });
    await leaveStore.seedIfEmpty(SEED_ORGANISATION);
    await leaveStore.close();
    server = await devServerProcess();
    const stack = await appStackEnv({
      temporalAddress: server.address,
      taskQueue: 'worker-down',
      dataDir,
      jwtSecret: SECRET,
    });
    base = stack.base;
    env = { ...stack.env, ORDER_REMORSE_WINDOW: '2s' };
    // A worker runs once (registering the search attributes the API's lists use), then stops.
    worker = await startWorkerProcess(env);
    await worker.stop();
    worker = undefined;
    api = await startApiProcess(env);
  });

  after(async () => {
    await api?.stop();
    await worker?.stop();
    await server?.stop();
    killLeftovers();
  });

  it('an order is placed, read, cancelled and placed again; when a worker returns it ends Cancelled, never charged', async () => {
    const storefront = await signToken(SECRET, { role: 'storefront', sub: 'shop' });
    const body = {
      orderId: 'no-worker-1',
      customer: { id: 'c-1', email: 'ada@example.com' },
      items: [{ sku: 'book', quantity: 1, unitPrice: 1250 }],
      currency: 'usd',
      paymentMethod: 'pm_card_visa',
    };
    const placed = await callApi(base, 'POST', '/orders', { token: storefront, body });
    assert.equal(placed.status, 202);
    assert.equal(placed.body.status, 'Received');

    const read = await callApi(base, 'GET', '/orders/no-worker-1', { token: storefront });
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal(read.body.status, 'Received');
    assert.equal(read.body.total, 1250);

    const cancelled = await callApi(base, 'POST', '/orders/no-worker-1/cancel', {
      token: storefront,
      body: { reason: 'changed my mind' },
    });
    assert.equal(cancelled.status, 202, JSON.stringify(cancelled.body));

    const again = await callApi(base, 'POST', '/orders', { token: storefront, body });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.orderId, 'no-worker-1');

    const other = await callApi(base, 'POST', '/orders', {
      token: storefront,
      body: { ...body, paymentMethod: 'pm_card_mastercard' },
    });
    assert.equal(other.status, 409);

    // Well past the 2 s remorse window with no worker: the order is still waiting, not accepted.
    await new Promise((r) => setTimeout(r, 2_500));
    worker = await startWorkerProcess(env);
    let final: Record<string, unknown> = {};
    await until(
      'the order to end Cancelled',
      async () => {
        final = (await callApi(base, 'GET', '/orders/no-worker-1', { token: storefront })).body;
        return final.status === 'Cancelled';
      },
      60_000,
    );
    assert.equal((final.cancellation as { reason?: string }).reason, 'changed my mind');
    const outbox = path.join(dataDir, 'dev-outbox');
    assert.deepEqual(
      recorded(outbox, 'payments').filter((p) => p.orderId === 'no-worker-1'),
      [],
      'nothing charged',
    );
    assert.ok(
      !recorded(outbox, 'events').some((e) => e.type === 'order.accepted' && e.orderId === 'no-worker-1'),
      'never accepted',
    );
    await worker.stop();
    worker = undefined;
  });

  it('a leave request is answered Submitted within seconds, once per Idempotency-Key, and decided when a worker returns', async () => {
    const ella = await signToken(SECRET, { role: 'employee', sub: 'ella' });
    const startDate = `${new Date().getUTCFullYear() + 1}-03-01`;
    const post = (body: unknown, key?: string) =>
      fetch(`${base}/leave-requests`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${ella}`,
          'content-type': 'application/json',
          ...(key ? { 'idempotency-key': key } : {}),
        },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

    const askedAt = Date.now();
    const placed = await post({ days: 2, startDate }, 'ella-spring-break');
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
    assert.equal(placed.body.status, 'Submitted');
    assert.ok(Date.now() - askedAt < 15_000, 'answered within seconds, not left hanging');
    const requestId = String(placed.body.requestId);

    const repeated = await post({ days: 2, startDate }, 'ella-spring-break');
    assert.equal(repeated.status, 200);
    assert.equal(repeated.body.requestId, requestId);
    const different = await post({ days: 3, startDate }, 'ella-spring-break');
    assert.equal(different.status, 409);

    const read = await callApi(base, 'GET', `/leave-requests/${requestId}`, { token: ella });
    assert.equal(read.status, 200);
    assert.equal(read.body.status, 'Submitted');

    // A decision needs the process's own answer: with no worker, 503 says so instead of guessing.
    const mia = await signToken(SECRET, { role: 'manager', sub: 'mia' });
    const noAnswer = await callApi(base, 'POST', `/leave-requests/${requestId}/approve`, {
      token: mia,
      body: {},
    });
    assert.equal(noAnswer.status, 503, JSON.stringify(noAnswer.body));
    assert.equal((noAnswer.body.error as { code: string }).code, 'process_unavailable');

    worker = await startWorkerProcess(env);
    let decided: Record<string, unknown> = {};
    await until(
      'the request to be decided',
      async () => {
        decided = (await callApi(base, 'GET', `/leave-requests/${requestId}`, { token: ella })).body;
        return decided.status === 'Approved';
      },
      60_000,
    );
    assert.equal(decided.balanceAfter, 23);
  });
});
