/**
 * The back office's session, signed in through a real OpenID provider over HTTP (the redirect,
 * the provider's login form, the code exchange): the cookie's flags and that it holds no token,
 * the way back to the page asked for (and never to another site), a callback that does not belong
 * to this browser or comes twice refused, the CSRF token every state-changing request on a
 * session must carry, bearer tokens beside sessions, and signing out (here, and the provider's
 * end-session). Without an identity provider there is no sign-in, and the page says why. Answers
 * are checked against the OpenAPI document. No Temporal call is made (the client connects lazily).
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@temporalio/client';
import { issuerVerifier } from '../../api/tokens';
import type { LeaveStore, OrderStore, SessionStore } from '../../store';
import { SEED_ORGANISATION } from '../../store/seed-organisation';
import { openSqliteSessionStore } from '../../store/session-store';
import { openSqliteLeaveStore } from '../../store/sql-leave-store';
import { openSqliteOrderStore } from '../../store/sql-order-store';
import { freePort } from '../../scripts/net';
import { assertMatchesContract } from '../helpers/openapi';
import { serveApi, type RunningApi } from '../helpers/api-server';
import { signInOverHttp, startTestIdentity, type TestIdentity } from '../helpers/identity';

const SECRET = 'session-test-secret-long-enough-for-hs256!';

describe('back-office sessions', () => {
  let store: OrderStore;
  let leaveStore: LeaveStore;
  let sessions: SessionStore;
  let identity: TestIdentity;
  let dev: RunningApi;
  let secretOnly: RunningApi;
  let databaseFile: string;

  before(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'session-'));
    store = openSqliteOrderStore(path.join(dir, 'app.db'));
    leaveStore = openSqliteLeaveStore(path.join(dir, 'app.db'));
    databaseFile = path.join(dir, 'app.db');
    sessions = openSqliteSessionStore(databaseFile);
    await leaveStore.seedIfEmpty(SEED_ORGANISATION);
    const client = new Client(); // lazy: nothing here reaches Temporal
    const deps = { client, store, taskQueue: 'unused', leave: { store: leaveStore, yearStart: '01-01' } };
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    identity = await startTestIdentity({ publicUrl });
    dev = await serveApi(
      {
        ...deps,
        tokens: issuerVerifier(identity.settings),
        sessions: { store: sessions, ttlMs: 3_600_000, publicUrl, signIn: identity.signIn },
      },
      port,
    );
    secretOnly = await serveApi({
      ...deps,
      jwtSecret: SECRET,
      sessions: { store: sessions, ttlMs: 3_600_000, publicUrl: 'http://127.0.0.1:1' },
    });
  });

  after(async () => {
    await dev?.close();
    await secretOnly?.close();
    await identity?.close();
    await sessions?.close();
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

  async function signInAs(id: string, returnTo = '/') {
    const { cookie, landedAt, hops } = await signInOverHttp(dev.base, id, returnTo);
    assert.ok(cookie, `${id} got a session`);
    const answer = await send(dev.base, 'GET', '/session', { cookie });
    assert.equal(answer.status, 200);
    return { cookie, csrf: answer.body.csrfToken as string, body: answer.body, landedAt, hops };
  }

  it('signs a person in at the provider and back to the page asked for; the cookie holds no token', async () => {
    const { body, cookie, landedAt, hops } = await signInAs('mia', '/#/inbox');
    assert.equal(landedAt, '/#/inbox');
    assert.equal(body.sub, 'mia');
    assert.deepEqual(body.roles, ['manager', 'employee'], 'every role the provider gives her');
    assert.equal(body.name, 'Mia Moreau');
    assert.equal(body.devSignIn, true, 'a provider on this machine');
    const toProvider = new URL(hops[0]!.location!);
    assert.ok(toProvider.href.startsWith(identity.issuer));
    assert.equal(toProvider.searchParams.get('code_challenge_method'), 'S256', 'PKCE');
    assert.ok(toProvider.searchParams.get('state') && toProvider.searchParams.get('nonce'));
    const callback = hops.find((h) => h.url.includes('/session/callback'))!;
    const set = callback.setCookie.find((c) => c.startsWith('tc_session='))!;
    assert.match(set, /HttpOnly/i);
    assert.match(set, /SameSite=Strict/i);
    assert.match(set, /Path=\//);
    const value = cookie.slice('tc_session='.length);
    assert.doesNotMatch(value, /\./, 'a random id, not a JWT');
    assert.ok(value.length >= 40);
  });

  it('never sends the person on to another site after signing in', async () => {
    for (const returnTo of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
      const { landedAt } = await signInAs('ella', returnTo);
      assert.equal(landedAt, '/', returnTo);
    }
  });

  it("refuses a callback that is not this browser's, or that comes twice, and starts no session", async () => {
    const { hops } = await signInOverHttp(dev.base, 'ella', '/#/leave');
    const callback = hops.find((h) => h.url.includes('/session/callback'))!;
    // Another browser (no sign-in cookie) presenting the same callback URL: refused.
    const stranger = await fetch(callback.url, { redirect: 'manual' });
    assert.equal(stranger.status, 400);
    assert.ok(!stranger.headers.getSetCookie().some((c) => /^tc_session=[^;]/.test(c)));
    // The same browser again, its sealed sign-in cookie replayed: the provider's code is one-time.
    const sealed = hops[0]!.setCookie.find((c) => c.startsWith('tc_sign_in='))!.split(';')[0]!;
    const again = await fetch(callback.url, { redirect: 'manual', headers: { cookie: sealed } });
    assert.equal(again.status, 400);
    assert.match(await again.text(), /Sign in again/);
    assert.ok(!again.headers.getSetCookie().some((c) => /^tc_session=[^;]/.test(c)));
    // The bare state as the cookie (what a cookie held before it was sealed), or a seal altered: refused.
    const value = sealed.slice('tc_sign_in='.length);
    const flipped = `${value.slice(0, 20)}${value[20] === 'A' ? 'B' : 'A'}${value.slice(21)}`;
    for (const cookie of [
      `tc_sign_in=${new URL(callback.url).searchParams.get('state')}`,
      `tc_sign_in=${flipped}`,
    ]) {
      const forged = await fetch(callback.url, { redirect: 'manual', headers: { cookie } });
      assert.equal(forged.status, 400, cookie);
      assert.match(await forged.text(), /This sign-in has expired/);
    }
  });

  it('thousands of anonymous sign-in starts store nothing: the attempt travels sealed in its cookie', async () => {
    const rows = () => {
      const db = new Database(databaseFile, { readonly: true });
      try {
        const tables = db
          .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
          .all()
          .map((t) => t.name);
        return Object.fromEntries(
          tables.map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n]),
        );
      } finally {
        db.close();
      }
    };
    await fetch(`${dev.base}/session/sign-in`, { redirect: 'manual' }); // the sealing key, made once
    const before = rows();
    assert.equal(before.sign_in_attempts, undefined, 'no table of attempts');
    const longest = `/#/${'x'.repeat(2_000)}`;
    const STARTS = 3_000;
    let next = 0;
    const statuses = new Map<number, number>();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < STARTS) {
          next++;
          const response = await fetch(
            `${dev.base}/session/sign-in?returnTo=${encodeURIComponent(longest)}`,
            {
              redirect: 'manual',
            },
          );
          await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const cookie = response.headers.getSetCookie().find((c) => c.startsWith('tc_sign_in='));
          assert.ok(cookie && cookie.length < 4_096, 'one cookie a browser keeps (under 4 KiB)');
        }
      }),
    );
    assert.deepEqual([...statuses], [[302, STARTS]]);
    assert.deepEqual(rows(), before, 'not one row more, in any table');
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
  });

  it('a session id is not a bearer token, bearer tokens work beside sessions, and signing out ends the session here and at the provider', async () => {
    const { cookie, csrf } = await signInAs('hana');
    const id = cookie.slice(cookie.indexOf('=') + 1);
    assert.equal((await send(dev.base, 'GET', '/employees', { token: id })).status, 401);
    const hr = await identity.token('hr', 'hana');
    assert.equal((await send(dev.base, 'GET', '/employees', { token: hr })).status, 200);
    assert.equal((await send(dev.base, 'GET', '/employees', { cookie })).status, 200);
    assert.equal(
      (await send(dev.base, 'POST', '/session/sign-out', { cookie })).status,
      403,
      'CSRF token needed',
    );
    const out = await send(dev.base, 'POST', '/session/sign-out', { cookie, csrf });
    assert.equal(out.status, 200);
    assert.match(out.setCookie, /tc_session=;/);
    const endSession = new URL(out.body.endSessionUrl as string);
    assert.ok(endSession.href.startsWith(`${identity.issuer}/session/end`), endSession.href);
    assert.equal(endSession.searchParams.get('post_logout_redirect_uri'), `${dev.base}/`);
    assert.ok(endSession.searchParams.get('id_token_hint'));
    // The session is gone on the server: the old cookie, replayed, is refused.
    assert.equal((await send(dev.base, 'GET', '/employees', { cookie })).status, 401);
    assert.equal((await send(dev.base, 'GET', '/session', { cookie })).status, 401);
  });

  it('an expired session is refused; a new sign-in is needed', async () => {
    const { cookie } = await signInAs('emma');
    await sessions.deleteExpired(Date.now() + 2 * 3_600_000);
    assert.equal((await send(dev.base, 'GET', '/session', { cookie })).status, 401);
  });

  it('with the identity provider unreachable, sign-in answers a page that says so, and a bearer token is answered 503, not 401', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const settings = { ...identity.settings, issuer: nowhere };
    const down = await serveApi({
      client: new Client(),
      store,
      taskQueue: 'unused',
      tokens: issuerVerifier(settings),
      sessions: {
        store: sessions,
        ttlMs: 3_600_000,
        publicUrl: 'http://127.0.0.1:1',
        signIn: { ...identity.signIn, issuer: settings },
      },
    });
    try {
      const response = await fetch(`${down.base}/session/sign-in?returnTo=/`, { redirect: 'manual' });
      assert.equal(response.status, 503);
      assert.match(await response.text(), /identity provider cannot be reached.*Try again/s);
      const token = await identity.token('support');
      const answer = await send(down.base, 'GET', '/orders', { token });
      assert.equal(answer.status, 503, 'a token cannot be checked either');
      assert.equal((answer.body.error as { code: string }).code, 'identity_provider_unreachable');
    } finally {
      await down.close();
    }
  });

  it('without an identity provider (AUTH_JWT_SECRET) there is no sign-in, and the page says why', async () => {
    const response = await fetch(`${secretOnly.base}/session/sign-in`, { redirect: 'manual' });
    assert.equal(response.status, 404);
    assert.match(await response.text(), /Sign-in is off.*tell whoever runs it.*AUTH_ISSUER/s);
    assert.equal((await send(secretOnly.base, 'GET', '/session')).status, 401);
  });
});
