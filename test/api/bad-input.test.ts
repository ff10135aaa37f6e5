/**
 * Bad input, generated (fast-check): random bodies of every shape, wrong types, unicode, huge and
 * non-finite numbers, `__proto__` keys, raw text under any content type. Whatever arrives, the API
 * never answers 5xx, and a refused request starts no workflow and signals none. Bounded: a fixed
 * number of runs per endpoint, against a dev server and a worker on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import { createCheckoutActivities } from '../../activities/checkout';
import { createDevMailer, createDevPublisher, DevRecorder } from '../../activities/adapters/development';
import { createLeaveActivities } from '../../activities/leave';
import { createRegistrationActivities } from '../../activities/registration';
import { signToken, type Role } from '../../api/auth';
import {
  openLeaveStore,
  openOrderStore,
  openRegistrationStore,
  type LeaveStore,
  type OrderStore,
  type RegistrationStore,
} from '../../store';
import { SEED_ORGANISATION } from '../../store/seed-organisation';
import { TEST_SETTINGS } from '../helpers/checkout-scenario';
import {
  callApi,
  runWorker,
  serveApi,
  type Answer,
  type RunningApi,
  type RunningWorker,
} from '../helpers/api-server';
import { devServerEnv, workflowBundle } from '../helpers/temporal';
import { createDevPaymentGateway } from '../../activities/checkout/payments';

const SECRET = 'bad-input-secret-long-enough-for-hs256!!!';
const TASK_QUEUE = 'bad-input';
const RUNS = 60;

/** JSON values of every kind, with the awkward ones made likely. */
const awkward = fc.oneof(
  fc.jsonValue(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0, 0.1 + 0.2, 1e-320, '', '0', 'true', null),
  fc.array(fc.jsonValue(), { maxLength: 5 }),
);
/** Objects with random and with meaningful keys, `__proto__` and `constructor` among them. */
const body = fc.oneof(
  awkward,
  fc.dictionary(
    fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom(
        '__proto__',
        'constructor',
        'prototype',
        'days',
        'startDate',
        'approved',
        'note',
        'reason',
        'items',
        'customer',
        'currency',
        'paymentMethod',
        'originalPackaging',
        'lastDay',
        'trackingNumber',
        'email',
        'name',
        'password',
      ),
    ),
    awkward,
    { maxKeys: 6 },
  ),
);

