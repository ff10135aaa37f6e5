/**
 * The batch action's answers when a dependency fails part-way, against a Temporal dev server with
 * no worker (so every read falls back to the store): a cancel whose signal was delivered is
 * `accepted` even when the read after it fails, and an order refused for an internal error says
 * so in support's words, never with the error's own text (which names paths, hosts and SQL).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { OrderStore } from '../../store';
import { openSqliteOrderStore } from '../../store/sql-order-store';
import { checkoutWorkflowId } from '../../workflows/checkout/messages';
import { callerOf, serveApi, type RunningApi } from '../helpers/api-server';
import { devServerEnv } from '../helpers/temporal';

const SECRET = 'batch-answers-secret-long-enough-for-hs256';

describe('the batch action when a read fails', () => {
  let env: TestWorkflowEnvironment;
  let api: RunningApi;
  let store: OrderStore;
  /** Orders whose store reads fail from the nth read on (1 = every read). */
  const failing = new Map<string, { from: number; reads: number; error: Error }>();
  const logged: string[] = [];

  before(async () => {
    env = await devServerEnv();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-answers-'));
    store = openSqliteOrderStore(path.join(dir, 'app.db'));
    const flaky: OrderStore = {
      ...store,
      getOrder: async (orderId) => {
        const fault = failing.get(orderId);
        if (fault && ++fault.reads >= fault.from) throw fault.error;
        return store.getOrder(orderId);
      },
    };
    api = await serveApi({
      client: env.client,
      store: flaky,
      // No worker polls this queue: the orders wait, and every read falls back to the store.
      taskQueue: 'batch-answers-no-worker',
      jwtSecret: SECRET,
      log: (message) => logged.push(message),
    });
  });
  after(async () => {
    await api?.close();
    await store?.close();
    await env?.teardown();
  });

  const call = callerOf(() => api.base, SECRET);

  async function place(orderId: string): Promise<void> {
    const placed = await call('POST', '/orders', 'storefront:shop', {
      orderId,
      customer: { id: 'c-batch', email: 'batch@example.com' },
      items: [{ sku: 'mug', quantity: 1, unitPrice: 900 }],
      currency: 'eur',
      paymentMethod: 'pm_card_visa',
    });
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
  }

  it('a delivered cancel is accepted when the read after it fails; an internal error is not echoed', async () => {
    await place('batch-read-fails');
    await place('batch-broken');
    // The read that checks the order exists works; the one after the cancel fails.
    failing.set('batch-read-fails', { from: 2, reads: 0, error: new Error('SQLITE_IOERR: disk I/O error') });
    failing.set('batch-broken', {
      from: 1,
      reads: 0,
      error: new Error('SQLITE_CORRUPT: /var/lib/shop/app.db is malformed near "orders"'),
    });
    const answer = await call('POST', '/orders/batch', 'support:sam', {
      action: 'cancel',
      orderIds: ['batch-read-fails', 'batch-broken'],
      reason: 'outage clean-up',
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const [cancelled, broken] = answer.body.results as { outcome: string; status?: string; error?: string }[];
    assert.deepEqual(cancelled, { orderId: 'batch-read-fails', outcome: 'accepted' });
    assert.equal(broken!.outcome, 'refused');
    assert.equal(broken!.error, 'the order could not be handled; the error is logged for the engineers');
    assert.doesNotMatch(JSON.stringify(answer.body), /SQLITE|app\.db|disk I\/O/);
    assert.ok(
      logged.some((line) => line.includes('batch-broken')),
      'the engineers find the error in the log',
    );

    // The cancel reached the order: its history holds the signal.
    const history = await env.client.workflow
      .getHandle(checkoutWorkflowId('batch-read-fails'))
      .fetchHistory();
    const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
    assert.deepEqual(
      signals.map((e) => e.workflowExecutionSignaledEventAttributes?.signalName),
      ['cancelOrder'],
    );
  });
});
