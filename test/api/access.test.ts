/**
 * Who may call what, as a table: every endpoint of the contract × every role, and the tokens an
 * attacker would try (none, expired, wrongly signed, `alg: none`, an unknown role, no subject).
 * A refused call is refused before it reaches a handler, so it starts or signals nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { SignJWT } from 'jose';
import { ROLES, signToken, type Role } from '../../api/auth';
import {
  openLeaveStore,
  openOrderStore,
  openRegistrationStore,
  type LeaveStore,
  type OrderStore,
  type RegistrationStore,
} from '../../store';
import { SEED_ORGANISATION } from '../../store/seed-organisation';
import { callApi, serveApi, type RunningApi } from '../helpers/api-server';
import { devServerEnv } from '../helpers/temporal';

const SECRET = 'access-test-secret-long-enough-for-hs256!!';

/** Every call of the contract, and the roles the contract lets make it. */
const ENDPOINTS: { method: string; url: string; roles: Role[]; body?: unknown }[] = [
  { method: 'POST', url: '/orders', roles: ['storefront'], body: {} },
  // A customer is let in at these doors, for their own orders only: o-1 is none of theirs (403).
  { method: 'GET', url: '/orders/o-1', roles: ['storefront', 'support'] },
  { method: 'GET', url: '/orders/o-1/timeline', roles: ['storefront', 'support'] },
  { method: 'POST', url: '/orders/o-1/cancel', roles: ['storefront', 'support'], body: {} },
  { method: 'POST', url: '/orders/o-1/authorizations', roles: ['manager'], body: { approved: true } },
  { method: 'POST', url: '/orders/o-1/payment-retry', roles: ['support'], body: { paymentMethod: 'pm_x' } },
  { method: 'POST', url: '/orders/o-1/shipment', roles: ['warehouse'], body: {} },
  { method: 'POST', url: '/orders/o-1/return', roles: ['warehouse'], body: { originalPackaging: true } },
  { method: 'POST', url: '/leave-requests', roles: ['employee'], body: {} },
  { method: 'GET', url: '/leave-requests/r-1', roles: ['employee', 'manager', 'hr'] },
  { method: 'POST', url: '/leave-requests/r-1/approve', roles: ['manager'], body: {} },
  { method: 'POST', url: '/leave-requests/r-1/reject', roles: ['manager'], body: {} },
  { method: 'POST', url: '/leave-requests/r-1/withdraw', roles: ['employee'] },
  { method: 'POST', url: '/employees/ella/termination', roles: ['hr'], body: { lastDay: 'bad' } },
  { method: 'GET', url: '/employees', roles: ['hr'] },
  { method: 'GET', url: '/employees/ella/leave-balance', roles: ['employee', 'manager', 'hr'] },
  { method: 'POST', url: '/registrations', roles: ['storefront'], body: {} },
  { method: 'GET', url: '/registrations?email=ada@example.com', roles: ['support'] },
  { method: 'GET', url: '/registrations/reg_1', roles: ['storefront', 'support'] },
  { method: 'POST', url: '/registrations/reg_1/resend', roles: ['storefront', 'support'], body: {} },
  { method: 'GET', url: '/customers/me', roles: ['customer'] },
];

