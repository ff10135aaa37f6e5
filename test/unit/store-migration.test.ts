/**
 * A database the stores before the SQL port made (their schemas and statements, copied verbatim in
 * test/fixtures/main-databases.ts and, for registrations and sessions,
 * test/fixtures/main-account-databases.ts) opens with today's stores, on SQLite and on PostgreSQL:
 * every row reads back as it was written, the old rows stay as they were in their tables, new rows
 * are written beside them, and the database opens again after that.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { OrderStatus, OrderView, PlacedOrder } from '../../domain/checkout';
import { PASSWORD_TRIES, type RegistrationView } from '../../domain/registration';
import { openLeaveStore, openOrderStore, openRegistrationStore, openSessionStore } from '../../store';
import type { Employee } from '../../store/leave-store';
import type { BackOfficeSession } from '../../store/session-store';
import {
  makeOldPostgresAccounts,
  makeOldSqliteAccounts,
  type OldAccountRows,
} from '../fixtures/main-account-databases';
import { makeOldPostgres, makeOldSqlite, type OldRows } from '../fixtures/main-databases';
import { BACKENDS } from '../helpers/databases';

function order(n: number): PlacedOrder {
  return {
    orderId: `old-${n}`,
    customer: { id: `c-${n}`, email: `c${n}@example.com` },
    items: [{ sku: 'lamp', quantity: 2, unitPrice: 1_250 + n }],
    currency: 'usd',
    paymentMethod: 'pm_card_visa',
    total: 2 * (1_250 + n),
    placedAt: `2026-03-0${n}T10:00:00.000Z`,
  };
}

function view(o: PlacedOrder, status: OrderStatus, extra: Partial<OrderView> = {}): OrderView {
  return {
    orderId: o.orderId,
    status,
    total: o.total,
    currency: o.currency,
    customerId: o.customer.id,
    items: o.items,
    placedAt: o.placedAt,
    updatedAt: o.placedAt,
    paymentAttempts: 1,
    notifications: { confirmation: 'delivered' },
    ...extra,
  };
}

const declined = view(order(2), 'PaymentFailed', { paymentResolutionDeadline: '2026-03-09T10:00:00.000Z' });
const paid = view(order(3), 'Paid');

const STAFF: Employee[] = [
  { id: 'vera', name: 'Vera', email: 'vera@example.com', rank: 'vp', annualAllowance: 30, dailyRate: 40_000 },
  {
    id: 'mia',
    name: 'Mia',
    email: 'mia@example.com',
    managerId: 'vera',
    rank: 'manager',
    annualAllowance: 27.5,
    dailyRate: 30_000,
  },
  {
    id: 'ella',
    name: 'Ella',
    email: 'ella@example.com',
    managerId: 'mia',
    rank: 'employee',
    annualAllowance: 25,
    dailyRate: 25_000,
    lastDay: '2027-01-31',
  },
];

const OLD: OldRows = {
  orders: [
    { order: order(1), now: '2026-03-01T10:00:00.100Z' },
    {
      order: order(2),
      now: '2026-03-02T10:00:00.100Z',
      status: { version: 3, view: declined, now: '2026-03-02T10:00:05.000Z' },
    },
    {
      order: order(3),
      now: '2026-03-03T10:00:00.100Z',
      status: { version: 2, view: paid, now: '2026-03-03T10:00:04.000Z' },
    },
  ],
  employees: STAFF,
  entries: [
    {
      key: 'grant:ella:2026',
      employeeId: 'ella',
      leaveYear: 2026,
      kind: 'grant',
      days: 25,
      createdAt: '2026-02-01T09:00:00.000Z',
    },
    {
      key: 'reserve:r1',
      employeeId: 'ella',
      leaveYear: 2026,
      kind: 'reservation',
      days: -2.5,
      requestId: 'r1',
      createdAt: '2026-02-01T09:00:01.000Z',
    },
    {
      key: 'paycheck:ella:2025',
      employeeId: 'ella',
      leaveYear: 2025,
      kind: 'paycheck_deduction',
      days: 1.5,
      amount: 37_500,
      createdAt: '2026-02-01T09:00:02.000Z',
    },
  ],
  requests: [
    {
      requestId: 'r1',
      employeeId: 'ella',
      days: 2.5,
      startDate: '2026-04-01',
      status: 'Submitted',
      view: { status: 'Submitted' },
      now: '2026-02-01T09:00:00.500Z',
      recorded: {
        status: 'Approved',
        version: 2,
        view: { status: 'Approved', by: 'mia' },
        now: '2026-02-01T09:00:03.000Z',
      },
    },
    {
      requestId: 'r2',
      employeeId: 'ella',
      days: 1,
      startDate: '2026-05-04',
      status: 'PendingApproval',
      now: '2026-02-02T09:00:00.000Z',
    },
  ],
};

/** PostgreSQL: a view recorded before the work queues, which the old start-up fill had not reached. */
const unfilled = { order: order(4), view: view(order(4), 'PaymentFailed'), now: '2026-03-04T10:00:01.000Z' };

