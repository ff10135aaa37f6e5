/**
 * A crash between a local activity and the next step. A lean order writes its status records by
 * local activity: the write commits inside the worker, and only the workflow task's completion
 * tells the server. Here the worker is SIGKILLed right after the `Paid` record committed, before
 * that task completed (the task that schedules `order.paid` and the confirmation email). Another
 * worker must take the order on: the write is run again (harmless: the record's version), the
 * charge is not, and the event and the email go out once.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { signToken } from '../../api/auth';
import { openOrderStore } from '../../store';
import { callApi } from '../helpers/api-server';
import {
  appStackEnv,
  assertEachFactOnce,
  chargedOrders,
  devServerProcess,
  killLeftovers,
  recorded,
  startApiProcess,
  startWorkerProcess,
  until,
  type DevServer,
  type RunningProcess,
} from '../helpers/processes';

const SECRET = 'local-activity-crash-secret-long-enough!';
const CRASHING_WORKER = 'test/fixtures/crash-after-record-worker.ts';

describe('a worker killed between a local activity and the next step', () => {
  let dataDir: string;
  let server: DevServer;
  let api: RunningProcess;
  const workers: RunningProcess[] = [];
  let env: NodeJS.ProcessEnv;
  let base: string;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'la-crash-'));
    server = await devServerProcess();
    const stack = await appStackEnv({
      temporalAddress: server.address,
      taskQueue: 'la-crash',
      dataDir,
      jwtSecret: SECRET,
    });
    base = stack.base;
    env = { ...stack.env, ORDER_REMORSE_WINDOW: '0s' };
    api = await startApiProcess(env);
  });

  after(async () => {
    await api?.stop();
    for (const w of workers) await w.stop();
    await server?.stop();
    killLeftovers();
  });

  it('loses nothing: the order ends Paid, charged once, order.paid and the confirmation sent once', async () => {
    const outbox = path.join(dataDir, 'dev-outbox');
    const writes = () =>
      fs.existsSync(path.join(dataDir, 'record-writes.jsonl'))
        ? fs
            .readFileSync(path.join(dataDir, 'record-writes.jsonl'), 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as { status: string; version: number; pid: number })
        : [];
    const first = await startWorkerProcess({ ...env, CRASH_AFTER_RECORD: 'Paid' }, CRASHING_WORKER);
    workers.push(first);

    const storefront = await signToken(SECRET, { role: 'storefront', sub: 'shop' });
    const placed = await callApi(base, 'POST', '/orders', {
      token: storefront,
      body: {
        orderId: 'la-crash-1',
        customer: { id: 'c-1', email: 'ada@example.com' },
        items: [{ sku: 'book', quantity: 2, unitPrice: 1250 }],
        currency: 'usd',
        paymentMethod: 'pm_card_visa',
      },
    });
    assert.equal(placed.status, 202);

    // The first worker dies right after its Paid record committed.
    await until('the first worker to be killed', () => first.child.signalCode === 'SIGKILL', 60_000);
    const store = openOrderStore({ dataDir });
    try {
      const atCrash = await store.getOrder('la-crash-1');
      assert.equal(atCrash?.status, 'Paid', 'the store has the Paid record');
      assert.deepEqual(chargedOrders(recorded(outbox, 'payments')), ['la-crash-1']);
      const eventsAtCrash = recorded(outbox, 'events').map((e) => e.type);
      assert.ok(!eventsAtCrash.includes('order.paid'), `not yet published: ${eventsAtCrash.join(', ')}`);
      assert.equal(recorded(outbox, 'emails').length, 0, 'no confirmation yet');

      // Another worker takes the order on once the dead one's workflow task times out.
      workers.push(await startWorkerProcess(env, CRASHING_WORKER));
      await until(
        'the confirmation email and order.paid',
        () =>
          recorded(outbox, 'emails').length > 0 &&
          recorded(outbox, 'events').some((e) => e.type === 'order.paid'),
        90_000,
      );

      const final = await store.getOrder('la-crash-1');
      assert.equal(final?.status, 'Paid');
      // Revision 2 at a window of 0: the first record is the decision (Accepted, saving the order);
      // the API stored Received when it took the order.
      assert.equal(final?.statusVersion, 2, 'Accepted, Paid: no record lost, none added');
      assert.deepEqual(
        [...new Set(writes().map((w) => `${w.version}:${w.status}`))],
        ['1:Accepted', '2:Paid'],
      );
      // The Paid write ran twice, once by each worker; the second changed nothing.
      const paidWrites = writes().filter((w) => w.status === 'Paid');
      assert.equal(paidWrites.length, 2, JSON.stringify(writes()));
      assert.notEqual(paidWrites[0]!.pid, paidWrites[1]!.pid);
      // Money once, each fact once (by messageId), the confirmation once.
      assert.deepEqual(chargedOrders(recorded(outbox, 'payments')), ['la-crash-1']);
      assert.equal(recorded(outbox, 'payments').filter((p) => p.action === 'charge').length, 1);
      assertEachFactOnce(recorded(outbox, 'events'), [
        'la-crash-1:order.received',
        'la-crash-1:order.accepted',
        'la-crash-1:order.paid',
      ]);
      assert.deepEqual(
        recorded(outbox, 'emails').map((e) => e.category),
        ['order_confirmation'],
      );

      // The history holds one marker per record: the rerun replaced the lost one, nothing doubled.
      const connection = await Connection.connect({ address: server.address });
      try {
        const history = await new Client({ connection }).workflow
          .getHandle('order-la-crash-1')
          .fetchHistory();
        const markers = (history.events ?? []).filter(
          (e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
        );
        // The API sent the settings the order was placed under: no marker reads the worker's.
        assert.equal(markers.length, 2, 'the two records');
        const timedOut = (history.events ?? []).filter((e) => e.workflowTaskTimedOutEventAttributes);
        assert.equal(timedOut.length, 1, "the dead worker's task timed out once");
      } finally {
        await connection.close();
      }
    } finally {
      await store.close();
    }
  });
});
