/**
 * Fault: the API process (`api/server.ts`) SIGKILLed twice while storefront clients are placing
 * orders, and started again on the same port. A client that got no answer (the connection dropped
 * or was refused) sends the same request again, as the contract asks (docs/api.md). Every 202 the API gave has its
 * workflow; a retried request for an order whose start did get through is answered 200 with that
 * same order; no order id has two workflows; every order is paid once.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { signToken } from '../../api/auth';
import { checkoutWorkflowId, orderStatusQuery } from '../../workflows/checkout/messages';
import { assertMatchesContract } from '../helpers/openapi';
import {
  appStackEnv,
  chargedOrders,
  killLeftovers,
  launchProcess,
  recorded,
  reportFigures,
  startApiProcess,
  startWorkerProcess,
  until,
  type RunningProcess,
} from '../helpers/processes';
import { devServerEnv } from '../helpers/temporal';

const SECRET = 'fault-api-kill-secret-long-enough-for-hs256';
const ORDERS = 120;
const CLIENTS = 8;
/** The API is killed when this many orders have been answered 202, and started again at once. */
const KILL_AFTER = [30, 75];

describe('fault: the API killed while clients place orders', () => {
  let env: TestWorkflowEnvironment;
  let dataDir: string;
  let processEnv: NodeJS.ProcessEnv;
  let api: RunningProcess;
  let worker: RunningProcess;
  let base: string;

  before(async () => {
    env = await devServerEnv();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fault-api-kill-'));
    const stack = await appStackEnv({
      temporalAddress: env.address,
      taskQueue: 'fault-api-kill',
      dataDir,
      jwtSecret: SECRET,
    });
    base = stack.base;
    processEnv = { ...stack.env, ORDER_REMORSE_WINDOW: '1s' };
    worker = await startWorkerProcess(processEnv);
    api = await startApiProcess(processEnv);
  });
  after(async () => {
    await api?.stop();
    await worker?.stop();
    killLeftovers();
    await env?.teardown();
  });

  it('every 202 has its workflow, a retried order id gets the same order, none is started twice', async () => {
    const token = await signToken(SECRET, { role: 'storefront', sub: 'shop' });
    const ids = Array.from({ length: ORDERS }, (_, i) => `api-kill-${i}`);
    const bodyOf = (orderId: string) => ({
      orderId,
      customer: { id: 'c-kill', email: `${orderId}@example.com` },
      items: [{ sku: 'mug', quantity: 2, unitPrice: 1_200 }],
      currency: 'usd',
      paymentMethod: 'pm_card_visa',
    });
    /** What each order's client saw, attempt by attempt: a status, or 'no answer'. */
    const seen = new Map<string, (number | 'no answer')[]>();
    const answers = new Map<string, Record<string, unknown>>();
    let accepted = 0;
    let restarting: Promise<void> | undefined;
    const kills: number[] = [];

    const place = async (orderId: string): Promise<void> => {
      const attempts: (number | 'no answer')[] = [];
      seen.set(orderId, attempts);
      for (let attempt = 0; attempt < 200; attempt++) {
        try {
          const response = await fetch(`${base}/orders`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify(bodyOf(orderId)),
          });
          const body = (await response.json()) as Record<string, unknown>;
          attempts.push(response.status);
          assertMatchesContract('POST', '/orders', response.status, body);
          if (response.status === 202 || response.status === 200) {
            answers.set(orderId, body);
            if (response.status === 202 && KILL_AFTER.includes(++accepted)) {
              kills.push(accepted);
              restarting = (async () => {
                await api.stop('SIGKILL');
                api = await startApiProcess(processEnv);
              })();
            }
            return;
          }
          assert.equal(response.status, 503, `${orderId}: ${JSON.stringify(body)}`);
        } catch (err) {
          if (err instanceof assert.AssertionError) throw err;
          attempts.push('no answer');
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`${orderId} was never answered`);
    };

    let next = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < ids.length) await place(ids[next++]!);
      }),
    );
    await restarting;
    assert.deepEqual(kills, KILL_AFTER, 'the API was killed twice mid-run');

    const interrupted = ids.filter((id) => seen.get(id)!.includes('no answer'));
    assert.ok(interrupted.length > 0, 'some requests went unanswered: the kill hit clients at work');
    for (const id of ids) {
      const attempts = seen.get(id)!;
      const last = attempts[attempts.length - 1];
      assert.ok(last === 202 || last === 200, `${id}: ${attempts.join(', ')}`);
      if (last === 200) {
        // A retry after a lost answer: the start had got through; this is the same order.
        assert.ok(attempts.includes('no answer'), `${id}: 200 only for a repeated request`);
      }
      const body = answers.get(id)!;
      assert.equal(body.orderId, id);
      assert.equal(body.total, 2_400);
    }

    // Every order has exactly one workflow (one run), and each gets paid once.
    for (const id of ids) {
      const handle = env.client.workflow.getHandle(checkoutWorkflowId(id));
      const description = await handle.describe();
      assert.equal(description.workflowId, checkoutWorkflowId(id));
      await until(
        `${id} to be paid`,
        async () => (await handle.query(orderStatusQuery)).status === 'Paid',
        60_000,
      );
    }
    await until(
      'visibility to list every order',
      async () =>
        (await env.client.workflow.count(`WorkflowId STARTS_WITH 'order-api-kill-'`)).count === ORDERS,
      30_000,
    );
    assert.deepEqual(chargedOrders(recorded(path.join(dataDir, 'dev-outbox'), 'payments')), [...ids].sort());
    const repeated = ids.filter((id) => seen.get(id)!.at(-1) === 200).length;
    reportFigures('fault-api-kill', {
      orders: ORDERS,
      clients: CLIENTS,
      killedAfterAccepted: KILL_AFTER,
      clientsWithoutAnAnswer: interrupted.length,
      retriesFindingTheOrderStarted: repeated,
      workflows: ORDERS,
    });
  });

  it('a second API on a port already in use says so and exits non-zero, the first one still answers', async () => {
    const second = launchProcess(process.execPath, ['--import', 'tsx', 'api/server.ts'], {
      ...process.env,
      ...processEnv,
      LOG_FORMAT: 'json',
    });
    const code = await new Promise<number | null>((resolve) => second.child.once('exit', resolve));
    assert.equal(code, 1, second.output());
    assert.match(second.output(), new RegExp(`port ${processEnv.PORT} is already in use`));
    assert.doesNotMatch(second.output(), /TypeError/);
    const ready = await fetch(`${base}/healthz`);
    assert.equal(ready.status, 200);
  });
});