const TABLES = {
  orders: 'order_id',
  employees: 'id',
  leave_ledger: 'entry_key',
  leave_requests: 'request_id',
};

/** Every row of the old tables, as the database holds them. */
async function dump(url: string, tables = Object.entries(TABLES)): Promise<Record<string, unknown[]>> {
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length), { readonly: true });
    const rows = Object.fromEntries(
      tables.map(([table, key]) => [table, db.prepare(`SELECT * FROM ${table} ORDER BY ${key}`).all()]),
    );
    db.close();
    return rows;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rows: Record<string, unknown[]> = {};
    for (const [table, key] of tables)
      rows[table] = (await client.query(`SELECT * FROM ${table} ORDER BY ${key}`)).rows;
    return rows;
  } finally {
    await client.end();
  }
}

for (const backend of BACKENDS) {
  describe(`a database of the stores before the SQL port, on ${backend.name}`, () => {
    const postgres = backend.name === 'PostgreSQL';

    it('opens with the stores of today, reads every row back unchanged and takes new ones', async () => {
      const url = await backend.freshDatabaseUrl();
      const old = postgres ? { ...OLD, unfilled } : OLD;
      if (postgres) await makeOldPostgres(url, old);
      else makeOldSqlite(url.slice('sqlite:'.length), old);
      const before = await dump(url);

      const orders = openOrderStore({ dataDir: '', databaseUrl: url });
      const leave = openLeaveStore({ dataDir: '', databaseUrl: url });
      await assertOldRows(orders, leave);
      if (postgres) {
        // The fill the old version left unfinished is done: the order is in support's queue.
        const support = await orders.listOrders({ needs: 'support', limit: 10 });
        assert.deepEqual(
          support.items.map((o) => o.order.orderId),
          ['old-2', 'old-4'],
        );
      }
      const after = await dump(url);
      if (postgres) {
        const filled = after.orders!.find((row) => (row as { order_id: string }).order_id === 'old-4');
        assert.equal((filled as { support_reason: string }).support_reason, 'payment_failed');
        after.orders = after.orders!.map((row) => (row === filled ? before.orders!.at(-1) : row));
      }
      // A column added since (when an order entered its status) is empty on old rows.
      after.orders = after.orders!.map((row) => {
        const { status_since: since, ...rest } = row as { status_since?: unknown };
        assert.ok(since === null || since === undefined, 'status_since starts empty: updated_at stands in');
        return rest;
      });
      assert.deepEqual(after, before, 'opening changed no old row');

      await writeNewRows(orders, leave);
      await orders.close();
      await leave.close();

      // And once more, the migrations behind it.
      const again = openOrderStore({ dataDir: '', databaseUrl: url });
      const leaveAgain = openLeaveStore({ dataDir: '', databaseUrl: url });
      await assertOldRows(again, leaveAgain);
      assert.equal((await again.getOrder('new-1'))?.status, 'Paid');
      assert.equal(await leaveAgain.balance('ella', 2026), 19.5);
      await again.close();
      await leaveAgain.close();
    });

    it('keeps the registrations, customers, keys and sessions of the stores before the port', async () => {
      const url = await backend.freshDatabaseUrl();
      if (postgres) await makeOldPostgresAccounts(url, ACCOUNTS);
      else await makeOldSqliteAccounts(url.slice('sqlite:'.length), ACCOUNTS);
      const before = await dump(url, ACCOUNT_TABLES);

      const registrations = openRegistrationStore({ dataDir: '', databaseUrl: url });
      const sessions = openSessionStore({ dataDir: '', databaseUrl: url });
      await assertOldAccounts(registrations, sessions);
      assert.deepEqual(await dump(url, ACCOUNT_TABLES), before, 'opening and reading changed no old row');

      await writeNewAccounts(registrations, sessions);
      await registrations.close();
      await sessions.close();

      const again = openRegistrationStore({ dataDir: '', databaseUrl: url });
      const sessionsAgain = openSessionStore({ dataDir: '', databaseUrl: url });
      assert.equal((await again.getRegistration('reg_ada'))?.status, 'Confirmed');
      assert.equal(await again.passwordHashOf('ada@example.com'), 'hash-ada');
      assert.equal((await again.getCustomer('cus_grace'))?.name, 'Grace');
      assert.deepEqual(await again.keyFor('address'), ADDRESS_SECRET);
      assert.equal((await sessionsAgain.findSession('new-hash', Date.parse(T0)))?.sub, 'hana');
      assert.deepEqual(await sessionsAgain.signInKey(), SIGN_IN_SECRET);
      await again.close();
      await sessionsAgain.close();
    });
  });
}

