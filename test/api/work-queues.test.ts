/**
 * The v1.1 part of the contract (docs/back-office.md, "The API behind it") against a Temporal dev server,
 * workers and a seeded SQLite store: who may call each list, timeline and the batch action; the
 * filters and the queues; pagination; bad query parameters; and that a decision taken through the
 * API shows in the lists within 2 seconds. Every answer is checked against the OpenAPI document.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signToken, type Role } from '../../api/auth';
import { callApi, type Answer } from '../helpers/api-server';
import { startBackOfficeStack, type BackOfficeStack } from '../helpers/back-office-stack';
import { until } from '../helpers/processes';

const SECRET = 'queues-test-secret-long-enough-for-hs256!!';
/** The most a list may take to show a decision taken through the API (docs/api.md). */
const READ_YOUR_WRITES_MS = 2_000;

type Order = { orderId: string; status: string; [key: string]: unknown };

describe('work queues, timelines and the batch action', () => {
  let stack: BackOfficeStack;
  let base: string;
  let slowBase: string;
  const inTenDays = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);

  before(async () => {
    stack = await startBackOfficeStack({ name: 'queues', jwtSecret: SECRET });
    ({ base, slowBase } = stack);
  });

  after(async () => {
    await stack?.close();
  });

  /** `as` is `role:sub`, e.g. `manager:mia`. */
  async function call(method: string, url: string, as?: string, body?: unknown, on = base): Promise<Answer> {
    const token = as
      ? await signToken(SECRET, { role: as.split(':')[0] as Role, sub: as.split(':')[1]! })
      : undefined;
    return callApi(on, method, url, { token, body });
  }

  async function place(
    orderId: string,
    options: { total?: number; paymentMethod?: string; customer?: string; on?: string } = {},
  ) {
    const answer = await call(
      'POST',
      '/orders',
      'storefront:shop',
      {
        orderId,
        customer: { id: options.customer ?? 'cust-q', email: 'q@example.com' },
        items: [{ sku: 'lamp', quantity: 1, unitPrice: options.total ?? 2_000 }],
        currency: 'usd',
        paymentMethod: options.paymentMethod ?? 'pm_card_visa',
      },
      options.on ?? base,
    );
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
  }

  async function statusOf(orderId: string): Promise<string> {
    return (await call('GET', `/orders/${orderId}`, 'support:sam')).body.status as string;
  }

  async function listed(url: string, as: string): Promise<Order[]> {
    const answer = await call('GET', url, as);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.orders as Order[];
  }

  it('who may call what: roles × the new endpoints', async () => {
    await place('acl-1');
    const cases: [string, string, string[]][] = [
      ['GET', '/orders', ['storefront', 'support']],
      ['GET', '/orders?needs=support', ['support']],
      ['GET', '/orders?needs=authorization', ['manager']],
      ['GET', '/orders?needs=shipment', ['warehouse']],
      ['GET', '/orders?needs=return', ['warehouse']],
      ['GET', '/orders/acl-1/timeline', ['storefront', 'support']],
      ['GET', '/leave-requests?awaiting=me', ['manager']],
    ];
    const everyone = ['storefront', 'support', 'manager', 'warehouse', 'employee', 'hr'];
    for (const [method, url, allowed] of cases) {
      assert.equal((await call(method, url)).status, 401, `${url} without a token`);
      for (const role of everyone) {
        const answer = await call(method, url, `${role}:${role === 'manager' ? 'mia' : 'someone'}`);
        assert.equal(answer.status, allowed.includes(role) ? 200 : 403, `${role} ${method} ${url}`);
      }
    }
    for (const role of everyone) {
      const answer = await call('POST', '/orders/batch', `${role}:x`, {
        action: 'cancel',
        orderIds: ['nope'],
      });
      assert.equal(answer.status, role === 'support' ? 200 : 403, `${role} POST /orders/batch`);
    }
    // One employee's requests: the employee, their manager chain, HR; nobody else.
    for (const [as, expected] of [
      ['employee:ella', 200],
      ['employee:eric', 403],
      ['manager:mia', 200],
      ['manager:vera', 200],
      ['manager:max', 403],
      ['hr:hana', 200],
      ['support:sam', 403],
    ] as const) {
      assert.equal((await call('GET', '/leave-requests?employeeId=ella', as)).status, expected, as);
    }
  });

  it('lists newest first, filters by status and customer, and pages without repeats or gaps', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `page-${i}`);
    for (const id of ids) {
      await place(id, { customer: 'cust-pages' });
      await new Promise((r) => setTimeout(r, 5)); // distinct placing times
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const answer = await call(
        'GET',
        `/orders?customerId=cust-pages&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        'support:sam',
      );
      assert.equal(answer.status, 200);
      const orders = answer.body.orders as Order[];
      assert.ok(orders.length <= 3);
      seen.push(...orders.map((o) => o.orderId));
      cursor = answer.body.nextCursor as string | undefined;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...ids].reverse(), 'newest first, each once');

    await until('the orders to be paid', async () => (await statusOf('page-0')) === 'Paid', 10_000);
    const paid = await listed('/orders?customerId=cust-pages&status=Paid', 'storefront:shop');
    assert.ok(paid.every((o) => o.status === 'Paid' && o.customerId === 'cust-pages'));
    assert.ok(paid.some((o) => o.orderId === 'page-0'));
    assert.deepEqual(await listed('/orders?customerId=nobody', 'support:sam'), []);
  });

  it('bad query parameters are refused with the parameter at fault, and change nothing', async () => {
    for (const [url, field] of [
      ['/orders?limit=0', 'limit'],
      ['/orders?limit=101', 'limit'],
      ['/orders?limit=ten', 'limit'],
      ['/orders?status=Lost', 'status'],
      ['/orders?needs=everything', 'needs'],
      ['/orders?colour=red', 'colour'],
      ['/orders?cursor=not-a-cursor', 'cursor'],
      ['/orders?status=Paid&status=Shipped', 'status'],
    ] as const) {
      const answer = await call('GET', url, 'support:sam');
      assert.equal(answer.status, 400, url);
      const details = (answer.body.error as { details: { field: string }[] }).details;
      assert.ok(
        details.some((d) => d.field === field),
        `${url}: ${JSON.stringify(details)}`,
      );
    }
    for (const url of [
      '/leave-requests',
      '/leave-requests?awaiting=you',
      '/leave-requests?awaiting=me&employeeId=ella',
      '/leave-requests?employeeId=ella&limit=0',
    ]) {
      assert.equal((await call('GET', url, 'manager:mia')).status, 400, url);
    }
    for (const body of [
      {},
      { action: 'refund', orderIds: ['a'] },
      { action: 'cancel', orderIds: [] },
      { action: 'cancel', orderIds: Array.from({ length: 101 }, (_, i) => `o${i}`) },
      { action: 'cancel', orderIds: ['bad id!'] },
      { action: 'cancel', orderIds: ['a'], extra: true },
    ]) {
      assert.equal(
        (await call('POST', '/orders/batch', 'support:sam', body)).status,
        400,
        JSON.stringify(body).slice(0, 80),
      );
    }
  });

  it("support's queue shows declined payments with their deadline; the batch answers per order, in order", async () => {
    for (const id of ['declined-1', 'declined-2'])
      await place(id, { paymentMethod: 'pm_card_chargeDeclined' });
    await place('fine-1');
    await until('the declines', async () => (await statusOf('declined-2')) === 'PaymentFailed', 10_000);
    await until('the payment', async () => (await statusOf('fine-1')) === 'Paid', 10_000);
    // The queue is the store's: each process records its decline a moment after its query shows it.
    let declined: Order[] = [];
    await until(
      'both declines in the queue',
      async () => {
        const queue = await listed('/orders?needs=support', 'support:sam');
        declined = queue.filter((o) => o.orderId.startsWith('declined-'));
        return declined.length === 2;
      },
      READ_YOUR_WRITES_MS,
    );
    for (const o of declined) {
      assert.equal(o.reason, 'payment_failed');
      assert.ok(Date.parse(o.deadline as string) > Date.now(), 'a deadline ahead');
      assert.equal(o.lastPaymentError, 'Your card was declined.');
    }

    const answer = await call('POST', '/orders/batch', 'support:sam', {
      action: 'payment-retry',
      orderIds: ['declined-1', 'no-such-order', 'fine-1', 'declined-2'],
      paymentMethod: 'pm_card_visa',
    });
    assert.equal(answer.status, 200);
    const results = answer.body.results as {
      orderId: string;
      outcome: string;
      error?: string;
      status?: string;
    }[];
    assert.deepEqual(
      results.map((r) => [r.orderId, r.outcome]),
      [
        ['declined-1', 'accepted'],
        ['no-such-order', 'refused'],
        ['fine-1', 'refused'],
        ['declined-2', 'accepted'],
      ],
    );
    assert.equal(results[1]!.error, 'no such order');
    assert.match(results[2]!.error ?? '', /the order is Paid/);
    await until(
      'the retried orders to be paid',
      async () => (await statusOf('declined-1')) === 'Paid' && (await statusOf('declined-2')) === 'Paid',
      10_000,
    );
    const started = Date.now();
    await until(
      'the queue to empty',
      async () =>
        !(await listed('/orders?needs=support', 'support:sam')).some((o) =>
          o.orderId.startsWith('declined-'),
        ),
      READ_YOUR_WRITES_MS,
    );
    assert.ok(Date.now() - started <= READ_YOUR_WRITES_MS);

    // The timeline tells it in words, oldest first, with who did what.
    const timeline = await call('GET', '/orders/declined-1/timeline', 'support:sam');
    const events = timeline.body.events as { at: string; kind: string; actor?: string; detail: string }[];
    assert.deepEqual(
      events.map((e) => e.at),
      [...events.map((e) => e.at)].sort(),
    );
    const kinds = events.map((e) => e.kind);
    for (const kind of [
      'placed',
      'remorse_window',
      'payment_attempt',
      'payment_declined',
      'payment_retry_requested',
      'paid',
    ]) {
      assert.ok(kinds.includes(kind), `${kind} in ${kinds.join(', ')}`);
    }
    assert.equal(events.find((e) => e.kind === 'payment_retry_requested')?.actor, 'support:sam');
    assert.match(events.find((e) => e.kind === 'payment_declined')!.detail, /Your card was declined/);
    assert.equal((await call('GET', '/orders/nope/timeline', 'support:sam')).status, 404);

    // Cancelling many at once: each answered, the unknown one refused.
    await place('cancel-me', { paymentMethod: 'pm_card_chargeDeclined' });
    await until('the decline', async () => (await statusOf('cancel-me')) === 'PaymentFailed', 10_000);
    const cancelled = await call('POST', '/orders/batch', 'support:sam', {
      action: 'cancel',
      orderIds: ['cancel-me', 'missing'],
      reason: 'outage clean-up',
    });
    assert.deepEqual(
      (cancelled.body.results as { outcome: string }[]).map((r) => r.outcome),
      ['accepted', 'refused'],
    );
    await until('the cancel', async () => (await statusOf('cancel-me')) === 'Cancelled', 10_000);
  });

  it("a manager's answer shows in the authorization queue within 2 s (answeredByMe), and the order leaves it once approved", async () => {
    await place('large-1', { total: 150_000, on: slowBase });
    await until(
      'the order in the queue',
      async () =>
        (await listed('/orders?needs=authorization', 'manager:mia')).some((o) => o.orderId === 'large-1'),
      5_000,
    );
    const before = (await listed('/orders?needs=authorization', 'manager:mia')).find(
      (o) => o.orderId === 'large-1',
    )!;
    assert.equal(before.answeredByMe, false);
    assert.ok(Date.parse(before.remorseWindowEndsAt as string) > Date.now());

    assert.equal(
      (
        await call('POST', '/orders/large-1/authorizations', 'manager:max', {
          approved: false,
          note: 'too big',
        })
      ).status,
      202,
    );
    await until(
      "max's answer in his queue",
      async () =>
        (await listed('/orders?needs=authorization', 'manager:max')).find((o) => o.orderId === 'large-1')
          ?.answeredByMe === true,
      READ_YOUR_WRITES_MS,
    );
    const forMia = (await listed('/orders?needs=authorization', 'manager:mia')).find(
      (o) => o.orderId === 'large-1',
    )!;
    assert.equal(forMia.answeredByMe, false, 'answered by max, not by mia');

    assert.equal(
      (await call('POST', '/orders/large-1/authorizations', 'manager:mia', { approved: true })).status,
      202,
    );
    await until(
      'the approved order to leave the queue',
      async () =>
        !(await listed('/orders?needs=authorization', 'manager:mia')).some((o) => o.orderId === 'large-1'),
      READ_YOUR_WRITES_MS,
    );
    const timeline = await call('GET', '/orders/large-1/timeline', 'support:sam');
    const answers = (
      timeline.body.events as { kind: string; actor?: string; actorName?: string; detail: string }[]
    ).filter((e) => e.kind === 'authorization');
    assert.deepEqual(
      answers.map((e) => e.actorName),
      ['Max Müller', 'Mia Moreau'],
      'managers by name, from the directory',
    );
    assert.deepEqual(
      answers.map((e) => [e.actor, e.detail]),
      [
        ['max', 'Refused the order: too big'],
        ['mia', 'Approved the order'],
      ],
    );
  });

  it("the warehouse's queues: paid orders to ship, then a cancelled shipped order's return awaited", async () => {
    await place('ship-1');
    await until('the payment', async () => (await statusOf('ship-1')) === 'Paid', 10_000);
    assert.ok((await listed('/orders?needs=shipment', 'warehouse:wes')).some((o) => o.orderId === 'ship-1'));
    assert.equal(
      (await call('POST', '/orders/ship-1/shipment', 'warehouse:wes', { trackingNumber: 'T-1' })).status,
      202,
    );
    await until(
      'the order to leave the shipping queue',
      async () =>
        !(await listed('/orders?needs=shipment', 'warehouse:wes')).some((o) => o.orderId === 'ship-1'),
      READ_YOUR_WRITES_MS,
    );
    assert.equal(
      (await call('POST', '/orders/ship-1/cancel', 'storefront:shop', { reason: 'changed mind' })).status,
      202,
    );
    await until(
      'the return to be awaited',
      async () =>
        (await listed('/orders?needs=return', 'warehouse:wes')).some(
          (o) => o.orderId === 'ship-1' && typeof o.expectedBy === 'string',
        ),
      READ_YOUR_WRITES_MS,
    );
    assert.equal(
      (await call('POST', '/orders/ship-1/return', 'warehouse:wes', { originalPackaging: true })).status,
      202,
    );
    await until('the refund', async () => (await statusOf('ship-1')) === 'Refunded', 10_000);
    assert.ok(!(await listed('/orders?needs=return', 'warehouse:wes')).some((o) => o.orderId === 'ship-1'));
  });

  it("v1.2: an order carries names and a shipping address; the warehouse's queues show its items and where it goes", async () => {
    const address = {
      name: 'Eve Example',
      line1: 'Hauptstraße 5',
      line2: '2. OG',
      city: 'Berlin',
      postalCode: '10115',
      country: 'DE',
    };
    const body = {
      orderId: 'addressed-1',
      customer: { id: 'cust-eve', email: 'eve@example.com', name: 'Eve Example' },
      items: [
        { sku: 'lamp', quantity: 2, unitPrice: 1_500, name: 'Desk lamp' },
        { sku: 'bulb', quantity: 1, unitPrice: 500 },
      ],
      shippingAddress: address,
      currency: 'eur',
      paymentMethod: 'pm_card_visa',
    };
    assert.equal((await call('POST', '/orders', 'storefront:shop', body)).status, 202);
    assert.equal(
      (await call('POST', '/orders', 'storefront:shop', body)).status,
      200,
      'the same click again',
    );
    const elsewhere = { ...body, shippingAddress: { ...address, city: 'Hamburg' } };
    assert.equal(
      (await call('POST', '/orders', 'storefront:shop', elsewhere)).status,
      409,
      'another address',
    );
    const view = (await call('GET', '/orders/addressed-1', 'support:sam')).body;
    assert.equal(view.customerName, 'Eve Example');
    assert.deepEqual(view.shippingAddress, address);
    assert.equal((view.items as { name?: string }[])[0]!.name, 'Desk lamp');

    await until('the payment', async () => (await statusOf('addressed-1')) === 'Paid', 10_000);
    const toShip = (await listed('/orders?needs=shipment', 'warehouse:wes')).find(
      (o) => o.orderId === 'addressed-1',
    );
    assert.ok(toShip, 'in the shipping queue');
    assert.deepEqual(toShip.shippingAddress, address);
    assert.deepEqual(toShip.items, body.items);
    assert.equal(toShip.customerName, 'Eve Example');
  });

  it('v1.2: a name or address that is not one plain line, or a country that is no ISO code, is refused and places nothing', async () => {
    const good = {
      customer: { id: 'cust-bad', email: 'bad@example.com' },
      items: [{ sku: 'lamp', quantity: 1, unitPrice: 1_000 }],
      currency: 'eur',
      paymentMethod: 'pm_card_visa',
    };
    const address = { name: 'A', line1: 'Street 1', city: 'Paris', postalCode: '75001', country: 'FR' };
    const cases: [string, unknown, string][] = [
      [
        'a name over two lines',
        { ...good, customer: { ...good.customer, name: 'Eve\nAdmin' } },
        'customer.name',
      ],
      [
        'an item name with a control character',
        { ...good, items: [{ ...good.items[0], name: 'lamp\u0007' }] },
        'items.0.name',
      ],
      [
        'a country in lower case',
        { ...good, shippingAddress: { ...address, country: 'fr' } },
        'shippingAddress.country',
      ],
      [
        'a country of three letters',
        { ...good, shippingAddress: { ...address, country: 'FRA' } },
        'shippingAddress.country',
      ],
      [
        'an address without a city',
        { ...good, shippingAddress: { ...address, city: undefined } },
        'shippingAddress.city',
      ],
      [
        'an address with a field the contract lacks',
        { ...good, shippingAddress: { ...address, floor: 3 } },
        'shippingAddress',
      ],
      [
        'a name with a bidi override',
        { ...good, customer: { ...good.customer, name: 'Bob \u202Eevil' } },
        'customer.name',
      ],
      [
        'a name with a lone surrogate',
        { ...good, customer: { ...good.customer, name: 'x\uD800' } },
        'customer.name',
      ],
      [
        'a country no one has',
        { ...good, shippingAddress: { ...address, country: 'XX' } },
        'shippingAddress.country',
      ],
    ];
    const before = (await listed('/orders?customerId=cust-bad', 'support:sam')).length;
    for (const [what, body, field] of cases) {
      const answer = await call('POST', '/orders', 'storefront:shop', body);
      assert.equal(answer.status, 400, what);
      const details = (answer.body.error as { details?: { field: string }[] }).details ?? [];
      assert.ok(
        details.some((d) => d.field === field || d.field.startsWith(`${field}.`)),
        `${what}: ${JSON.stringify(details)}`,
      );
    }
    assert.equal(
      (await listed('/orders?customerId=cust-bad', 'support:sam')).length,
      before,
      'nothing placed',
    );
  });

  it("leave: the manager's inbox within 2 s, with the balance after and whether their authority covers it; the employee's own list; the timeline", async () => {
    const placed = await call('POST', '/leave-requests', 'employee:emma', {
      days: 29,
      startDate: inTenDays,
      note: 'long trip',
    });
    assert.equal(placed.status, 202);
    const requestId = placed.body.requestId as string;
    let item: Record<string, unknown> | undefined;
    await until(
      "the request in max's inbox",
      async () => {
        const answer = await call('GET', '/leave-requests?awaiting=me', 'manager:max');
        item = (answer.body.leaveRequests as Record<string, unknown>[]).find(
          (r) => r.requestId === requestId,
        );
        return item !== undefined;
      },
      READ_YOUR_WRITES_MS + 5_000, // the first decision is the process's, then the list
    );
    assert.equal(item!.balanceAfter, -4);
    assert.equal(item!.canApprove, false);
    assert.equal(item!.reason, 'beyond_authority');
    assert.equal(item!.whoCan, 'vera');
    assert.match(item!.reasonText as string, /Vera Vance \(VP\) can approve it/);
    const forVera = (await call('GET', '/leave-requests?awaiting=me', 'manager:vera')).body
      .leaveRequests as Record<string, unknown>[];
    assert.equal(forVera.find((r) => r.requestId === requestId)?.canApprove, true);
    assert.deepEqual(
      (await call('GET', '/leave-requests?awaiting=me', 'manager:mia')).body.leaveRequests,
      [],
      'not in mia’s chain',
    );

    assert.equal(
      (await call('POST', `/leave-requests/${requestId}/approve`, 'manager:vera', { note: 'ok' })).status,
      202,
    );
    await until(
      'the decision to leave the inbox',
      async () =>
        !(
          (await call('GET', '/leave-requests?awaiting=me', 'manager:vera')).body.leaveRequests as {
            requestId: string;
          }[]
        ).some((r) => r.requestId === requestId),
      READ_YOUR_WRITES_MS,
    );
    const mine = (await call('GET', '/leave-requests?employeeId=emma', 'employee:emma')).body
      .leaveRequests as Record<string, unknown>[];
    assert.equal(mine[0]?.requestId, requestId);
    assert.equal(mine[0]?.status, 'Approved');

    const timeline = await call('GET', `/leave-requests/${requestId}/timeline`, 'employee:emma');
    assert.equal(timeline.status, 200);
    const events = timeline.body.events as { kind: string; actor?: string; detail: string }[];
    const kinds = events.map((e) => e.kind);
    assert.deepEqual(kinds.slice(0, 2), ['submitted', 'approval_requested']);
    // The approval takes the days in one step: the reservation and the decision, in either order.
    assert.deepEqual(kinds.slice(2, 4).sort(), ['approved', 'reserved']);
    assert.equal(events.find((e) => e.kind === 'approved')?.actor, 'vera');
    assert.equal((await call('GET', `/leave-requests/${requestId}/timeline`, 'employee:eric')).status, 403);
  });
});
