/**
 * A worker killed in the middle of a bulk action: the real API and worker processes on a dev
 * server, the development payment adapter (which declines Stripe's decline test card). Thirty
 * orders fail on that card; support starts a bulk retry with a good one at 5 orders a second; the
 * worker is SIGKILLed once some are done, another takes over. The bulk action completes, and each
 * order was charged twice in all (its declined attempt and one retry), never a third time, with one
 * bulk note on its timeline: nothing lost, nothing repeated.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signToken } from '../../api/auth';
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

const SECRET = 'bulk-action-crash-secret-long-enough!!';
const ORDERS = 30;

describe('a worker killed in the middle of a bulk action', () => {
  let dataDir: string;
  let server: DevServer;
  let api: RunningProcess;
  const workers: RunningProcess[] = [];
  let env: NodeJS.ProcessEnv;
  let base: string;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulk-crash-'));
    server = await devServerProcess();
    const stack = await appStackEnv({
      temporalAddress: server.address,
      taskQueue: 'bulk-crash',
      dataDir,
      jwtSecret: SECRET,
    });
    base = stack.base;
    env = { ...stack.env, ORDER_REMORSE_WINDOW: '0s', STRIPE_MAX_REQUESTS_PER_SECOND: '5' };
    api = await startApiProcess(env);
    workers.push(await startWorkerProcess(env));
  });

  after(async () => {
    await api?.stop();
    for (const w of workers) await w.stop();
    await server?.stop();
    killLeftovers();
  });

  it('completes on another worker; every order retried once, none twice', async () => {
    const storefront = await signToken(SECRET, { role: 'storefront', sub: 'shop' });
    const support = await signToken(SECRET, { role: 'support', sub: 'sam' });
    const ids = Array.from({ length: ORDERS }, (_, i) => `crash-${i}`);
    for (const orderId of ids) {
      const placed = await callApi(base, 'POST', '/orders', {
        token: storefront,
        body: {
          orderId,
          customer: { id: 'outage', email: 'outage@example.com' },
          items: [{ sku: 'book', quantity: 1, unitPrice: 1000 }],
          currency: 'usd',
          paymentMethod: 'pm_card_chargeDeclined',
        },
      });
      assert.equal(placed.status, 202);
    }
    const failedCount = async () =>
      (
        await callApi(base, 'POST', '/bulk-actions/preview', {
          token: support,
          body: { action: 'payment-retry', filter: { customerId: 'outage', reason: 'payment_failed' } },
        })
      ).body.matched;
    await until('every order to fail on its card', async () => (await failedCount()) === ORDERS, 120_000);

    const started = await callApi(base, 'POST', '/bulk-actions', {
      token: support,
      body: {
        action: 'payment-retry',
        filter: { customerId: 'outage', reason: 'payment_failed' },
        paymentMethod: 'pm_card_visa',
      },
    });
    assert.equal(started.status, 202);
    const id = started.body.bulkActionId as string;
    const progress = async () => (await callApi(base, 'GET', `/bulk-actions/${id}`, { token: support })).body;

    await until('some orders done', async () => Number((await progress()).done) >= 5, 60_000);
    const killed = workers[0]!;
    killed.child.kill('SIGKILL');
    await until(
      'the worker to die',
      () => killed.child.exitCode !== null || killed.child.signalCode !== null,
      10_000,
    );
    const doneAtCrash = Number((await progress()).done);
    assert.ok(doneAtCrash < ORDERS, `killed mid-action (${doneAtCrash} of ${ORDERS} done)`);
    workers.push(await startWorkerProcess(env));

    await until('the bulk action to complete', async () => (await progress()).state === 'Completed', 180_000);
    const final = await progress();
    assert.deepEqual(
      [final.matched, final.done, final.accepted, final.refused, final.remaining],
      [ORDERS, ORDERS, ORDERS, 0, 0],
    );

    for (const orderId of ids) {
      await until(
        `${orderId} paid`,
        async () => {
          const order = await callApi(base, 'GET', `/orders/${orderId}`, { token: support });
          return (
            order.body.status === 'Paid' ||
            order.body.status === 'Completed' ||
            order.body.status === 'Shipped'
          );
        },
        60_000,
      );
      const timeline = await callApi(base, 'GET', `/orders/${orderId}/timeline`, { token: support });
      const notes = (timeline.body.events as { detail: string }[]).filter((e) =>
        e.detail.startsWith(`Payment retry asked by bulk action ${id}`),
      );
      assert.equal(notes.length, 1, `${orderId}: one bulk retry on its timeline`);
    }
    const outbox = path.join(dataDir, 'dev-outbox');
    const charges = recorded(outbox, 'payments').filter((p) => p.action === 'charge');
    for (const orderId of ids) {
      const mine = charges.filter((c) => c.orderId === orderId);
      assert.deepEqual(
        mine.map((c) => c.outcome),
        ['declined', 'succeeded'],
        `${orderId}: its declined attempt and one retry, nothing repeated`,
      );
    }
  });
});