type Stores = [ReturnType<typeof openOrderStore>, ReturnType<typeof openLeaveStore>];

async function assertOldRows(...[orders, leave]: Stores): Promise<void> {
  for (const { order: placed, now, status } of OLD.orders) {
    assert.deepEqual(await orders.getOrder(placed.orderId), {
      order: placed,
      status: status?.view.status ?? 'Received',
      statusVersion: status?.version ?? 0,
      view: status?.view,
      updatedAt: status?.now ?? now,
    });
  }
  const shipment = await orders.listOrders({ needs: 'shipment', limit: 10 });
  assert.deepEqual(
    shipment.items.map((o) => o.order.orderId).filter((id) => id.startsWith('old-')),
    ['old-3'],
  );
  const newest = await orders.listOrders({ customerId: 'c-2', limit: 10 });
  assert.deepEqual(
    newest.items.map((o) => o.order.orderId),
    ['old-2'],
  );

  assert.deepEqual(
    await leave.listEmployees(),
    [...STAFF]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((e) => ({ ...e, managerId: e.managerId, lastDay: e.lastDay })),
  );
  assert.deepEqual(await leave.managerChain('ella'), [
    { id: 'mia', rank: 'manager' },
    { id: 'vera', rank: 'vp' },
  ]);
  const entries = (await leave.entries('ella')).slice(0, OLD.entries.length);
  assert.deepEqual(
    entries,
    OLD.entries.map(({ key: _key, ...entry }) => ({
      ...entry,
      requestId: entry.requestId,
      amount: entry.amount,
    })),
  );
  const [r1, r2] = OLD.requests;
  assert.deepEqual(await leave.getLeaveRequest('r1'), {
    requestId: 'r1',
    employeeId: 'ella',
    days: 2.5,
    startDate: r1!.startDate,
    status: 'Approved',
    statusVersion: 2,
    view: r1!.recorded!.view,
    updatedAt: r1!.recorded!.now,
  });
  assert.deepEqual(await leave.getLeaveRequest('r2'), {
    requestId: 'r2',
    employeeId: 'ella',
    days: 1,
    startDate: r2!.startDate,
    status: 'PendingApproval',
    statusVersion: 0,
    view: undefined,
    updatedAt: r2!.now,
  });
  const listed = await leave.listLeaveRequests({ employeeIds: ['ella'], limit: 10 });
  assert.deepEqual(
    listed.items.slice(-2).map((r) => r.requestId),
    ['r2', 'r1'],
    'newest first, by the submission the old code recorded',
  );
  assert.deepEqual(await leave.openLeaveRequestIds('mia'), []);
}

async function writeNewRows(...[orders, leave]: Stores): Promise<void> {
  const placed = { ...order(5), orderId: 'new-1' };
  assert.deepEqual(await orders.saveOrder(placed), { created: true });
  await orders.recordStatus('new-1', 'Paid', 1, view(placed, 'Paid'));
  const shipment = await orders.listOrders({ needs: 'shipment', limit: 10 });
  assert.deepEqual(
    shipment.items.map((o) => o.order.orderId),
    ['old-3', 'new-1'],
  );

  assert.equal(await leave.balance('ella', 2026), 22.5, 'the old grant less the old reservation');
  const reserved = await leave.reserve({
    requestId: 'r3',
    employeeId: 'ella',
    days: 3,
    leaveYear: 2026,
    mode: { kind: 'within_balance' },
  });
  assert.deepEqual(reserved, { reserved: true, balanceBefore: 22.5, balanceAfter: 19.5 });
  await leave.saveLeaveRequest({
    requestId: 'r3',
    employeeId: 'ella',
    days: 3,
    startDate: '2026-06-01',
    status: 'Approved',
  });
  await leave.recordLeaveStatus('r3', 'Approved', 1, { status: 'Approved' });
  assert.equal((await leave.getLeaveRequest('r3'))?.statusVersion, 1);
  assert.deepEqual(
    (await leave.entries('ella')).map((e) => e.kind),
    ['grant', 'reservation', 'paycheck_deduction', 'reservation'],
    'the new entry after the old ones',
  );
  // Her last day, recorded by the old code, stays.
  assert.deepEqual(await leave.recordTermination('ella', '2027-02-28'), { recorded: false });
}

