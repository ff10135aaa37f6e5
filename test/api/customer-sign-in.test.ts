/**
 * Customers sign in at the shop's own identity provider (identity-provider/customers.ts), run in
 * the API as production runs it, its state in the app's database: the authorization-code flow with
 * PKCE and the customer's password; the same answer for an unknown address and a wrong password; a
 * guesser slowed and then locked out, and the customer back in through a password reset; an old
 * hash upgraded; a new signing key that signs nobody out, across two API processes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { createPasswordResetActivities } from '../../activities/password-reset';
import { signToken } from '../../api/auth';
import {
  createCustomerProvider,
  CUSTOMER_AUDIENCE,
  CUSTOMER_CLI_CLIENT_ID,
  CUSTOMER_CLI_REDIRECT_URI,
  customerIssuer,
  newCustomerSigningKey,
} from '../../identity-provider/customers';
import { customerToken } from '../../identity-provider/token-client';
import { freePort } from '../../scripts/net';
import { openOrderStore, openRegistrationStore, type OrderStore, type RegistrationStore } from '../../store';
import { accountFailureKey, clientFailureKey } from '../../store/sql-customer-identity';
import { CLIENT_LOCK_AFTER, LOCK_AFTER } from '../../domain/sign-in-throttle';
import { callApi, runWorker, serveApi } from '../helpers/api-server';
import { confirmedCustomer } from '../helpers/customers';
import { RecordingAdapters } from '../helpers/recording-adapters';
import { devServerEnv, workflowBundle } from '../helpers/temporal';

const SECRET = 'customer-sign-in-secret-long-enough-for-hs256';
const TASK_QUEUE = 'customer-sign-in-test';

describe('customer sign-in', () => {
  let env: TestWorkflowEnvironment;
  let registrations: RegistrationStore;
  let orders: OrderStore;
  let dataDir: string;
  let base: string;
  const recorded = new RecordingAdapters();
  const closers: (() => Promise<void>)[] = [];

  /** The API with its customer provider, as `api/server.ts` builds it, on `port`, at `publicUrl`. */
  async function apiProcess(port: number, publicUrl = `http://127.0.0.1:${port}`) {
    const provider = await createCustomerProvider({ publicUrl, store: registrations, cliClient: true });
    const api = await serveApi(
      {
        client: env.client,
        store: orders,
        taskQueue: TASK_QUEUE,
        jwtSecret: SECRET,
        registrations,
        customerIdentity: { provider, issuer: customerIssuer(publicUrl) },
      },
      port,
    );
    closers.push(api.close);
    return api.base;
  }

  before(async () => {
    env = await devServerEnv();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'customer-sign-in-'));
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
    closers.push(worker.stop);
    base = await apiProcess(await freePort());
  });
  after(async () => {
    for (const close of closers.reverse()) await close();
    await registrations?.close();
    await orders?.close();
    await env?.teardown();
  });

  const signIn = (email: string, password: string, at = base) =>
    customerToken({
      issuer: customerIssuer(at),
      clientId: CUSTOMER_CLI_CLIENT_ID,
      redirectUri: CUSTOMER_CLI_REDIRECT_URI,
      audience: CUSTOMER_AUDIENCE,
      email,
      password,
    });

  /** Every test starts with this machine's address unblamed (the tests share it). */
  const forgetClient = () =>
    registrations.clearSignInFailures(['127.0.0.1', '::ffff:127.0.0.1', '::1'].map(clientFailureKey));

  /** How a sign-in ends: its token, or the status and words of the page that refused it. */
  const attempt = (email: string, password: string) =>
    signIn(email, password).then(
      (token) => ({ token }),
      (err: Error) => ({ refused: err.message }),
    );

  it('a customer signs in with their address and password; the token is theirs, role customer only', async () => {
    await forgetClient();
    await confirmedCustomer(registrations, {
      email: 'ada@example.com',
      customerId: 'cus_ada',
      password: 'ada password one',
    });
    const token = await signIn('Ada@Example.com', 'ada password one');
    const claims = decodeJwt(token);
    assert.equal(claims.sub, 'cus_ada');
    assert.equal(claims.iss, customerIssuer(base));
    assert.deepEqual(claims.roles, ['customer']);
    const me = await callApi(base, 'GET', '/customers/me', { token });
    assert.equal(me.status, 200);
    assert.equal(me.body.customerId, 'cus_ada');
    assert.equal((await callApi(base, 'GET', '/registrations?email=ada@example.com', { token })).status, 403);
    // A token that claims the customer provider but is signed with the shared secret: not one.
    const forged = await signToken(SECRET, { role: 'support', sub: 'cus_ada' });
    const [header, , signature] = forged.split('.');
    const body = Buffer.from(
      JSON.stringify({ ...decodeJwt(forged), iss: customerIssuer(base), aud: CUSTOMER_AUDIENCE }),
    ).toString('base64url');
    assert.equal(
      (await callApi(base, 'GET', '/customers/me', { token: `${header}.${body}.${signature}` })).status,
      401,
    );
  });

  it('npm run token -- customer <email>: a customer’s token through the provider, with their password', async () => {
    await forgetClient();
    const { execFile } = await import('node:child_process');
    const run = (password: string) =>
      new Promise<{ code: number; out: string; err: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', 'scripts/token.ts', 'customer', 'ada@example.com'],
          {
            cwd: path.resolve(__dirname, '..', '..'),
            env: {
              PATH: process.env.PATH,
              DATA_DIR: dataDir,
              PORT: new URL(base).port,
              CUSTOMER_PASSWORD: password,
            },
          },
          (err, out, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out, err: stderr }),
        );
      });
    const signedIn = await run('ada password one');
    assert.equal(signedIn.code, 0, signedIn.err);
    const token = signedIn.out.trim();
    assert.equal((await callApi(base, 'GET', '/customers/me', { token })).body.customerId, 'cus_ada');
    const wrong = await run('not it at all');
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.err, /do not match/);
  });

  it('an unknown address and a wrong password get the same page', async () => {
    await forgetClient();
    await confirmedCustomer(registrations, {
      email: 'bo@example.com',
      customerId: 'cus_bo',
      password: 'bo password one',
    });
    const wrong = await attempt('bo@example.com', 'not the password');
    const unknown = await attempt('nobody-at-all@example.com', 'not the password');
    assert.ok('refused' in wrong && 'refused' in unknown);
    assert.equal(wrong.refused, unknown.refused);
    assert.match(wrong.refused, /401: That email address and password do not match/);
  });

  it('a guesser is slowed, then locked out; the customer gets back in by setting a new password', async () => {
    await forgetClient();
    await confirmedCustomer(registrations, {
      email: 'cy@example.com',
      customerId: 'cus_cy',
      password: 'cy password one',
    });
    for (let i = 0; i < 3; i++) assert.ok('refused' in (await attempt('cy@example.com', `guess ${i}`)));
    const slowed = await attempt('cy@example.com', 'cy password one');
    assert.ok(
      'refused' in slowed && /429: Too many failed tries/.test(slowed.refused),
      JSON.stringify(slowed),
    );
    // The guesser keeps going as the delays allow (the clock's waits left out), from other addresses: locked.
    const account = accountFailureKey('cy@example.com');
    const counted = (await registrations.signInFailures([account])).get(account)!.count;
    assert.equal(counted, 3, 'the refused fourth try was not counted');
    for (let i = counted; i < LOCK_AFTER; i++) await registrations.recordSignInFailure([account], Date.now());
    await forgetClient();
    const locked = await attempt('cy@example.com', 'cy password one');
    assert.ok(
      'refused' in locked && /429: Too many failed tries. Wait 15 minutes/.test(locked.refused),
      JSON.stringify(locked),
    );

    // And the guesser's address went through a hundred failures over many accounts: it is locked
    // for everyone on it, Ada included.
    const clients = ['127.0.0.1', '::ffff:127.0.0.1', '::1'].map(clientFailureKey);
    for (let i = 0; i < CLIENT_LOCK_AFTER; i++) await registrations.recordSignInFailure(clients, Date.now());
    const ada = await attempt('ada@example.com', 'ada password one');
    assert.ok('refused' in ada && /429: .*Wait 15 minutes/.test(ada.refused), JSON.stringify(ada));

    // Forgot password, as the customer does it: the page, the email, the link's form.
    const shop = await signToken(SECRET, { role: 'storefront', sub: 'shop' });
    await callApi(base, 'POST', '/password-resets', { token: shop, body: { email: 'cy@example.com' } });
    let link: string | undefined;
    for (let i = 0; i < 200 && !link; i++) {
      link = recorded.emails.find((e) => e.to === 'cy@example.com')?.text.match(/http\S+/)?.[0];
      await new Promise((r) => setTimeout(r, 50));
    }
    const token = new URL(link!).searchParams.get('token')!;
    const set = await fetch(`${base}/password-resets/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, password: 'cy password two' }).toString(),
    });
    assert.equal(set.status, 200);
    assert.ok(
      'token' in (await attempt('cy@example.com', 'cy password two')),
      "back in: the account's lock lifted, and a fresh reset passes the address's",
    );
    await forgetClient();
  });

  it('guesses sent all at once are counted one by one: three checked, the rest slowed', async () => {
    await forgetClient();
    await confirmedCustomer(registrations, {
      email: 'ed@example.com',
      customerId: 'cus_ed',
      password: 'ed password one',
    });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => attempt('ed@example.com', `burst ${i}`)),
    );
    const said = results.map((r) => ('refused' in r ? /answered (\d+)/.exec(r.refused)?.[1] : 'token'));
    assert.equal(said.filter((s) => s === '401').length, 3, said.join(' '));
    assert.equal(said.filter((s) => s === '429').length, 7, said.join(' '));
  });

  it('a password hashed with older parameters is hashed again with today’s at sign-in', async () => {
    await forgetClient();
    const customer = await confirmedCustomer(registrations, {
      email: 'di@example.com',
      customerId: 'cus_di',
    });
    // A hash made under N=2^14, as an older release made them.
    const crypto = await import('node:crypto');
    const salt = crypto.randomBytes(16);
    const key = crypto.scryptSync('di password one'.normalize('NFKC'), salt, 32, {
      N: 16384,
      r: 8,
      p: 3,
      maxmem: 64 * 1024 * 1024,
    });
    const old = `scrypt$N=16384,r=8,p=3$${salt.toString('base64url')}$${key.toString('base64url')}`;
    await registrations.rehashCustomerPassword(
      customer.customerId,
      (await registrations.customerForSignIn('di@example.com'))!.passwordHash,
      old,
    );
    await signIn('di@example.com', 'di password one');
    assert.match(
      (await registrations.customerForSignIn('di@example.com'))!.passwordHash,
      /^scrypt\$N=32768,/,
    );
  });

  it('a new signing key signs nobody out: another API process on the database takes the old tokens, a new one signs with it', async () => {
    await forgetClient();
    const before = await signIn('ada@example.com', 'ada password one');
    await registrations.addCustomerSigningKey(
      (await newCustomerSigningKey()) as unknown as Record<string, unknown> & { kid: string },
      new Date(Date.now() + 1_000).toISOString(),
    );
    // A second process behind the same address (a replica), started after the new key.
    const replica = await apiProcess(await freePort(), base);
    for (const at of [base, replica])
      assert.equal((await callApi(at, 'GET', '/customers/me', { token: before })).status, 200, at);
    // A process started now signs with the newest key.
    const restarted = await apiProcess(await freePort());
    const after = await signIn('ada@example.com', 'ada password one', restarted);
    assert.notEqual(
      decodeProtectedHeader(after).kid,
      decodeProtectedHeader(before).kid,
      'signed with the new key',
    );
    assert.equal((await callApi(restarted, 'GET', '/customers/me', { token: after })).status, 200);
  });
});
