/**
 * The back office's session: the development sign-in only with the development identity, the
 * cookie's flags, the CSRF token every state-changing request on a session must carry, a sign-in
 * from another site refused, and bearer tokens for systems unchanged. Answers are checked against
 * the OpenAPI document. No Temporal call is made by these requests (the client connects lazily).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@temporalio/client';
import { signToken } from '../../api/auth';
import type { LeaveStore, OrderStore } from '../../store';
import { SEED_ORGANISATION } from '../../store/seed-organisation';
import { openSqliteLeaveStore } from '../../store/sqlite-leave-store';
import { openSqliteOrderStore } from '../../store/sqlite-order-store';
import { assertMatchesContract } from '../helpers/openapi';
import { serveApi, type RunningApi } from '../helpers/api-server';

const SECRET = 'session-test-secret-long-enough-for-hs256!';

describe('back-office sessions', () => {
  let store: OrderStore;
  let leaveStore: LeaveStore;
  let dev: RunningApi;
  let production: RunningApi;

  before(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'session-'));
    store = openSqliteOrderStore(path.join(dir, 'app.db'));
    leaveStore = openSqliteLeaveStore(path.join(dir, 'app.db'));
    await leaveStore.seedIfEmpty(SEED_ORGANISATION);
    const client = new Client(); // lazy: nothing here reaches Temporal
    const deps = {
      client,
      store,
      taskQueue: 'unused',
      jwtSecret: SECRET,
      leave: { store: leaveStore, yearStart: '01-01' },
    };
    dev = await serveApi({ ...deps, devSignIn: true });
    production = await serveApi({ ...deps, devSignIn: false });
  });

  after(async () => {
    await dev?.close();
    await production?.close();
    await leaveStore?.close();
    await store?.close();
  });

  async function send(
    base: string,
    method: string,
    url: string,
    options: { cookie?: string; csrf?: string; origin?: string; body?: unknown; token?: string } = {},
  ) {
    const response = await fetch(`${base}${url}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(options.cookie ? { cookie: options.cookie } : {}),
        ...(options.csrf ? { 'x-csrf-token': options.csrf } : {}),
        ...(options.origin ? { origin: options.origin } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    assertMatchesContract(method, url, response.status, body);
    return { status: response.status, body, setCookie: response.headers.get('set-cookie') ?? '' };
  }

  async function signInAs(id: string) {
    const answer = await send(dev.base, 'POST', '/session/dev-sign-in', { body: { id } });
    assert.equal(answer.status, 200);
    const cookie = answer.setCookie.split(';')[0]!;
    return { cookie, csrf: answer.body.csrfToken as string, body: answer.body };
  }

  it('is offered only with the development identity', async () => {
    assert.equal((await send(production.base, 'GET', '/session/people')).status, 404);
    assert.equal(
      (await send(production.base, 'POST', '/session/dev-sign-in', { body: { id: 'mia' } })).status,
      404,
    );
    const people = await send(dev.base, 'GET', '/session/people');
    assert.equal(people.status, 200);
    const mia = (people.body.people as { id: string; roles: string[] }[]).find((p) => p.id === 'mia');
    assert.deepEqual(mia?.roles, ['manager', 'employee']);
  });

  it('sets an HttpOnly, SameSite=Strict cookie and answers who is signed in, with the CSRF token', async () => {
    assert.equal((await send(dev.base, 'GET', '/session')).status, 401);
    const { cookie, csrf, body } = await signInAs('mia');
    assert.deepEqual(body.roles, ['manager', 'employee']);
    assert.equal(body.devSignIn, true);
    const answer = await send(dev.base, 'POST', '/session/dev-sign-in', { body: { id: 'mia' } });
    assert.match(answer.setCookie, /HttpOnly/i);
    assert.match(answer.setCookie, /SameSite=Strict/i);
    assert.doesNotMatch(answer.setCookie, /Secure/i, 'plain HTTP on loopback: not Secure');
    const me = await send(dev.base, 'GET', '/session', { cookie });
    assert.equal(me.status, 200);
    assert.equal(me.body.csrfToken, csrf);
    assert.equal(
      (await send(dev.base, 'POST', '/session/dev-sign-in', { body: { id: 'nobody' } })).status,
      400,
    );
  });

  it("a session reads what its roles allow: a manager's chain, the employee's own", async () => {
    const { cookie } = await signInAs('mia');
    assert.equal((await send(dev.base, 'GET', '/leave-requests?employeeId=ella', { cookie })).status, 200);
    assert.equal(
      (await send(dev.base, 'GET', '/leave-requests?employeeId=mia', { cookie })).status,
      200,
      'her own, as an employee',
    );
    assert.equal(
      (await send(dev.base, 'GET', '/leave-requests?employeeId=emma', { cookie })).status,
      403,
      "not in mia's chain",
    );
    assert.equal((await send(dev.base, 'GET', '/employees', { cookie })).status, 403, 'HR only');
  });

  it('refuses a state-changing request on a session without its CSRF token, or from another origin, and changes nothing', async () => {
    const { cookie, csrf } = await signInAs('ethan');
    const body = { days: 1, startDate: new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10) };
    const missing = await send(dev.base, 'POST', '/leave-requests', { cookie, body });
    assert.equal(missing.status, 403);
    assert.match((missing.body.error as { message: string }).message, /CSRF/);
    const wrong = await send(dev.base, 'POST', '/leave-requests', { cookie, csrf: `${csrf}x`, body });
    assert.equal(wrong.status, 403);
    const elsewhere = await send(dev.base, 'POST', '/leave-requests', {
      cookie,
      csrf,
      body,
      origin: 'https://evil.example',
    });
    assert.equal(elsewhere.status, 403);
    const list = await send(dev.base, 'GET', '/leave-requests?employeeId=ethan', { cookie });
    assert.deepEqual(list.body.leaveRequests, [], 'nothing was placed');
    const signIn = await send(dev.base, 'POST', '/session/dev-sign-in', {
      body: { id: 'hana' },
      origin: 'https://evil.example',
    });
    assert.equal(signIn.status, 403, 'a sign-in from another site');
  });

  it('a session cookie is not a bearer token, and bearer tokens work as before; signing out ends the session', async () => {
    const { cookie, csrf } = await signInAs('hana');
    const token = cookie.slice(cookie.indexOf('=') + 1);
    assert.equal((await send(dev.base, 'GET', '/employees', { token })).status, 401);
    const hr = await signToken(SECRET, { role: 'hr', sub: 'hana' });
    assert.equal((await send(dev.base, 'GET', '/employees', { token: hr })).status, 200);
    assert.equal((await send(dev.base, 'GET', '/employees', { cookie })).status, 200);
    const out = await send(dev.base, 'POST', '/session/sign-out', { cookie, csrf });
    assert.equal(out.status, 204);
    assert.match(out.setCookie, /tc_session=;/);
  });
});