const T0 = '2026-11-28T10:00:00.000Z';
const at = (seconds: number): string => new Date(Date.parse(T0) + seconds * 1_000).toISOString();
const ADDRESS_SECRET = Buffer.alloc(32, 7);
const FORM_SECRET = Buffer.alloc(32, 9);
const SIGN_IN_SECRET = Buffer.alloc(32, 3);

const adaView: RegistrationView = {
  registrationId: 'reg_ada',
  email: 'Ada@Example.com',
  name: 'Ada',
  status: 'PendingConfirmation',
  createdAt: T0,
  updatedAt: at(30),
  linksSent: 1,
  linkSentAt: [at(30)],
  confirmBy: at(86_400),
};

const malloryTombstone: RegistrationView = {
  registrationId: 'reg_mallory',
  status: 'Lapsed',
  createdAt: at(5),
  updatedAt: at(120),
  linksSent: 1,
  linkSentAt: [at(95)],
  confirmBy: at(86_405),
  lapsedAt: at(120),
  lapseReason: 'address_taken',
};

const samSession: BackOfficeSession = {
  sub: 'sam',
  name: 'Sam Sato',
  roles: ['support'],
  csrfToken: 'csrf-sam',
  idToken: 'id-token-sam',
  expiresAt: Date.parse(T0) + 8 * 3_600_000,
};

const ACCOUNTS: OldAccountRows = {
  registrations: [
    {
      registrationId: 'reg_ada',
      email: 'Ada@Example.com',
      name: 'Ada',
      passwordHash: 'hash-ada',
      createdAt: T0,
      recorded: { version: 2, view: adaView },
    },
    {
      registrationId: 'reg_mallory',
      email: 'ada@example.com',
      name: 'Mallory',
      passwordHash: 'hash-mallory',
      createdAt: at(5),
    },
    {
      registrationId: 'reg_grace',
      email: 'grace@example.com',
      name: 'Grace',
      passwordHash: 'hash-grace',
      createdAt: at(10),
    },
  ],
  links: [
    {
      tokenHash: 'link-ada',
      registrationId: 'reg_ada',
      linkNumber: 1,
      expiresAt: at(86_400),
      createdAt: at(30),
    },
    {
      tokenHash: 'link-mallory',
      registrationId: 'reg_mallory',
      linkNumber: 1,
      expiresAt: at(86_405),
      createdAt: at(95),
    },
    {
      tokenHash: 'link-grace',
      registrationId: 'reg_grace',
      linkNumber: 1,
      expiresAt: at(86_410),
      createdAt: at(40),
    },
  ],
  tries: [
    { registrationId: 'reg_ada', tries: 2 },
    { registrationId: 'reg_grace', tries: 1 },
  ],
  confirmed: [{ registrationId: 'reg_grace', tokenHash: 'link-grace', customerId: 'cus_grace', at: at(180) }],
  lapsed: [{ registrationId: 'reg_mallory', at: at(120), tombstone: malloryTombstone }],
  keys: [
    { purpose: 'address', secret: ADDRESS_SECRET, createdAt: T0 },
    { purpose: 'confirmation-form', secret: FORM_SECRET, createdAt: T0 },
  ],
  linkSends: [
    {
      email: 'ada@example.com',
      sends: [
        { at: at(30), link: 'reg_ada#1' },
        { at: at(95), link: 'reg_mallory#1' },
      ],
    },
    { email: 'grace@example.com', sends: [{ at: at(40), link: 'reg_grace#1' }] },
  ],
  sessions: [
    { idHash: 'sam-hash', session: samSession },
    {
      idHash: 'expired-hash',
      session: {
        sub: 'mia',
        name: 'Mia',
        roles: ['manager'],
        csrfToken: 'csrf-mia',
        expiresAt: Date.parse(T0) - 1,
      },
    },
  ],
  signInKey: SIGN_IN_SECRET,
};

