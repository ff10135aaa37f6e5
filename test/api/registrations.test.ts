/**
 * The registration part of the HTTP contract against a Temporal dev server and a worker on a
 * SQLite store, the emails recorded by the development mailer: registering, who may read and
 * resend, the emailed link opened as a browser would (a page that confirms nothing) and its form
 * sent (the password of that sign-up, from that page), sign-ups of one address (each its own,
 * nothing of one changed or shown by another, links limited by address, the first confirmed
 * winning: hijacking and pre-hijacking), a lapse that keeps nothing personal, the address that is
 * already a customer's, and a confirmation with no worker.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import Database from 'better-sqlite3';
import { createDevMailer, createDevPublisher, DevRecorder } from '../../activities/adapters/development';
import { createRegistrationActivities } from '../../activities/registration';
import { signToken } from '../../api/auth';
import { verifyPassword } from '../../api/registration/passwords';
import type { RegistrationSettings } from '../../config/settings';
import { openSqliteOrderStore } from '../../store/sql-order-store';
import {
  openSqliteRegistrationStore,
  tokenHash,
  type RegistrationStore,
} from '../../store/registration-store';
import { customerIdFor, PASSWORD_TRIES } from '../../domain/registration';
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
const STRANGERS = 'a strangers own password';

describe('registration API', () => {
  let env: TestWorkflowEnvironment;
  let registrations: RegistrationStore;
  let recorder: DevRecorder;
  let api: RunningApi;
  let worker: RunningWorker | undefined;
  let dbFile: string;
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
    dbFile = path.join(dir, 'app.db');
    registrations = openSqliteRegistrationStore(dbFile);
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

  interface Page {
    status: number;
    html: string;
    headers: Headers;
  }

  /** Opens a link as the customer's browser does: no token, HTML back. */
  async function open(url: string, method = 'GET'): Promise<Page> {
    const response = await fetch(url, { method });
    const html = await response.text();
    assertMatchesContract(
      method === 'HEAD' ? 'GET' : method,
      url.replace(api.base, ''),
      response.status,
      undefined,
    );
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    return { status: response.status, html, headers: response.headers };
  }

  /** A hidden field of the page's form. */
  function hidden(html: string, name: string): string | undefined {
    return new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html)?.[1];
  }

  /**
   * Sends the page's form as the browser does (urlencoded, from this site), with `password`;
   * `fields` and `headers` change what is sent.
   */
  async function submit(
    page: Page,
    password: string | undefined,
    {
      fields = {},
      headers = {},
    }: { fields?: Record<string, string | undefined>; headers?: Record<string, string> } = {},
  ): Promise<Page> {
    assert.match(page.html, /<form method="post" action="confirm">/);
    const form: Record<string, string | undefined> = {
      token: hidden(page.html, 'token'),
      check: hidden(page.html, 'check'),
      password,
      ...fields,
    };
    const body = new URLSearchParams(
      Object.entries(form).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    const response = await fetch(`${api.base}/registrations/confirm`, {
      method: 'POST',
      body,
      headers: { origin: api.base, 'sec-fetch-site': 'same-origin', ...headers },
    });
    const html = await response.text();
    assertMatchesContract('POST', '/registrations/confirm', response.status, undefined);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    return { status: response.status, html, headers: response.headers };
  }

  /** Opens the link and sends its form with `password`: what the customer does. */
  async function confirmWith(link: string, password: string): Promise<Page> {
    const page = await open(link);
    if (page.status !== 200) return page;
    return submit(page, password);
  }

  /** The registration's rows as the database holds them. */
  function rows(registrationId: string): { registration: Record<string, unknown>; links: unknown[] } {
    const db = new Database(dbFile, { readonly: true });
    try {
      return {
        registration: db
          .prepare('SELECT * FROM registrations WHERE registration_id = ?')
          .get(registrationId) as Record<string, unknown>,
        links: db.prepare('SELECT * FROM registration_links WHERE registration_id = ?').all(registrationId),
      };
    } finally {
      db.close();
    }
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
      // A stranger's words above our link: the name is one line of plain text.
      [
        { ...body, name: 'customer,\n\nYour account is locked. Verify your card at https://evil.example' },
        'name',
      ],
      [{ ...body, name: 'Ada\u2028Lovelace' }, 'name'],
      [{ ...body, name: 'Ada\u0007' }, 'name'],
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

  it('registered: opening the link (GET, HEAD) confirms nothing; its page asks for the password; the form sent with it confirms once, the second time says so (409); the address is then a customer’s (409)', async () => {
    const email = 'ada@example.com';
    const placed = await register(email);
    assert.equal(placed.status, 202);
    assert.deepEqual(Object.keys(placed.body).sort(), ['registrationId', 'status']);
    assert.equal(placed.body.status, 'PendingConfirmation');
    const id = String(placed.body.registrationId);
    // The link goes to an address nobody has proven yet: nothing the sign-up typed is in the email.
    await nthLink(email, 1);
    const sent = recorder
      .entries('emails')
      .filter((e) => e.to === email && e.category === 'registration_confirmation_link');
    assert.doesNotMatch(String(sent[0]!.text), /Ada|Lovelace/);
    assert.match(id, /^reg_[a-f0-9]{24}$/);

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

    // What a mail gateway or a link preview does: fetch it, twice, with HEAD and GET.
    assert.equal((await open(link, 'HEAD')).status, 200);
    const page = await open(link);
    await open(link);
    assert.equal(page.status, 200);
    assert.match(page.html, /Confirm your email address/);
    assert.match(page.html, /<label for="password">Your password<\/label>/);
    assert.match(
      page.html,
      /<input id="password" name="password" type="password" autocomplete="current-password"/,
    );
    assert.match(page.html, /<button type="submit">/);
    assert.equal(hidden(page.html, 'token'), new URL(link).searchParams.get('token'));
    assert.match(hidden(page.html, 'check') ?? '', /^\d+\.[\w-]{43}$/);
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(
      (await call('GET', `/registrations/${id}`, 'support:sam')).body.status,
      'PendingConfirmation',
      'opening the link confirmed nothing',
    );
    assert.equal(await registrations.passwordHashOf(email), undefined, 'no customer');

    // As Chromium sends the form of a no-referrer page: Origin null, from the same origin.
    const first = await submit(page, PASSWORD, { headers: { origin: 'null' } });
    assert.equal(first.status, 200);
    assert.match(first.html, /Your email address is confirmed/);
    assert.equal(first.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(first.headers.get('cache-control'), 'no-store');
    const second = await submit(page, PASSWORD);
    assert.equal(second.status, 409, 'a used link');
    assert.match(second.html, /Already confirmed/);
    assert.equal((await open(link)).status, 409, 'and its page says so');

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

  it('the form confirms nothing without its check, from another site, or with a wrong password; the last wrong password closes the sign-up and erases it', async () => {
    const email = 'turing@example.com';
    const id = String((await register(email, PASSWORD, 'Alan Turing')).body.registrationId);
    const link = await nthLink(email, 1);
    const page = await open(link);
    const other = String((await register('other@example.com')).body.registrationId);
    const othersPage = await open(await nthLink('other@example.com', 1));
    const refusals: [string, Parameters<typeof submit>[2]][] = [
      ['no form check', { fields: { check: undefined } }],
      ['a made-up form check', { fields: { check: `${Date.now()}.${'A'.repeat(43)}` } }],
      ["another link's form check", { fields: { check: hidden(othersPage.html, 'check') } }],
      ['an hour-old form check', { fields: { check: `${Date.now() - 3_700_000}.${'A'.repeat(43)}` } }],
      ['another Origin', { headers: { origin: 'https://evil.example' } }],
      ['another site', { headers: { 'sec-fetch-site': 'cross-site' } }],
      ['another site, Origin null', { headers: { origin: 'null', 'sec-fetch-site': 'cross-site' } }],
      ['the same site, another origin', { headers: { 'sec-fetch-site': 'same-site' } }],
    ];
    for (const [what, change] of refusals) {
      const refused = await submit(page, PASSWORD, change);
      assert.equal(refused.status, 403, what);
      assert.match(refused.html, /Open the link from the email again/, what);
    }
    const wrong = await submit(page, 'not the password I chose');
    assert.equal(wrong.status, 403);
    assert.match(wrong.html, /That is not the password/);
    assert.match(wrong.html, new RegExp(`${PASSWORD_TRIES - 1} tries left`));
    assert.match(wrong.html, /<input id="password"/, 'the form again');
    assert.equal((await submit(page, '')).status, 403, 'an empty password is a wrong one');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(
      (await call('GET', `/registrations/${id}`, 'support:sam')).body.status,
      'PendingConfirmation',
    );
    assert.equal(await registrations.passwordHashOf(email), undefined);

    for (let n = 3; n < PASSWORD_TRIES; n++)
      assert.equal((await submit(wrong, `wrong ${n} time`)).status, 403);
    const closed = await submit(wrong, 'wrong the last time');
    assert.equal(closed.status, 410);
    assert.match(closed.html, /This sign-up is closed/);
    const lapsed = await waitFor(id, (b) => b.status === 'Lapsed');
    assert.equal(lapsed.body.lapseReason, 'too_many_wrong_passwords');
    assert.equal(lapsed.body.email, undefined);
    assert.equal(lapsed.body.name, undefined);
    assert.ok((await submit(page, PASSWORD)).status >= 400, 'the right password no longer confirms');
    assert.equal(await registrations.passwordHashOf(email), undefined);
    const { registration, links } = rows(id);
    assert.deepEqual([registration.email, registration.name, registration.password_hash], ['', '', null]);
    assert.deepEqual(links, []);
    assert.equal(
      (await call('GET', `/registrations/${other}`, 'support:sam')).body.status,
      'PendingConfirmation',
    );
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
    for (const body of [
      '',
      'token=abc&password=x',
      `token=${'A'.repeat(43)}&check=1.x&password=x`,
      '{"token":1}',
    ]) {
      const response = await fetch(`${api.base}/registrations/confirm`, {
        method: 'POST',
        body,
        headers: {
          'content-type': body.startsWith('{') ? 'application/json' : 'application/x-www-form-urlencoded',
        },
      });
      assert.ok([400, 404].includes(response.status), `${response.status} for ${body}`);
      assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    }
  });

  it("a second sign-up of a pending address is its own: its answer shows nothing of the first and changes nothing of it; no second email within the minute; resend is limited by address (429, Retry-After); the owner's link and password confirm, the other lapses", async () => {
    const email = 'grace@example.com';
    const placed = await register(email, PASSWORD, 'Grace Hopper');
    const id = String(placed.body.registrationId);
    await nthLink(email, 1);
    await waitFor(id, (b) => b.linksSent === 1);
    const before = rows(id).registration;

    const again = await register('Grace@example.com', STRANGERS, 'Mallory');
    assert.equal(again.status, 202);
    const strangers = String(again.body.registrationId);
    assert.notEqual(strangers, id);
    assert.deepEqual(again.body, { registrationId: strangers, status: 'PendingConfirmation' });
    assert.deepEqual(Object.keys(again.body), Object.keys(placed.body), 'built the same way as the first');
    assert.ok(!JSON.stringify(again.body).includes('Grace Hopper'));
    const after = rows(id).registration;
    assert.deepEqual(
      [after.name, after.email, after.password_hash, after.status],
      [before.name, before.email, before.password_hash, 'PendingConfirmation'],
      'the first sign-up as it was',
    );

    for (const which of [strangers, id]) {
      const resend = await call('POST', `/registrations/${which}/resend`, 'storefront:shop', {});
      assert.equal(resend.status, 429);
      assert.equal(reason(resend), 'too_soon');
      const seconds = (resend.body.error as { details: { retryAfterSeconds: number } }).details
        .retryAfterSeconds;
      assert.ok(seconds > 0 && seconds <= 60, String(seconds));
    }
    const raw = await fetch(`${api.base}/registrations/${strangers}/resend`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await signToken(SECRET, { role: 'storefront', sub: 'shop' })}` },
    });
    assert.equal(raw.status, 429);
    assert.match(raw.headers.get('retry-after') ?? '', /^\d+$/);
    await waitFor(strangers, (b) =>
      ((b.timeline ?? []) as { detail: string }[]).some((e) => /No link sent now/.test(e.detail)),
    );
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(linksTo(email).length, 1, 'one email to the address within the minute');

    const found = await call(
      'GET',
      `/registrations?email=${encodeURIComponent('GRACE@example.com')}`,
      'support:sam',
    );
    assert.deepEqual(
      (found.body.registrations as { registrationId: string }[]).map((r) => r.registrationId).sort(),
      [id, strangers].sort(),
    );
    assert.equal(
      (await call('GET', '/registrations?email=grace@example.com', 'storefront:shop')).status,
      403,
    );

    // The first link works with the first sign-up's password only.
    const page = await open(await nthLink(email, 1));
    assert.equal(
      (await submit(page, STRANGERS)).status,
      403,
      "the stranger's password does not confirm the owner's sign-up",
    );
    assert.equal((await submit(page, PASSWORD)).status, 200);
    assert.equal(await verifyPassword(PASSWORD, (await registrations.passwordHashOf(email))!), true);
    const lapsed = await waitFor(strangers, (b) => b.status === 'Lapsed');
    assert.equal(lapsed.body.lapseReason, 'address_taken');
    assert.equal(lapsed.body.email, undefined);
    assert.equal(rows(strangers).registration.name, '');
  });

  it("after a minute each sign-up's link goes out, and confirms only with its own sign-up's password; the first confirmed wins: a stranger's sign-up after the owner's (hijack) and before it (pre-hijack) gets no account", async () => {
    const [hopper, lamarr] = ['hopper@example.com', 'lamarr@example.com'];
    const owners: Record<string, string> = {};
    owners[hopper] = String((await register(hopper, PASSWORD, 'Grace Hopper')).body.registrationId);
    const preHijack = String((await register(lamarr, STRANGERS, 'Mallory')).body.registrationId);
    await nthLink(hopper, 1);
    await nthLink(lamarr, 1);
    await new Promise((r) => setTimeout(r, 61_000));

    const hijack = String((await register(hopper, STRANGERS, 'Mallory')).body.registrationId);
    owners[lamarr] = String((await register(lamarr, PASSWORD, 'Hedy Lamarr')).body.registrationId);
    const resent = await call('POST', `/registrations/${owners[hopper]}/resend`, 'support:sam', {});
    assert.equal(resent.status, 429, "the stranger's sign-up had the address's link of the minute");

    // Hijack: the owner's first link still works, with the owner's password; the stranger's lapses.
    const strangersLink = await nthLink(hopper, 2);
    assert.equal(
      (await confirmWith(strangersLink, PASSWORD)).status,
      403,
      "the owner's password is not the stranger's sign-up's",
    );
    assert.equal((await confirmWith(await nthLink(hopper, 1), PASSWORD)).status, 200);
    assert.equal(await verifyPassword(PASSWORD, (await registrations.passwordHashOf(hopper))!), true);
    await waitFor(hijack, (b) => b.status === 'Lapsed');
    const late = await confirmWith(strangersLink, STRANGERS);
    assert.ok([404, 409, 410].includes(late.status), `the stranger's own link and password: ${late.status}`);
    assert.equal(await verifyPassword(PASSWORD, (await registrations.passwordHashOf(hopper))!), true);

    // Pre-hijack: the stranger signed up first; the owner confirms their own sign-up.
    const ownersLink = await nthLink(lamarr, 2);
    assert.equal((await confirmWith(ownersLink, PASSWORD)).status, 200);
    assert.equal(await verifyPassword(PASSWORD, (await registrations.passwordHashOf(lamarr))!), true);
    assert.equal(await verifyPassword(STRANGERS, (await registrations.passwordHashOf(lamarr))!), false);
    const closed = await waitFor(preHijack, (b) => b.status === 'Lapsed');
    assert.equal(closed.body.lapseReason, 'address_taken');
    const refused = await confirmWith(await nthLink(lamarr, 1), STRANGERS);
    assert.ok([404, 410].includes(refused.status), `the stranger's link: ${refused.status}`);
    for (const email of [hopper, lamarr]) {
      const customer = await registrations.getCustomer(customerIdFor(owners[email]!));
      assert.equal(customer?.email, email);
    }
  });

  it('no confirmation in time: lapsed, nothing personal kept (the answers, the rows), its link unknown, the address free for a new registration', async () => {
    settings.confirmWithinMs = 2_000;
    try {
      const email = 'lapse@example.com';
      const id = String((await register(email, PASSWORD, 'Lapsing Person')).body.registrationId);
      const link = await nthLink(email, 1);
      const lapsed = await waitFor(id, (b) => b.status === 'Lapsed');
      const text = JSON.stringify(lapsed.body);
      assert.ok(!/lapse@example|Lapsing Person|timeline/.test(text), text);
      assert.equal(lapsed.body.lapseReason, 'not_confirmed_in_time');
      const expired = await open(link);
      assert.equal(expired.status, 404);
      assert.match(expired.html, /lapsed and nothing of it was kept/);
      assert.equal(await registrations.passwordHashOf(email), undefined);
      assert.deepEqual((await call('GET', `/registrations?email=${email}`, 'support:sam')).body, {
        registrations: [],
      });
      await waitFor(id, () => !String(rows(id).registration.view_json).includes('timeline'));
      const { registration, links } = rows(id);
      assert.deepEqual([registration.email, registration.name, registration.password_hash], ['', '', null]);
      assert.ok(!/lapse@example|Lapsing Person/.test(JSON.stringify(registration)));
      assert.deepEqual(links, []);
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

  it('the form sent while no worker runs: the page says it is being confirmed (202), and it is once a worker is back', async () => {
    const id = await withWorkerStopped('noworker@example.com', async (_id, link) => {
      const page = await confirmWith(link, PASSWORD);
      assert.equal(page.status, 202);
      assert.match(page.html, /Confirming your address/);
    });
    await waitFor(id, (b) => b.status === 'Confirmed');
  });
});
