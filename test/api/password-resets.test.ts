/**
 * A forgotten password over HTTP (API v1.2, "Customers") against a real Temporal dev server and
 * worker: the storefront's ask answers the same for any address; the emailed link's page takes
 * the new password once; the customer's tokens from before are refused; support sees the reset.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { SignJWT } from 'jose';
import { createPasswordResetActivities } from '../../activities/password-reset';
import { signToken } from '../../api/auth';
import { verifyPassword } from '../../api/registration/passwords';
import { newLinkToken, tokenHash } from '../../store/registration-store';
import { openOrderStore, openRegistrationStore, type OrderStore, type RegistrationStore } from '../../store';
import { confirmedCustomer } from '../helpers/customers';
import { callApi, runWorker, serveApi } from '../helpers/api-server';
import { RecordingAdapters } from '../helpers/recording-adapters';
import { devServerEnv, workflowBundle } from '../helpers/temporal';

const SECRET = 'password-reset-secret-long-enough-for-hs256';
const TASK_QUEUE = 'password-resets-test';

describe('forgotten passwords', () => {
  let env: TestWorkflowEnvironment;
  let registrations: RegistrationStore;
  let orders: OrderStore;
  let base: string;
  const recorded = new RecordingAdapters();
  const closers: (() => Promise<void>)[] = [];

  before(async () => {
    env = await devServerEnv();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'password-resets-'));
    registrations = openRegistrationStore({ dataDir });
    orders = openOrderStore({ dataDir });
    const worker = await runWorker({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowBundle: await workflowBundle(),
      activities: createPasswordResetActivities({
        registrations,
        mailer: recorded.mailer,
        fromEmail: 'hello@example.com',
        publicUrl: 'http://127.0.0.1/',
      }),
    });
    const api = await serveApi({
      client: env.client,
      store: orders,
      taskQueue: TASK_QUEUE,
      jwtSecret: SECRET,
      registrations,
    });
    closers.push(worker.stop, api.close);
    base = api.base;
  });
  after(async () => {
    for (const close of closers.reverse()) await close();
    await registrations?.close();
    await orders?.close();
    await env?.teardown();
  });

  const storefront = () => signToken(SECRET, { role: 'storefront', sub: 'shop' });

  async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < 400; i++) {
      const found = await probe();
      if (found !== undefined) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`never: ${what}`);
  }

  const linkTo = (to: string) =>
    until(`a reset link to ${to}`, () => {
      const email = recorded.emails.filter((e) => e.to === to && e.category === 'password_reset_link').at(-1);
      return email && /http\S+/.exec(email.text)![0];
    });

  /** The link's form sent as the page sends it. */
  const sendForm = (token: string, password: string, headers: Record<string, string> = {}) =>
    fetch(`${base}/password-resets/confirm`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'same-origin',
        ...headers,
      },
      body: new URLSearchParams({ token, password }).toString(),
    });

  it('the same answer for any address; an unknown one gets no email', async () => {
    await confirmedCustomer(registrations, { email: 'ada@example.com', customerId: 'cus_ada' });
    const known = await callApi(base, 'POST', '/password-resets', {
      token: await storefront(),
      body: { email: 'ada@example.com' },
    });
    const unknown = await callApi(base, 'POST', '/password-resets', {
      token: await storefront(),
      body: { email: 'nobody@example.com' },
    });
    assert.equal(known.status, 202);
    assert.deepEqual(unknown, known, 'word for word');
    await linkTo('ada@example.com');
    assert.equal(recorded.emails.filter((e) => e.to === 'nobody@example.com').length, 0);
    for (const body of [{}, { email: 'not an address' }, { email: 'a@example.com', extra: 1 }])
      assert.equal(
        (await callApi(base, 'POST', '/password-resets', { token: await storefront(), body })).status,
        400,
      );
    const customer = await signToken(SECRET, { role: 'customer', sub: 'cus_ada' });
    assert.equal(
      (
        await callApi(base, 'POST', '/password-resets', {
          token: customer,
          body: { email: 'ada@example.com' },
        })
      ).status,
      403,
      'the storefront asks, not a customer token',
    );
  });

  it('the link sets the new password once; tokens from before are signed out; support sees it', async () => {
    await confirmedCustomer(registrations, { email: 'bo@example.com', customerId: 'cus_bo', name: 'Bo' });
    // Bo signed in an hour ago, on another device.
    const before = await new SignJWT({ role: 'customer' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('cus_bo')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime('2h')
      .sign(new TextEncoder().encode(SECRET));
    assert.equal((await callApi(base, 'GET', '/customers/me', { token: before })).status, 200);

    // Bo asked two minutes ago (a link went then), and asks again now.
    const first = newLinkToken();
    const earlier = new Date(Date.now() - 120_000).toISOString();
    await registrations.openPasswordReset({
      resetId: 'pwr_earlier',
      email: 'bo@example.com',
      at: earlier,
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await registrations.savePasswordResetLink({
      resetId: 'pwr_earlier',
      tokenHash: tokenHash(first),
      at: earlier,
    });
    await callApi(base, 'POST', '/password-resets', {
      token: await storefront(),
      body: { email: 'bo@example.com' },
    });
    const link = await linkTo('bo@example.com');
    // Asked again at once: the same answer, and no second email within the minute.
    await callApi(base, 'POST', '/password-resets', {
      token: await storefront(),
      body: { email: 'bo@example.com' },
    });
    const token = new URL(link).searchParams.get('token')!;

    const page = await fetch(`${base}/password-resets/confirm?token=${token}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Choose a new password/);
    assert.equal((await fetch(`${base}/password-resets/confirm?token=${first}`)).status, 410, 'replaced');
    assert.equal((await sendForm(first, 'an attempt on the old link')).status, 410);
    assert.equal((await sendForm(token, 'short')).status, 400, 'too short: the form again');
    assert.equal(
      (await sendForm(token, 'from another site entirely', { 'sec-fetch-site': 'cross-site' })).status,
      403,
    );
    const set = await sendForm(token, 'my new passphrase please');
    assert.equal(set.status, 200, await set.clone().text());
    assert.match(await set.text(), /Your new password is set/);
    assert.equal((await sendForm(token, 'and again, once more')).status, 409, 'once');
    assert.ok(
      await verifyPassword(
        'my new passphrase please',
        (await registrations.passwordHashOf('bo@example.com'))!,
      ),
    );

    const signedOut = await callApi(base, 'GET', '/customers/me', { token: before });
    assert.equal(signedOut.status, 401, 'every session from before the new password ended');
    await new Promise((r) => setTimeout(r, 1_100)); // a token issued in a later second
    const after = await signToken(SECRET, { role: 'customer', sub: 'cus_bo' });
    assert.equal((await callApi(base, 'GET', '/customers/me', { token: after })).status, 200);

    const support = await signToken(SECRET, { role: 'support', sub: 'sam' });
    const resets = await until('the reset completed', async () => {
      const listed = await callApi(base, 'GET', '/password-resets?email=bo@example.com', { token: support });
      const all = listed.body.passwordResets as { status: string; resetId: string }[];
      return all[0]?.status === 'Completed' ? all : undefined;
    });
    assert.deepEqual(
      resets.map((r) => r.status),
      ['Completed'],
      'the earlier ask (no process of its own here) and the limited one keep no view',
    );
    assert.equal(
      recorded.emails.filter((e) => e.to === 'bo@example.com' && e.category === 'password_reset_link').length,
      1,
      'one link within the minute',
    );
    const one = await callApi(base, 'GET', `/password-resets/${resets[0]!.resetId}`, { token: support });
    assert.equal(one.status, 200);
    assert.ok(recorded.emails.some((e) => e.to === 'bo@example.com' && e.category === 'password_changed'));
  });

  it('the same link sent three times at once sets the password once: one 200, two 409', async () => {
    await confirmedCustomer(registrations, { email: 'cy@example.com', customerId: 'cus_cy', name: 'Cy' });
    await callApi(base, 'POST', '/password-resets', {
      token: await storefront(),
      body: { email: 'cy@example.com' },
    });
    const token = new URL(await linkTo('cy@example.com')).searchParams.get('token')!;
    const answers = await Promise.all(
      ['first of three', 'second of three', 'third of three'].map((p) => sendForm(token, `${p} passphrase`)),
    );
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409, 409]);
    const hash = (await registrations.passwordHashOf('cy@example.com'))!;
    const matches = await Promise.all(
      ['first of three', 'second of three', 'third of three'].map((p) =>
        verifyPassword(`${p} passphrase`, hash),
      ),
    );
    assert.equal(matches.filter(Boolean).length, 1, 'one of the three passwords is set');
  });
});
