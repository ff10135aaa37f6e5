/**
 * Tokens from an identity provider (AUTH_ISSUER), against a real OpenID provider (the embedded
 * one, `oidc-provider`, with keys this test made, so it can also sign the odd tokens an attacker
 * or a misconfigured provider would send with the issuer's own key).
 *
 * The table: wrong issuer, wrong audience, expired, not yet valid, unknown `kid`, `alg: none`,
 * HS256 signed with the issuer's public key (algorithm confusion), no expiry, no subject → 401;
 * no roles claim, or a role the map does not know → 403, as the contract says (a valid token, no role
 * here); each tried on every authenticated endpoint of the contract and on the codec, and none
 * starts or records anything. Then: a person holds several roles, the role map and a dotted
 * roles claim, and key rotation while the API runs (a new key works at once, an old token stays
 * valid while its key is published, a removed key is refused once the keys are fetched again).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@temporalio/client';
import { importJWK, SignJWT, type JWK } from 'jose';
import { ROUTES } from '../../api/contract';
import { issuerVerifier } from '../../api/tokens';
import type { IssuerSettings } from '../../config/settings';
import { dataConverterFor, parseEncryptionKeys } from '../../infrastructure/encryption';
import { newSigningKey } from '../../identity-provider/embedded';
import { openLeaveStore, openOrderStore, type LeaveStore, type OrderStore } from '../../store';
import { SEED_ORGANISATION } from '../../store/seed-organisation';
import { callApi, serveApi, type RunningApi } from '../helpers/api-server';
import { startTestIdentity, type TestIdentity } from '../helpers/identity';
import { until } from '../helpers/processes';

/** Every authenticated call: the contract's routes (ids filled in) and the codec's two. */
const ENDPOINTS = [
  ...ROUTES.filter((r) => r.who !== undefined).map((r) => ({
    method: r.method.toUpperCase(),
    url: r.path.replace('{id}', 'x-1'),
  })),
  { method: 'POST', url: '/codec/decode' },
  { method: 'POST', url: '/codec/encode' },
];

/** A call's status: the contract's routes checked against the OpenAPI document; the codec is not in it. */
async function call(
  base: string,
  method: string,
  url: string,
  token: string,
  body?: unknown,
): Promise<number> {
  if (!url.startsWith('/codec/')) return (await callApi(base, method, url, { token, body })).status;
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  return response.status;
}