const ACCOUNT_TABLES = Object.entries({
  registrations: 'registration_id',
  registration_links: 'token_hash',
  registration_password_tries: 'registration_id',
  registration_link_sends: 'address_key',
  registration_keys: 'purpose',
  customers: 'customer_id',
  back_office_sessions: 'id_hash',
  app_keys: 'name',
});

type AccountStores = [ReturnType<typeof openRegistrationStore>, ReturnType<typeof openSessionStore>];

async function assertOldAccounts(...[registrations, sessions]: AccountStores): Promise<void> {
  assert.deepEqual(await registrations.getRegistration('reg_ada'), {
    registrationId: 'reg_ada',
    email: 'Ada@Example.com',
    name: 'Ada',
    status: 'PendingConfirmation',
    statusVersion: 2,
    view: adaView,
    createdAt: T0,
    updatedAt: at(30),
  });
  assert.deepEqual(
    (await registrations.registrationsFor('ADA@example.com')).map((r) => r.registrationId),
    ['reg_ada'],
    'the lapsed sign-up of the address is found by no address',
  );
  assert.deepEqual(await registrations.getRegistration('reg_mallory'), {
    registrationId: 'reg_mallory',
    email: '',
    name: '',
    status: 'Lapsed',
    statusVersion: 0,
    view: malloryTombstone,
    createdAt: at(5),
    updatedAt: at(120),
  });
  assert.deepEqual(await registrations.findLink('link-ada'), {
    registrationId: 'reg_ada',
    linkNumber: 1,
    expiresAt: at(86_400),
  });
  assert.equal(await registrations.findLink('link-mallory'), undefined);
  assert.deepEqual(await registrations.keyFor('address'), ADDRESS_SECRET);
  assert.deepEqual(await registrations.keyFor('confirmation-form'), FORM_SECRET);
  assert.deepEqual(
    await registrations.linkTimesFor('reg_ada', at(600)),
    [at(30), at(95)],
    "the address's sends, found under the old keyed hash",
  );
  assert.deepEqual(await registrations.getCustomer('cus_grace'), {
    customerId: 'cus_grace',
    email: 'grace@example.com',
    name: 'Grace',
    registrationId: 'reg_grace',
    createdAt: at(180),
  });
  assert.equal(await registrations.passwordHashOf('Grace@example.com'), 'hash-grace');
  assert.equal(await registrations.passwordHashOf('ada@example.com'), undefined);

  assert.deepEqual(await sessions.findSession('sam-hash', Date.parse(T0)), samSession);
  assert.equal(await sessions.findSession('expired-hash', Date.parse(T0)), undefined);
  assert.deepEqual(await sessions.signInKey(), SIGN_IN_SECRET);
}

async function writeNewAccounts(...[registrations, sessions]: AccountStores): Promise<void> {
  assert.deepEqual(await registrations.tryPassword('link-ada'), {
    kind: 'check',
    registrationId: 'reg_ada',
    passwordHash: 'hash-ada',
    lastTry: false,
    triesLeftAfter: PASSWORD_TRIES - 3,
  });
  const confirmed = await registrations.confirmRegistration({
    registrationId: 'reg_ada',
    tokenHash: 'link-ada',
    customerId: 'cus_ada',
    at: at(600),
  });
  assert.deepEqual([confirmed.confirmed, confirmed.customer.name, confirmed.others], ['now', 'Ada', []]);
  assert.deepEqual(
    await registrations.openRegistration({
      registrationId: 'reg_grace2',
      email: 'GRACE@example.com',
      name: 'G',
      passwordHash: 'h',
      createdAt: at(700),
    }),
    { kind: 'customer' },
  );
  const opened = await registrations.openRegistration({
    registrationId: 'reg_hopper',
    email: 'hopper@example.com',
    name: 'Grace H.',
    passwordHash: 'hash-hopper',
    createdAt: at(700),
  });
  assert.equal(opened.kind, 'opened');
  assert.deepEqual(
    await registrations.claimLink({ registrationId: 'reg_hopper', linkNumber: 1, at: at(700) }),
    { granted: true },
  );
  assert.deepEqual(
    await registrations.linkTimesFor('reg_hopper', at(700)),
    [at(700)],
    'a new address counted beside the old ones',
  );

  assert.deepEqual(await sessions.deleteSession('sam-hash'), samSession);
  await sessions.deleteExpired(Date.parse(T0));
  await sessions.saveSession('new-hash', { ...samSession, sub: 'hana', name: 'Hana', idToken: undefined });
}