describe('access', () => {
  let env: TestWorkflowEnvironment;
  let orderStore: OrderStore;
  let leaveStore: LeaveStore;
  let registrations: RegistrationStore;
  let api: RunningApi;

  before(async () => {
    env = await devServerEnv();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'access-'));
    orderStore = openOrderStore({ dataDir });
    leaveStore = openLeaveStore({ dataDir });
    await leaveStore.seedIfEmpty(SEED_ORGANISATION);
    registrations = openRegistrationStore({ dataDir });
    api = await serveApi({
      client: env.client,
      store: orderStore,
      taskQueue: 'access-test',
      jwtSecret: SECRET,
      leave: { store: leaveStore, yearStart: '01-01' },
      registrations,
    });
  });

  after(async () => {
    await api?.close();
    await orderStore?.close();
    await leaveStore?.close();
    await registrations?.close();
    await env?.teardown();
  });

  async function call(
    method: string,
    url: string,
    token: string | undefined,
    body?: unknown,
  ): Promise<number> {
    return (await callApi(api.base, method, url, { token, body })).status;
  }

  it('every endpoint × every role: 403 for the roles the contract does not list, never 401/403 for those it does', async () => {
    const table: string[] = [];
    for (const endpoint of ENDPOINTS) {
      for (const role of ROLES) {
        // Ella and her manager Mia: the resource rules (someone else's) are the next test's.
        const sub = role === 'employee' ? 'ella' : role === 'manager' ? 'mia' : `${role}-1`;
        const token = await signToken(SECRET, { role, sub });
        const status = await call(endpoint.method, endpoint.url, token, endpoint.body);
        const allowed = endpoint.roles.includes(role);
        table.push(`${endpoint.method} ${endpoint.url} as ${role}: ${status}`);
        if (allowed)
          assert.ok(
            status !== 401 && status !== 403,
            `${endpoint.method} ${endpoint.url} as ${role}: ${status}`,
          );
        else assert.equal(status, 403, `${endpoint.method} ${endpoint.url} as ${role}`);
      }
    }
    assert.equal(table.length, ENDPOINTS.length * ROLES.length);
  });

  it("someone else's resource: 403", async () => {
    const eric = await signToken(SECRET, { role: 'employee', sub: 'eric' });
    const max = await signToken(SECRET, { role: 'manager', sub: 'max' });
    assert.equal(await call('GET', '/employees/ella/leave-balance', eric), 403);
    assert.equal(await call('GET', '/employees/ella/leave-balance', max), 403, 'a manager outside the chain');
    const mia = await signToken(SECRET, { role: 'manager', sub: 'mia' });
    assert.equal(await call('GET', '/employees/ella/leave-balance', mia), 200, 'her own manager');
  });

  it('refuses every forged or broken token with 401, on every endpoint', async () => {
    const key = new TextEncoder().encode(SECRET);
    const now = Math.floor(Date.now() / 1000);
    const unsigned = (payload: object) =>
      `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(
        JSON.stringify(payload),
      ).toString('base64url')}.`;
    const tokens: Record<string, string | undefined> = {
      missing: undefined,
      garbage: 'not-a-token',
      expired: await new SignJWT({ role: 'hr' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('hana')
        .setIssuedAt(now - 7200)
        .setExpirationTime(now - 3600)
        .sign(key),
      'wrong signature': await signToken('another-secret-that-is-long-enough-too!!', {
        role: 'hr',
        sub: 'hana',
      }),
      'alg none': unsigned({ sub: 'hana', role: 'hr', exp: now + 3600 }),
      'HS512 with the same secret': await new SignJWT({ role: 'hr' })
        .setProtectedHeader({ alg: 'HS512' })
        .setSubject('hana')
        .setExpirationTime(now + 3600)
        .sign(new TextEncoder().encode(SECRET + SECRET)),
      'unknown role': await new SignJWT({ role: 'admin' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('hana')
        .setExpirationTime(now + 3600)
        .sign(key),
      'no subject': await new SignJWT({ role: 'hr' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime(now + 3600)
        .sign(key),
      // Signed with the right secret but never expiring, or living for a year: refused (a leaked
      // one would otherwise work forever).
      'no expiry': await new SignJWT({ role: 'hr' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('hana')
        .setIssuedAt(now)
        .sign(key),
      'an expiry a year away': await new SignJWT({ role: 'hr' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('hana')
        .setIssuedAt(now)
        .setExpirationTime(now + 365 * 86_400)
        .sign(key),
      'tampered payload': (await signToken(SECRET, { role: 'employee', sub: 'ella' })).replace(
        /\.([^.]+)\./,
        `.${Buffer.from(JSON.stringify({ sub: 'ella', role: 'hr', exp: now + 3600 })).toString('base64url')}.`,
      ),
    };
    for (const [name, token] of Object.entries(tokens)) {
      for (const endpoint of ENDPOINTS) {
        assert.equal(
          await call(endpoint.method, endpoint.url, token, endpoint.body),
          401,
          `${name}: ${endpoint.method} ${endpoint.url}`,
        );
      }
    }
    // The health endpoints need no token at all, nor does the customer's emailed link.
    assert.equal(await call('GET', '/healthz', undefined), 200);
    const link = await fetch(`${api.base}/registrations/confirm?token=${'x'.repeat(43)}`);
    assert.equal(link.status, 404, 'an unknown link: its page, not a 401');
  });
});
