/**
 * The registration part of the HTTP contract against a Temporal dev server and a worker on a
 * SQLite store, the emails recorded by the development mailer: registering, who may read and
 * resend, the emailed link opened as a browser would (the page, its status), a repeated
 * registration, the address that is already a customer's, and a confirmation with no worker.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDevMailer, createDevPublisher, DevRecorder } from '../../activities/adapters/development';
import { createRegistrationActivities } from '../../activities/registration';
import { signToken } from '../../api/auth';
import { verifyPassword } from '../../api/registrations/passwords';
import type { RegistrationSettings } from '../../config/settings';
import { openSqliteOrderStore } from '../../store/sql-order-store';
import {
  openSqliteRegistrationStore,
  tokenHash,
  type RegistrationStore,
} from '../../store/registration-store';
import { customerIdFor } from '../../domain/registration';
import { assertMatchesContract } from '../helpers/openapi';
import {
  callerOf,
  runWorker,
  serveApi,
  type Answer,
  type RunningApi,
  type RunningWorker,
} from '../helpers/api-server';
import { devServerEnv, workflowBundle } from '../helpers/temporal';

const SECRET = 'registration-test-secret-long-enough-for-hs256!!!';
const TASK_QUEUE = 'registration-api-test';
const PASSWORD = 'correct horse battery staple';

describe('registration API', () => {
  let env: TestWorkflowEnvironment;
  let registrations: RegistrationStore;
  let recorder: DevRecorder;
  let api: RunningApi;
  let worker: RunningWorker | undefined;
  /** What the worker's process reads at each registration's start; the lapse test shortens it. */
  const settings: RegistrationSettings = { confirmWithinMs: 24 * 3_600_000, sideEffectAlertAfterMs: 900_000 };

  async function startWorker(): Promise<void> {
    worker = await runWorker({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowBundle: await workflowBundle(),
      activities: createRegistrationActivities({
        registrations,
        mailer: createDevMailer(recorder),
        events: createDevPublisher(recorder),
        settings,
        fromEmail: 'hello@example.com',
        supportEmail: 'support@example.com',
        publicUrl: api.base,
      }),
    });
  }

  before(async () => {
    env = await devServerEnv();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registration-api-'));
    registrations = openSqliteRegistrationStore(path.join(dir, 'app.db'));
    recorder = new DevRecorder(dir, () => undefined);
    api = await serveApi({
      client: env.client,
      store: openSqliteOrderStore(path.join(dir, 'app.db')),
      taskQueue: TASK_QUEUE,
      jwtSecret: SECRET,
      registrations,
    });
    await startWorker();
  });

  after(async () => {
    await api?.close();
    await worker?.stop();
    await registrations?.close();
    await env?.teardown();
  });

  const call = callerOf(() => api.base, SECRET);

  const register = (email: string, password = PASSWORD, name = 'Ada Lovelace') =>
    call('POST', '/registrations', 'storefront:shop', { email, name, password });

  /** The links emailed to `email`, oldest first. */
  function linksTo(email: string): string[] {
    return recorder
      .entries('emails')
      .filter((e) => e.to === email && e.category === 'registration_confirmation_link')
      .map((e) => /http\S+/.exec(String(e.text))![0]);
  }

  async function nthLink(email: string, n: number): Promise<string> {
    for (let i = 0; i < 200; i++) {
      const links = linksTo(email);
      if (links.length >= n) return links[n - 1]!;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`link ${n} to ${email} was never emailed`);
  }

  /** Opens a link as the customer's browser does: no token, HTML back. */
  async function open(url: string): Promise<{ status: number; html: string; headers: Headers }> {
    const response = await fetch(url);
    const html = await response.text();
    assertMatchesContract('GET', url.replace(api.base, ''), response.status, undefined);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    return { status: response.status, html, headers: response.headers };
  }

  async function waitFor(id: string, check: (body: Record<string, unknown>) => boolean): Promise<Answer> {
    let last: Answer | undefined;
    for (let i = 0; i < 150; i++) {
      last = await call('GET', `/registrations/${id}`, 'support:sam');
      if (check(last.body)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`registration ${id} never got there: ${JSON.stringify(last?.body)}`);
  }

  const reason = (answer: Answer) => (answer.body.error as { details?: { reason?: string } }).details?.reason;

  it('registering: the storefront only; bad input is a 400 naming the field and stores nothing', async () => {
    const body = { email: 'nobody@example.com', name: 'N', password: PASSWORD };
    assert.equal((await call('POST', '/registrations', undefined, body)).status, 401);
    for (const as of ['support:sam', 'employee:ella'] as const) {
      assert.equal((await call('POST', '/registrations', as, body)).status, 403);
    }
    const cases: [unknown, string][] = [
      [{ ...body, password: 'short' }, 'password'],
      [{ ...body, email: 'not-an-address' }, 'email'],
      [{ ...body, name: '  ' }, 'name'],
      [{ email: body.email, name: 'N' }, 'password'],
      [{ ...body, admin: true }, 'admin'],
    ];
    for (const [bad, field] of cases) {
      const answer = await call('POST', '/registrations', 'storefront:shop', bad);
      assert.equal(answer.status, 400, JSON.stringify(bad));
      const fields = (answer.body.error as { details: { field: string }[] }).details.map((d) => d.field);
      assert.ok(fields.includes(field), `${field} named in ${JSON.stringify(fields)}`);
      assert.ok(!JSON.stringify(answer.body).includes('short'), 'a refused password is not echoed');
    }
    assert.deepEqual((await call('GET', '/registrations?email=nobody@example.com', 'support:sam')).body, {
      registrations: [],
    });
  });

  it('registered, the link opened: confirmed once, the second click says so (409, a used link), the address is then a customer’s (409)', async () => {
    const email = 'ada@example.com';
    const placed = await register(email);
    assert.equal(placed.status, 202);
    assert.equal(placed.body.status, 'PendingConfirmation');
    const id = String(placed.body.registrationId);
    assert.match(id, /^reg_[a-f0-9]{24}$/);
    assert.ok(
      !JSON.stringify(placed.body).includes(PASSWORD) && !JSON.stringify(placed.body).includes('scrypt'),
    );

    const link = await nthLink(email, 1);
    assert.ok(link.startsWith(`${api.base}/registrations/confirm?token=`), link);
    assert.ok(!link.includes(id), 'the link carries a token, not the registration id');
    const pending = await waitFor(id, (b) => b.linksSent === 1);
    assert.ok(Date.parse(String(pending.body.confirmBy)) > Date.now() + 23 * 3_600_000);
    assert.equal((await call('GET', `/registrations/${id}`, 'storefront:shop')).status, 200);
    assert.equal((await call('GET', `/registrations/${id}`, 'employee:ella')).status, 403);
    assert.equal(
      (await call('GET', '/registrations/reg_000000000000000000000000', 'support:sam')).status,
      404,
    );

    const head = await fetch(link, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(
      (await call('GET', `/registrations/${id}`, 'support:sam')).body.status,
      'PendingConfirmation',
      'a HEAD confirms nothing',
    );
    const first = await open(link);
    assert.equal(first.status, 200);
    assert.match(first.html, /Your email address is confirmed/);
    assert.equal(first.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(first.headers.get('cache-control'), 'no-store');
    const second = await open(link);
    assert.equal(second.status, 409, 'a used link');
    assert.match(second.html, /Already confirmed/);

    // Confirmed always comes with the customer's id, even before the process records its view.
    const confirmed = await waitFor(id, (b) => b.status === 'Confirmed');
    assert.match(String(confirmed.body.customerId), /^cus_/);
    assert.equal(await verifyPassword(PASSWORD, (await registrations.passwordHashOf(email))!), true);
    await waitFor(id, () =>
      recorder.entries('emails').some((e) => e.to === email && e.category === 'registration_welcome'),
    );
    assert.ok(
      recorder
        .entries('events')
        .some((e) => e.type === 'customer.registered' && e.customerId === confirmed.body.customerId),
    );

    for (const again of [email, 'ADA@Example.com']) {
      const refused = await register(again);
      assert.equal(refused.status, 409);
      assert.equal(reason(refused), 'address_registered');
    }
    const resend = await call('POST', `/registrations/${id}/resend`, 'storefront:shop', {});
    assert.equal(resend.status, 409);
    assert.equal(reason(resend), 'not_pending');
    assert.equal(linksTo(email).length, 1, 'no link went out after the confirmation');
  });

  it('an unknown, malformed or missing token gets a page saying so, never a 5xx', async () => {
    const unknown = await open(`${api.base}/registrations/confirm?token=${'A'.repeat(43)}`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.html, /We do not know this link/);
    for (const url of [
      '/registrations/confirm?token=abc',
      '/registrations/confirm',
      '/registrations/confirm?token=<script>',
    ]) {
      const page = await open(`${api.base}${url}`);
      assert.equal(page.status, 400, url);
      assert.ok(!page.html.includes('<script>'), 'nothing from the address is put into the page');
    }
  });

  it('registering a pending address again answers that registration, with no second email within a minute; resend is limited (429, Retry-After)', async () => {
    const email = 'grace@example.com';
    const placed = await register(email);
    const id = String(placed.body.registrationId);
    await nthLink(email, 1);
    await waitFor(id, (b) => b.linksSent === 1);
    const again = await register('Grace@example.com', 'another password entirely');
    assert.equal(again.status, 202);
    assert.equal(again.body.registrationId, id);
    const resend = await call('POST', `/registrations/${id}/resend`, 'storefront:shop', {});
    assert.equal(resend.status, 429);
    assert.equal(reason(resend), 'too_soon');
    const seconds = (resend.body.error as { details: { retryAfterSeconds: number } }).details
      .retryAfterSeconds;
    assert.ok(seconds > 0 && seconds <= 60, String(seconds));
    const raw = await fetch(`${api.base}/registrations/${id}/resend`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await signToken(SECRET, { role: 'storefront', sub: 'shop' })}` },
    });
    assert.equal(raw.status, 429);
    assert.match(raw.headers.get('retry-after') ?? '', /^\d+$/);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(linksTo(email).length, 1);
    const found = await call(
      'GET',
      `/registrations?email=${encodeURIComponent('GRACE@example.com')}`,
      'support:sam',
    );
    assert.deepEqual(
      (found.body.registrations as { registrationId: string }[]).map((r) => r.registrationId),
      [id],
    );
    assert.equal(
      (await call('GET', '/registrations?email=grace@example.com', 'storefront:shop')).status,
      403,
    );
  });

  it('after a minute: registering again sends a fresh link with the newest password; support may resend; only the newest link works', async () => {
    const [hopper, lamarr] = ['hopper@example.com', 'lamarr@example.com'];
    const ids: string[] = [];
    for (const email of [hopper, lamarr]) {
      ids.push(String((await register(email)).body.registrationId));
      await nthLink(email, 1);
    }
    await new Promise((r) => setTimeout(r, 61_000));

    const again = await register(hopper, 'the newer password of two');
    assert.equal(again.body.registrationId, ids[0]);
    const resent = await call('POST', `/registrations/${ids[1]}/resend`, 'support:sam', {});
    assert.equal(resent.status, 202);
    assert.equal(resent.body.linksSent, 2);
    assert.ok(Date.parse(String(resent.body.resendAvailableAt)) > Date.now() + 30_000);

    for (const [email, id, password] of [
      [hopper, ids[0]!, 'the newer password of two'],
      [lamarr, ids[1]!, PASSWORD],
    ] as const) {
      const [old, fresh] = [await nthLink(email, 1), await nthLink(email, 2)];
      const replaced = await open(old);
      assert.equal(replaced.status, 410);
      assert.match(replaced.html, /This link was replaced/);
      assert.equal((await open(fresh)).status, 200);
      await waitFor(id, (b) => b.status === 'Confirmed');
      assert.equal(await verifyPassword(password, (await registrations.passwordHashOf(email))!), true, email);
    }
  });

  it('no click in time: lapsed, the link expired (410), the address free for a new registration', async () => {
    settings.confirmWithinMs = 2_000;
    try {
      const email = 'lapse@example.com';
      const id = String((await register(email)).body.registrationId);
      const link = await nthLink(email, 1);
      await waitFor(id, (b) => b.status === 'Lapsed');
      const expired = await open(link);
      assert.equal(expired.status, 410);
      assert.match(expired.html, /expired/);
      assert.equal(await registrations.passwordHashOf(email), undefined);
      const fresh = await register(email);
      assert.equal(fresh.status, 202);
      assert.notEqual(fresh.body.registrationId, id);
    } finally {
      settings.confirmWithinMs = 24 * 3_600_000;
    }
  });

  /** Registers `email`, waits for its link, then runs `body` with the worker stopped; the worker is back after. */
  async function withWorkerStopped(
    email: string,
    body: (id: string, link: string) => Promise<void>,
  ): Promise<string> {
    const id = String((await register(email)).body.registrationId);
    const link = await nthLink(email, 1);
    await waitFor(id, (b) => b.linksSent === 1);
    await worker!.stop();
    try {
      await body(id, link);
    } finally {
      await startWorker();
    }
    return id;
  }

  it('confirmed by the store before the process records it: the answer names the customer already', async () => {
    await withWorkerStopped('between@example.com', async (id, link) => {
      // What the process's activity does when the link is opened, with the process not yet told.
      const token = new URL(link).searchParams.get('token')!;
      const { customer } = await registrations.confirmRegistration({
        registrationId: id,
        tokenHash: tokenHash(token),
        customerId: customerIdFor(id),
        at: new Date().toISOString(),
      });
      const answer = await call('GET', `/registrations/${id}`, 'support:sam');
      assert.equal(answer.status, 200);
      assert.equal(answer.body.status, 'Confirmed');
      assert.equal(answer.body.customerId, customer.customerId);
      assert.equal(answer.body.confirmedAt, customer.createdAt);
      assert.equal(
        answer.body.resendAvailableAt,
        undefined,
        'no fresh link is offered for a confirmed registration',
      );
    });
  });

  it('the link opened while no worker runs: the page says it is being confirmed (202), and it is once a worker is back', async () => {
    const id = await withWorkerStopped('noworker@example.com', async (_id, link) => {
      const page = await open(link);
      assert.equal(page.status, 202);
      assert.match(page.html, /Confirming your address/);
    });
    await waitFor(id, (b) => b.status === 'Confirmed');
  });
});
