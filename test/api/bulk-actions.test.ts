/**
 * Bulk actions through the HTTP contract (API v1.2, "Bulk actions"): who may call them, what a
 * filter must be, a payment retry of every order that failed in an incident (the count before
 * starting, progress while it runs, each order's timeline naming it and who started it), a cancel
 * that lists the orders it could not cancel with why, pause/resume/stop, and the list, newest first.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { signToken, type Role } from '../../api/auth';
import { callApi, type Answer } from '../helpers/api-server';
import { startBackOfficeStack, type BackOfficeStack } from '../helpers/back-office-stack';
import { until } from '../helpers/processes';

const SECRET = 'bulk-actions-test-secret-long-enough!!!';

describe('bulk actions', () => {
  let stack: BackOfficeStack;
  let base: string;

  before(async () => {
    stack = await startBackOfficeStack({ name: 'bulk', jwtSecret: SECRET, bulkOrdersPerSecond: 3 });
    base = stack.base;
  });
  after(async () => {
    await stack?.close();
  });

  async function call(method: string, url: string, as?: string, body?: unknown): Promise<Answer> {
    const [role, sub] = (as?.split(':') ?? []) as [Role?, string?];
    // Support's sign-in carries their name, as the identity provider's tokens do.
    const name = sub === 'sam' ? 'Sam Sato' : undefined;
    const token = role && sub ? await signToken(SECRET, { role, sub, name }) : undefined;
    return callApi(base, method, url, { token, body });
  }

  async function place(orderId: string, customer: string, paymentMethod: string): Promise<void> {
    const answer = await call('POST', '/orders', 'storefront:shop', {
      orderId,
      customer: { id: customer, email: `${customer}@example.com` },
      items: [{ sku: 'lamp', quantity: 1, unitPrice: 2_000 }],
      currency: 'usd',
      paymentMethod,
    });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
  }

  const statusOf = async (orderId: string) =>
    (await call('GET', `/orders/${orderId}`, 'support:sam')).body.status;

  async function settled(id: string): Promise<Answer['body']> {
    let last: Answer['body'] = {};
    await until(
      `bulk action ${id} to end`,
      async () => {
        last = (await call('GET', `/bulk-actions/${id}`, 'support:sam')).body;
        return last.state === 'Completed' || last.state === 'Stopped';
      },
      60_000,
    );
    return last;
  }

  it('support alone starts and reads them; a filter must name the orders; bad input changes nothing', async () => {
    const body = { action: 'cancel', filter: { customerId: 'nobody' } };
    for (const role of ['storefront', 'manager', 'warehouse', 'employee', 'hr'] as const) {
      assert.equal((await call('POST', '/bulk-actions', `${role}:x`, body)).status, 403, role);
      assert.equal((await call('GET', '/bulk-actions', `${role}:x`)).status, 403, role);
    }
    assert.equal((await call('POST', '/bulk-actions', undefined, body)).status, 401);
    const before = (await call('GET', '/bulk-actions', 'support:sam')).body.bulkActions as unknown[];
    for (const bad of [
      { action: 'cancel', filter: {} },
      { action: 'cancel', filter: { placedFrom: 'yesterday' } },
      { action: 'cancel', filter: { placedFrom: '2026-12-02T14:35:00Z', placedTo: '2026-12-02T14:02:00Z' } },
      { action: 'refund', filter: { customerId: 'x' } },
      { action: 'cancel', filter: { customerId: 'x', sql: '1=1' } },
      { action: 'cancel', filter: { reason: 'payment_failed', needs: 'shipment' } },
    ]) {
      const answer = await call('POST', '/bulk-actions', 'support:sam', bad);
      assert.equal(answer.status, 400, JSON.stringify(bad));
      assert.ok((answer.body.error as { message: string }).message.length > 0);
    }
    const afterBad = (await call('GET', '/bulk-actions', 'support:sam')).body.bulkActions as unknown[];
    assert.equal(afterBad.length, before.length, 'nothing started');
    assert.equal((await call('GET', '/bulk-actions/no-such-one', 'support:sam')).status, 404);
    assert.equal((await call('POST', '/bulk-actions/no-such-one/stop', 'support:sam')).status, 404);
  });

  it('hostile bytes: 0x80-0xFF in a raw header, a NUL or a line break in the filter: 400, nothing started', async () => {
    const token = await signToken(SECRET, { role: 'support', sub: 'sam', name: 'Sam Sato' });
    const before = ((await call('GET', '/bulk-actions', 'support:sam')).body.bulkActions as unknown[]).length;
    const raw = (extraHeader: Buffer, body: string) =>
      new Promise<string>((resolve, reject) => {
        const { port } = new URL(base);
        const socket = net.connect(Number(port), '127.0.0.1', () => {
          socket.end(
            Buffer.concat([
              Buffer.from(`POST /bulk-actions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n`),
              extraHeader,
              Buffer.from(
                `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
              ),
            ]),
          );
        });
        let answer = '';
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
      });
    const valid = JSON.stringify({ action: 'cancel', filter: { customerId: 'nobody-here' } });
    const highBytes = Buffer.concat([
      Buffer.from('X-Note: '),
      Buffer.from([0x80, 0xc3, 0xff, 0x01]),
      Buffer.from('\r\n'),
    ]);
    assert.match(await raw(highBytes, valid), /^HTTP\/1\.1 400 /);
    for (const customerId of ['a\u0000b', 'a\nb', 'a\u202eb']) {
      const body = JSON.stringify({ action: 'cancel', filter: { customerId } });
      assert.match(await raw(Buffer.alloc(0), body), /^HTTP\/1\.1 400 /, JSON.stringify(customerId));
    }
    const after = ((await call('GET', '/bulk-actions', 'support:sam')).body.bulkActions as unknown[]).length;
    assert.equal(after, before, 'nothing started');
  });

  it('retries every order declined in an incident, once each, and says who asked on each order', async () => {
    const ids = ['inc-1', 'inc-2', 'inc-3', 'inc-4', 'inc-5'];
    for (const id of ids) await place(id, 'incident', 'pm_card_chargeDeclined');
    await place('inc-paid', 'incident', 'pm_card_visa');
    for (const id of ids)
      await until(`${id} failed`, async () => (await statusOf(id)) === 'PaymentFailed', 30_000);
    await until('inc-paid paid', async () => (await statusOf('inc-paid')) === 'Paid', 30_000);

    const request = {
      action: 'payment-retry',
      filter: { reason: 'payment_failed', customerId: 'incident' },
      paymentMethod: 'pm_card_visa',
    };
    const preview = await call('POST', '/bulk-actions/preview', 'support:sam', request);
    assert.deepEqual(preview.body, { matched: 5 });
    const started = await call('POST', '/bulk-actions', 'support:sam', request);
    assert.equal(started.status, 202);
    const id = started.body.bulkActionId as string;
    const seen = new Set<number>();
    const final = await (async () => {
      let last: Answer['body'] = {};
      await until(
        'completed',
        async () => {
          last = (await call('GET', `/bulk-actions/${id}`, 'support:sam')).body;
          seen.add(Number(last.done));
          return last.state === 'Completed';
        },
        60_000,
      );
      return last;
    })();
    assert.ok(seen.size >= 2, `progress moved while it ran (${[...seen].join(', ')})`);
    assert.equal(final.action, 'payment-retry');
    assert.equal(final.startedBy, 'sam');
    assert.equal(final.startedByName, 'Sam Sato');
    assert.deepEqual(
      [final.matched, final.done, final.accepted, final.refused, final.remaining, final.refusals],
      [5, 5, 5, 0, 0, []],
    );
    for (const orderId of ids) {
      await until(`${orderId} paid`, async () => (await statusOf(orderId)) === 'Paid', 30_000);
      const timeline = await call('GET', `/orders/${orderId}/timeline`, 'support:sam');
      const said = (timeline.body.events as { detail: string; actorName?: string }[]).filter((e) =>
        e.detail.includes('by bulk action'),
      );
      assert.deepEqual(
        said.map((e) => e.detail),
        [`Payment retry asked by bulk action ${id}, started by Sam Sato`],
      );
    }
    assert.equal(await statusOf('inc-paid'), 'Paid', 'an order the filter did not match is untouched');
    const listed = (await call('GET', '/bulk-actions?limit=1', 'support:sam')).body;
    assert.equal((listed.bulkActions as { bulkActionId: string }[])[0]!.bulkActionId, id, 'newest first');
    // Ended: a command is answered with it as it is, and changes nothing.
    const late = await call('POST', `/bulk-actions/${id}/resume`, 'support:sam');
    assert.equal(late.status, 202);
    assert.equal(late.body.state, 'Completed');
    assert.equal(late.body.done, 5);
  });

  it('a cancel acts on the orders it can and lists the ones it cannot, with why', async () => {
    await place('can-open', 'cancels', 'pm_card_chargeDeclined');
    await place('can-done', 'cancels', 'pm_card_chargeDeclined');
    await until(
      'both failed',
      async () =>
        (await statusOf('can-open')) === 'PaymentFailed' && (await statusOf('can-done')) === 'PaymentFailed',
      30_000,
    );
    // One is cancelled by hand after the bulk action selected it... before: by hand now, so it has
    // ended when the bulk action reaches it.
    assert.equal(
      (await call('POST', '/orders/can-done/cancel', 'support:sam', { reason: 'customer asked' })).status,
      202,
    );
    await until('can-done cancelled', async () => (await statusOf('can-done')) === 'Cancelled', 30_000);
    const started = await call('POST', '/bulk-actions', 'support:sam', {
      action: 'cancel',
      filter: { customerId: 'cancels' },
      reason: 'stock lost in the incident',
    });
    const final = await settled(started.body.bulkActionId as string);
    assert.deepEqual([final.matched, final.accepted, final.refused], [2, 1, 1]);
    assert.deepEqual(final.refusals, [
      { orderId: 'can-done', reason: 'the order is cancelled; it has ended' },
    ]);
    await until('can-open cancelled', async () => (await statusOf('can-open')) === 'Cancelled', 30_000);
  });

  it('pause holds it, resume carries on, stop ends it with the rest untouched', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `halt-${i}`);
    for (const id of ids) await place(id, 'halting', 'pm_card_chargeDeclined');
    for (const id of ids)
      await until(`${id} failed`, async () => (await statusOf(id)) === 'PaymentFailed', 30_000);
    const started = await call('POST', '/bulk-actions', 'support:sam', {
      action: 'payment-retry',
      filter: { customerId: 'halting' },
    });
    const id = started.body.bulkActionId as string;
    await until(
      'some done',
      async () => Number((await call('GET', `/bulk-actions/${id}`, 'support:sam')).body.done) >= 3,
      30_000,
    );
    const paused = await call('POST', `/bulk-actions/${id}/pause`, 'support:sam');
    assert.equal(paused.status, 202);
    assert.equal(paused.body.state, 'Paused');
    assert.equal(
      (await call('GET', `/bulk-actions/${id}`, 'support:sam')).body.state,
      'Paused',
      'read right after',
    );
    const heldAt = Number((await call('GET', `/bulk-actions/${id}`, 'support:sam')).body.done);
    await new Promise((r) => setTimeout(r, 2_000));
    assert.ok(Number((await call('GET', `/bulk-actions/${id}`, 'support:sam')).body.done) <= heldAt + 3);
    assert.equal((await call('POST', `/bulk-actions/${id}/resume`, 'support:sam')).body.state, 'Running');
    const stopped = await call('POST', `/bulk-actions/${id}/stop`, 'support:sam');
    assert.equal(stopped.body.state, 'Stopped');
    const final = await settled(id);
    assert.equal(final.state, 'Stopped');
    const done = Number(final.done);
    assert.ok(done < 12, `stopped before the end (${done})`);
    assert.equal(final.remaining, 12 - done);
    // Each retry was the declined card again (no payment method given: the order's own), so every
    // order it reached failed once more; those after the stop were never asked.
    let untouched = 0;
    for (const orderId of ids) {
      const timeline = await call('GET', `/orders/${orderId}/timeline`, 'support:sam');
      const asked = (timeline.body.events as { detail: string }[]).some((e) => e.detail.includes(id));
      if (!asked) untouched += 1;
    }
    assert.equal(untouched, 12 - done, 'nothing after the stop was touched');
  });
});