describe('tokens from an identity provider', () => {
  let identity: TestIdentity;
  let orderStore: OrderStore;
  let leaveStore: LeaveStore;
  let api: RunningApi;
  let mapped: RunningApi;
  let current: JWK;

  async function sign(
    claims: Record<string, unknown>,
    options: { key?: JWK; alg?: string; kid?: string; omit?: string[] } = {},
  ): Promise<string> {
    const key = options.key ?? current;
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = {
      iss: identity.issuer,
      aud: identity.audience,
      sub: 'sam',
      roles: ['support'],
      iat: now,
      exp: now + 600,
      ...claims,
    };
    for (const name of options.omit ?? []) delete payload[name];
    return new SignJWT(payload)
      .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? key.kid, typ: 'at+jwt' })
      .sign(await importJWK(key, options.alg ?? 'RS256'));
  }

  before(async () => {
    current = await newSigningKey();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'issuer-tokens-'));
    orderStore = openOrderStore({ dataDir });
    leaveStore = openLeaveStore({ dataDir });
    await leaveStore.seedIfEmpty(SEED_ORGANISATION);
    identity = await startTestIdentity({ publicUrl: 'http://127.0.0.1:1', keys: [current] });
    const { payloadCodecs } = dataConverterFor(
      parseEncryptionKeys(`k1:${crypto.randomBytes(32).toString('base64')}`),
    );
    const deps = {
      client: new Client(), // lazy: a refused request never reaches Temporal
      store: orderStore,
      taskQueue: 'issuer-tokens',
      leave: { store: leaveStore, yearStart: '01-01' },
      codec: { codec: payloadCodecs![0]!, corsOrigins: [] },
    };
    // A short key cache, so that a removed key is refused within seconds (AUTH_JWKS_MAX_AGE).
    api = await serveApi({ ...deps, tokens: issuerVerifier({ ...identity.settings, jwksMaxAgeMs: 1_000 }) });
    const groups: IssuerSettings = {
      ...identity.settings,
      rolesClaim: 'realm_access.groups',
      roleMap: { 'support-staff': ['support'], 'line-managers': ['manager', 'employee'] },
    };
    mapped = await serveApi({ ...deps, tokens: issuerVerifier(groups) });
  });

  after(async () => {
    await api?.close();
    await mapped?.close();
    await identity?.close();
    await leaveStore?.close();
    await orderStore?.close();
  });

  it('refuses every bad token on every endpoint, 401 or 403 as the contract says, and nothing is started', async () => {
    const now = Math.floor(Date.now() / 1000);
    const stranger = await newSigningKey();
    const publicKey = { ...current };
    for (const part of ['d', 'p', 'q', 'dp', 'dq', 'qi']) delete (publicKey as Record<string, unknown>)[part];
    const publicPem = crypto.createPublicKey({ key: publicKey as crypto.JsonWebKey, format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    });
    const unsecured = (claims: Record<string, unknown>): string =>
      `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(
        JSON.stringify(claims),
      ).toString('base64url')}.`;
    const table: [string, string, 401 | 403][] = [
      ['another issuer', await sign({ iss: 'https://evil.example' }), 401],
      ['another audience', await sign({ aud: 'urn:someone-else' }), 401],
      ['expired (beyond the leeway)', await sign({ iat: now - 3_600, exp: now - 120 }), 401],
      ['not yet valid', await sign({ nbf: now + 600 }), 401],
      ['a key the issuer does not publish', await sign({}, { key: stranger }), 401],
      ['a kid the issuer does not publish', await sign({}, { kid: 'no-such-key' }), 401],
      [
        'alg: none',
        unsecured({
          iss: identity.issuer,
          aud: identity.audience,
          sub: 'sam',
          roles: ['support'],
          exp: now + 600,
        }),
        401,
      ],
      [
        'HS256 signed with the public key',
        await new SignJWT({ iss: identity.issuer, aud: identity.audience, sub: 'sam', roles: ['support'] })
          .setProtectedHeader({ alg: 'HS256', kid: current.kid })
          .setExpirationTime('10m')
          .sign(new TextEncoder().encode(String(publicPem))),
        401,
      ],
      ['no expiry', await sign({}, { omit: ['exp'] }), 401],
      ['no subject', await sign({}, { omit: ['sub'] }), 401],
      ['no roles claim', await sign({}, { omit: ['roles'] }), 403],
      ['a role this app does not have', await sign({ roles: ['janitor'] }), 403],
    ];
    for (const [what, token, status] of table) {
      for (const { method, url } of ENDPOINTS) {
        const answer = await call(api.base, method, url, token, method === 'POST' ? {} : undefined);
        assert.equal(answer, status, `${what}: ${method} ${url} answered ${answer}`);
      }
    }
    assert.deepEqual((await orderStore.listOrders({ limit: 10 })).items, [], 'no order was started');
    assert.equal(
      (await leaveStore.listLeaveRequests({ employeeIds: ['ella', 'sam', 'mia'], limit: 10 })).items.length,
      0,
    );
    // The control: the same shape, properly signed, is let in.
    const good = await sign({});
    assert.equal((await callApi(api.base, 'GET', '/orders?status=Paid', { token: good })).status, 200);
    assert.equal(
      await call(api.base, 'POST', '/codec/decode', good, { payloads: [] }),
      200,
      'the codec takes the same tokens (support)',
    );
  });

  it("takes the provider's own tokens: a system's (client credentials) and a person's, with every role they hold", async () => {
    const storefront = await identity.token('storefront');
    assert.equal((await callApi(api.base, 'GET', '/orders', { token: storefront })).status, 200);
    assert.equal((await callApi(api.base, 'GET', '/employees', { token: storefront })).status, 403);
    const codec = await call(api.base, 'POST', '/codec/decode', storefront, { payloads: [] });
    assert.equal(codec, 403, 'the codec is for support');
    const mia = await identity.token('manager', 'mia');
    assert.equal(
      (await callApi(api.base, 'GET', '/leave-requests?awaiting=me', { token: mia })).status,
      200,
      'as a manager',
    );
    assert.equal(
      (await callApi(api.base, 'GET', '/employees/mia/leave-balance', { token: mia })).status,
      200,
      'her own balance, as an employee',
    );
    assert.equal((await callApi(api.base, 'POST', '/orders', { token: mia, body: {} })).status, 403);
  });

  it('maps the groups of a dotted claim to roles through AUTH_ROLE_MAP; unmapped groups grant nothing', async () => {
    const support = await sign({
      roles: undefined,
      realm_access: { groups: ['support-staff', 'chess-club'] },
    });
    assert.equal((await callApi(mapped.base, 'GET', '/orders', { token: support })).status, 200);
    const manager = await sign({ sub: 'mia', realm_access: { groups: ['line-managers'] }, roles: ['hr'] });
    assert.equal(
      (await callApi(mapped.base, 'GET', '/employees', { token: manager })).status,
      403,
      'the roles claim is not read',
    );
    assert.equal(
      (await callApi(mapped.base, 'GET', '/leave-requests?awaiting=me', { token: manager })).status,
      200,
    );
    const unmapped = await sign({ realm_access: { groups: ['support'] } });
    assert.equal(
      (await callApi(mapped.base, 'GET', '/orders', { token: unmapped })).status,
      403,
      'with a map, only the map counts',
    );
  });

  it('follows a key rotation while the API runs: new tokens work, old ones until their key is removed', async () => {
    const oldKey = current;
    const oldToken = await identity.token('storefront');
    assert.equal((await callApi(api.base, 'GET', '/orders', { token: oldToken })).status, 200);

    // The provider restarts signing with a new key, the old one still published.
    const newKey = await newSigningKey();
    await identity.restart([newKey, oldKey]);
    const newToken = await identity.token('storefront');
    assert.notEqual(
      (JSON.parse(Buffer.from(newToken.split('.')[0]!, 'base64url').toString()) as { kid?: string }).kid,
      oldKey.kid,
    );
    await until(
      'a token signed with the new key to be accepted (no API restart)',
      async () => (await callApi(api.base, 'GET', '/orders', { token: newToken })).status === 200,
      10_000,
    );
    assert.equal(
      (await callApi(api.base, 'GET', '/orders', { token: oldToken })).status,
      200,
      'old key still published',
    );

    // The old key is removed: its tokens are refused once the keys are fetched again.
    await identity.restart([newKey]);
    await until(
      'a token signed with the removed key to be refused',
      async () => (await callApi(api.base, 'GET', '/orders', { token: oldToken })).status === 401,
      10_000,
    );
    assert.equal((await callApi(api.base, 'GET', '/orders', { token: newToken })).status, 200);
    current = newKey;
  });
});