describe('bad input', () => {
  let env: TestWorkflowEnvironment;
  let orderStore: OrderStore;
  let leaveStore: LeaveStore;
  let registrations: RegistrationStore;
  let api: RunningApi;
  let worker: RunningWorker;
  const tokens = {} as Record<Role, string>;

  before(async () => {
    env = await devServerEnv();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-input-'));
    orderStore = openOrderStore({ dataDir });
    leaveStore = openLeaveStore({ dataDir });
    await leaveStore.seedIfEmpty(SEED_ORGANISATION);
    registrations = openRegistrationStore({ dataDir });
    const recorder = new DevRecorder(dataDir, () => undefined);
    const deps = {
      mailer: createDevMailer(recorder),
      events: createDevPublisher(recorder),
      fromEmail: 'x@example.com',
    };
    worker = await runWorker({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowBundle: await workflowBundle(),
      activities: {
        ...createCheckoutActivities({
          ...deps,
          store: orderStore,
          payments: createDevPaymentGateway(recorder),
          settings: TEST_SETTINGS,
        }),
        ...createLeaveActivities({
          ...deps,
          leaveStore,
          settings: { reminderAfterMs: 86_400_000, yearStart: '01-01' },
        }),
        ...createRegistrationActivities({
          ...deps,
          registrations,
          settings: { confirmWithinMs: 86_400_000, sideEffectAlertAfterMs: 900_000 },
          supportEmail: 'support@example.com',
          publicUrl: 'http://127.0.0.1:1',
        }),
      },
    });
    api = await serveApi({
      client: env.client,
      store: orderStore,
      taskQueue: TASK_QUEUE,
      jwtSecret: SECRET,
      leave: { store: leaveStore, yearStart: '01-01' },
      registrations,
    });
    const subs: Record<Role, string> = {
      storefront: 'shop',
      support: 'sam',
      manager: 'mia',
      warehouse: 'wes',
      employee: 'ella',
      hr: 'hana',
      customer: 'cus_nobody',
    };
    for (const [role, sub] of Object.entries(subs) as [Role, string][])
      tokens[role] = await signToken(SECRET, { role, sub });
  });

  after(async () => {
    await api?.close();
    await worker?.stop();
    await orderStore?.close();
    await leaveStore?.close();
    await registrations?.close();
    await env?.teardown();
  });

  async function send(
    method: string,
    url: string,
    role: Role,
    raw: string,
    contentType = 'application/json',
  ) {
    let answer: Answer;
    try {
      answer = await callApi(api.base, method, url, { token: tokens[role], raw, contentType });
    } catch (err) {
      throw new Error(
        `${method} ${url} with ${JSON.stringify(raw.slice(0, 200))}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    assert.ok(answer.status < 500, `${method} ${url} answered ${answer.status} to ${raw.slice(0, 200)}`);
    return answer.status;
  }

  async function signalCount(workflowId: string): Promise<number> {
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length;
  }

  it('POST /orders: never 5xx, and a refused body starts nothing', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (generated) => {
        const orderId = `fuzz-${randomUUID().slice(0, 8)}`;
        const withId =
          generated && typeof generated === 'object' && !Array.isArray(generated)
            ? { ...generated, orderId }
            : generated;
        const status = await send('POST', '/orders', 'storefront', JSON.stringify(withId));
        if (status >= 400) {
          await assert.rejects(
            env.client.workflow.getHandle(`order-${orderId}`).describe(),
            WorkflowNotFoundError,
          );
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('raw text under any content type, and oversized bodies: 400 or 413, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/xml',
          '',
        ),
        async (raw, contentType) => {
          const status = await send('POST', '/orders', 'storefront', raw, contentType);
          assert.ok(
            status === 400 || status === 413 || status === 202,
            `${status} for ${JSON.stringify(raw)}`,
          );
        },
      ),
      { numRuns: RUNS },
    );
    assert.equal(await send('POST', '/orders', 'storefront', `{"pad":"${'x'.repeat(70 * 1024)}"}`), 413);
  });

  it('the messages to an order: never 5xx, and a refused body signals nothing', async () => {
    const orderId = `fuzz-target-${randomUUID().slice(0, 8)}`;
    const placed = await send(
      'POST',
      '/orders',
      'storefront',
      JSON.stringify({
        orderId,
        customer: { id: 'c', email: 'c@example.com' },
        items: [{ sku: 'piano', quantity: 1, unitPrice: 250_000 }],
        currency: 'usd',
        paymentMethod: 'pm_card_visa',
      }),
    );
    assert.equal(placed, 202);
    const calls: [string, Role][] = [
      [`/orders/${orderId}/cancel`, 'support'],
      [`/orders/${orderId}/authorizations`, 'manager'],
      [`/orders/${orderId}/payment-retry`, 'support'],
      [`/orders/${orderId}/shipment`, 'warehouse'],
      [`/orders/${orderId}/return`, 'warehouse'],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...calls), body, async ([url, role], generated) => {
        const before = await signalCount(`order-${orderId}`);
        const status = await send('POST', url, role, JSON.stringify(generated));
        if (status >= 400)
          assert.equal(await signalCount(`order-${orderId}`), before, `${url} ${status} signalled`);
      }),
      { numRuns: RUNS },
    );
  });

  it('the leave calls: never 5xx', async () => {
    const calls: [string, string, Role][] = [
      ['POST', '/leave-requests', 'employee'],
      ['POST', '/leave-requests/none/approve', 'manager'],
      ['POST', '/leave-requests/none/reject', 'manager'],
      ['POST', '/leave-requests/none/withdraw', 'employee'],
      ['POST', '/employees/ethan/termination', 'hr'],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...calls), body, async ([method, url, role], generated) => {
        // A termination that passes validation would end Ethan's employment: keep it invalid.
        const payload =
          url.endsWith('/termination') && generated && typeof generated === 'object'
            ? { ...generated, lastDay: 'soon' }
            : generated;
        await send(method, url, role, JSON.stringify(payload));
      }),
      { numRuns: RUNS },
    );
    assert.equal((await leaveStore.getEmployee('ethan'))?.lastDay, undefined);
  });

  it('the registration calls: never 5xx, a refused registration stores nothing, and the link page takes any query and its form any body', async () => {
    const calls: [string, string, Role][] = [
      ['POST', '/registrations', 'storefront'],
      ['POST', '/registrations/reg_none/resend', 'support'],
    ];
    let accepted = false; // a generated body that happens to be valid registers the address
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...calls), body, async ([method, url, role], generated) => {
        const payload =
          url === '/registrations' && generated && typeof generated === 'object' && !Array.isArray(generated)
            ? { ...generated, email: 'fuzz@example.com' }
            : generated;
        const status = await send(method, url, role, JSON.stringify(payload));
        if (url === '/registrations' && status === 202) accepted = true;
        if (url === '/registrations' && status >= 400 && !accepted) {
          assert.deepEqual(await registrations.registrationsFor('fuzz@example.com'), [], `${status} stored`);
        }
      }),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 80 }), async (email) => {
        const answer = await callApi(api.base, 'GET', `/registrations?email=${encodeURIComponent(email)}`, {
          token: tokens.support,
        });
        assert.ok(
          answer.status === 200 || answer.status === 400,
          `${answer.status} for ${JSON.stringify(email)}`,
        );
      }),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 80 }), async (token) => {
        const response = await fetch(
          `${api.base}/registrations/confirm?token=${encodeURIComponent(token)}&token=${encodeURIComponent(token)}`,
        );
        assert.ok(
          response.status === 400 || response.status === 404,
          `${response.status} for ${JSON.stringify(token)}`,
        );
      }),
      { numRuns: RUNS },
    );
    // The link's form, sent with anything: a page in words with a 4xx, never JSON or a 5xx.
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain'),
        async (body, type) => {
          const response = await fetch(`${api.base}/registrations/confirm`, {
            method: 'POST',
            body,
            headers: { 'content-type': type },
          });
          assert.ok(
            [400, 403, 404].includes(response.status),
            `${response.status} for ${JSON.stringify(body)}`,
          );
          assert.match(response.headers.get('content-type') ?? '', /text\/html/);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
