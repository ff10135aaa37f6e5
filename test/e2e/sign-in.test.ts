/**
 * The embedded default end to end: `npm start` with neither AUTH_ISSUER nor AUTH_JWT_SECRET runs
 * a real OpenID provider beside the API, and the API trusts it exactly as it would a company's.
 * `npm run token` gets a system's token (client credentials) and a person's (the code flow) from
 * it; a person signs in to the back office through it. A customer registers and confirms through
 * the emailed link in a browser. And no token, session id, client secret, key of the provider or
 * customer's password appears in the stack's logs or in a response.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EmbeddedSecrets } from '../../identity-provider/embedded';
import { freePort, freePortPair } from '../../scripts/net';
import { DESKTOP, launchBrowser, PHONE, screenshot } from '../helpers/browser';
import { until } from '../helpers/processes';
import { rootName, tracesOf, waitForTrace } from '../helpers/zipkin';
import { signInOverHttp } from '../helpers/identity';
import { npmStart, type RunningStart } from '../helpers/npm-start';

const root = path.resolve(__dirname, '..', '..');

describe('npm start with its embedded identity provider', () => {
  let stack: RunningStart | undefined;
  let env: NodeJS.ProcessEnv;
  let base: string;
  const answers: string[] = [];
  const tokens: string[] = [];
  const sessionIds: string[] = [];
  const PASSWORD = 'a password nobody else sees';

  before(async () => {
    const inherited = { ...process.env };
    for (const name of ['TEMPORAL_ADDRESS', 'AUTH_JWT_SECRET', 'AUTH_ISSUER', 'AUTH_AUDIENCE'])
      delete inherited[name];
    const apiPort = await freePort();
    base = `http://127.0.0.1:${apiPort}`;
    env = {
      ...inherited,
      PORT: String(apiPort),
      IDENTITY_PROVIDER_PORT: String(await freePort()),
      TEMPORAL_PORT: String(await freePortPair()),
      ZIPKIN_PORT: String(await freePort()),
      DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-sign-in-')),
    };
    stack = await npmStart({ env, ready: (since) => since.includes('Ctrl-C stops everything.') });
  });

  after(async () => {
    await stack?.stop();
  });

  function token(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/token.ts', ...args], {
      cwd: root,
      env,
      encoding: 'utf8',
    });
    if (run.status === 0) tokens.push(run.stdout.trim());
    return run;
  }

  async function call(url: string, headers: Record<string, string>): Promise<number> {
    const response = await fetch(`${base}${url}`, { headers });
    answers.push(await response.text());
    return response.status;
  }

  it('prints where the back office and the provider are', () => {
    assert.match(
      stack!.output(),
      new RegExp(`back office  ${base}/  \\(sign in as anyone in the sample organisation\\)`),
    );
    assert.match(
      stack!.output(),
      new RegExp(`identity     http://127\\.0\\.0\\.1:${env.IDENTITY_PROVIDER_PORT}`),
    );
  });

  it('npm run token gets a system token by client credentials and a person token by the code flow', async () => {
    const storefront = token('storefront', 'shop');
    assert.equal(storefront.status, 0, storefront.stderr);
    assert.match(storefront.stderr, /names its client, "storefront", not "shop"/);
    assert.equal(
      (JSON.parse(Buffer.from(storefront.stdout.split('.')[1]!, 'base64url').toString()) as { sub: string })
        .sub,
      'storefront',
    );
    const wes = token('warehouse', 'wes');
    assert.equal(wes.status, 0, wes.stderr);
    assert.equal(
      (JSON.parse(Buffer.from(wes.stdout.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub,
      'wes',
    );
    assert.equal(await call('/orders', { authorization: `Bearer ${storefront.stdout.trim()}` }), 200);
    const ella = token('employee', 'ella');
    assert.equal(ella.status, 0, ella.stderr);
    const claims = JSON.parse(Buffer.from(ella.stdout.split('.')[1]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    assert.equal(claims.iss, `http://127.0.0.1:${env.IDENTITY_PROVIDER_PORT}`);
    assert.equal(claims.sub, 'ella');
    assert.equal(
      await call('/employees/ella/leave-balance', { authorization: `Bearer ${ella.stdout.trim()}` }),
      200,
    );
    assert.equal(
      await call('/employees/emma/leave-balance', { authorization: `Bearer ${ella.stdout.trim()}` }),
      403,
    );
    const mia = token('manager', 'mia');
    assert.equal(
      await call('/leave-requests?awaiting=me', { authorization: `Bearer ${mia.stdout.trim()}` }),
      200,
    );
    const notHers = token('manager', 'ella');
    assert.equal(notHers.status, 2);
    assert.match(notHers.stderr, /ella does not hold the role manager/);
  });

  it('a person signs in to the back office at the provider and works from a session', async () => {
    const { cookie, landedAt } = await signInOverHttp(base, 'sam', '/#/support');
    assert.equal(landedAt, '/#/support');
    sessionIds.push(cookie.slice('tc_session='.length));
    assert.equal(await call('/orders?needs=support', { cookie }), 200);
  });

  it("a customer registers through the storefront; the link in the development outbox's email, opened in a browser, asks for their password, which confirms them", async () => {
    const storefront = token('storefront', 'shop').stdout.trim();
    const email = 'ada@example.com';
    const placed = await fetch(`${base}/registrations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${storefront}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email, name: 'Ada Lovelace', password: PASSWORD }),
    });
    const registration = (await placed.json()) as { registrationId: string; status: string };
    answers.push(JSON.stringify(registration));
    assert.equal(placed.status, 202);
    assert.equal(registration.status, 'PendingConfirmation');

    const outbox = path.join(env.DATA_DIR!, 'dev-outbox', 'emails.jsonl');
    let link: string | undefined;
    for (let i = 0; i < 150 && !link; i++) {
      const lines = fs.existsSync(outbox) ? fs.readFileSync(outbox, 'utf8').split('\n').filter(Boolean) : [];
      const sent = lines
        .map((line) => JSON.parse(line) as { to: string; category: string; text: string })
        .find((m) => m.to === email && m.category === 'registration_confirmation_link');
      link = sent ? /http\S+/.exec(sent.text)?.[0] : undefined;
      if (!link) await new Promise((r) => setTimeout(r, 100));
    }
    if (!link?.startsWith(`${base}/registrations/confirm?token=`)) assert.fail(`the emailed link: ${link}`);

    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: PHONE });
      const opened = await page.goto(link);
      assert.equal(opened?.status(), 200);
      // Opening the link confirms nothing: its page asks for the password chosen at sign-up.
      await page.getByRole('heading', { name: 'Confirm your email address' }).waitFor();
      const before = await fetch(`${base}/registrations/${registration.registrationId}`, {
        headers: { authorization: `Bearer ${storefront}` },
      });
      assert.equal(((await before.json()) as { status: string }).status, 'PendingConfirmation');
      await page.getByLabel('Your password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Confirm my address' }).click();
      await page.getByRole('heading', { name: 'Your email address is confirmed' }).waitFor();
      await screenshot(page, 'e2e-registration-confirmed');
      const again = await page.goto(link);
      assert.equal(again?.status(), 409, 'a used link');
      await page.getByRole('heading', { name: 'Already confirmed' }).waitFor();
    } finally {
      await browser.close();
    }
    const read = await fetch(`${base}/registrations/${registration.registrationId}`, {
      headers: { authorization: `Bearer ${storefront}` },
    });
    const confirmed = (await read.json()) as { status: string; customerId?: string };
    answers.push(JSON.stringify(confirmed));
    assert.equal(confirmed.status, 'Confirmed');
    assert.match(confirmed.customerId ?? '', /^cus_/);
    const again = await fetch(`${base}/registrations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${storefront}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ADA@example.com', name: 'Ada', password: 'another password' }),
    });
    answers.push(await again.text());
    assert.equal(again.status, 409, 'the address belongs to a customer now');
  });

  it('the confirmed customer signs in at the account pages and at `npm run token -- customer`, sees a new order arrive without a reload, cancels it in its window, and sets a forgotten password', async () => {
    const customer = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/token.ts', 'customer', 'ada@example.com'],
      {
        cwd: root,
        env: { ...env, CUSTOMER_PASSWORD: PASSWORD },
        encoding: 'utf8',
      },
    );
    assert.equal(customer.status, 0, customer.stderr);
    tokens.push(customer.stdout.trim());
    const me = await fetch(`${base}/customers/me`, {
      headers: { authorization: `Bearer ${customer.stdout.trim()}` },
    });
    const ada = (await me.json()) as { customerId: string; email: string };
    answers.push(JSON.stringify(ada));
    assert.equal(ada.email, 'ada@example.com');
    assert.equal(
      await call('/registrations?email=ada@example.com', {
        authorization: `Bearer ${customer.stdout.trim()}`,
      }),
      403,
      "a customer's token reaches no staff endpoint",
    );

    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: PHONE });
      await page.goto(`${base}/account/`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByLabel('Email address').fill('ada@example.com');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Your orders' }).waitFor();
      const storefront = token('storefront', 'shop').stdout.trim();
      const placed = await fetch(`${base}/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${storefront}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          orderId: 'ada-1',
          customer: { id: ada.customerId, email: 'ada@example.com', name: 'Ada Lovelace' },
          items: [{ sku: 'book', quantity: 1, unitPrice: 1_500 }],
          currency: 'eur',
          paymentMethod: 'pm_card_visa',
        }),
      });
      assert.equal(placed.status, 202);
      // Its remorse window is open (an hour by default): the page says until when, without a reload.
      const order = page.locator('[data-order="ada-1"]');
      await order.getByText(/You can still cancel at no cost until/).waitFor({ timeout: 20_000 });
      await screenshot(page, 'e2e-account-order');
      // Cancelled within the window, after a confirmation: nothing charged.
      await order.getByRole('button', { name: 'Cancel this order' }).click();
      await order.getByRole('button', { name: 'Yes, cancel the order' }).click();
      await order.getByText('Cancelled', { exact: true }).waitFor({ timeout: 20_000 });
      await order.getByText('Nothing was charged.').waitFor();

      // Forgotten: the sign-in page's link, the emailed link, a new password; the old session ends.
      const other = await browser.newPage({ viewport: PHONE });
      await other.goto(`${base}/account/`);
      await other.getByRole('button', { name: 'Sign in' }).click();
      await other.getByRole('link', { name: 'Forgot your password?' }).click();
      await other.getByLabel('Email address').fill('ada@example.com');
      await other.getByRole('button', { name: 'Email me a link' }).click();
      await other.getByRole('heading', { name: 'Check your email' }).waitFor();
      const outbox = path.join(env.DATA_DIR!, 'dev-outbox', 'emails.jsonl');
      let resetLink: string | undefined;
      for (let i = 0; i < 150 && !resetLink; i++) {
        const sent = fs
          .readFileSync(outbox, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { to: string; category: string; text: string })
          .find((m) => m.to === 'ada@example.com' && m.category === 'password_reset_link');
        resetLink = sent ? /http\S+/.exec(sent.text)?.[0] : undefined;
        if (!resetLink) await new Promise((r) => setTimeout(r, 100));
      }
      if (!resetLink?.startsWith(`${base}/password-resets/confirm?token=`))
        assert.fail(`the emailed link: ${resetLink}`);
      await other.goto(resetLink);
      await other.getByLabel('New password').fill('a brand new passphrase');
      await other.getByRole('button', { name: 'Set my new password' }).click();
      await other.getByRole('heading', { name: 'Your new password is set' }).waitFor();
      // Tokens count whole seconds: one issued in the change's own second may be from before it, so
      // it is refused too. A person takes longer than that; this browser waits for the next second.
      await new Promise((r) => setTimeout(r, 1_100));
      await page.reload();
      await page
        .getByText(/You were signed out|Sign in to follow your orders/)
        .first()
        .waitFor({ timeout: 20_000 });
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByLabel('Email address').fill('ada@example.com');
      await page.getByLabel('Password').fill('a brand new passphrase');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page
        .locator('[data-order="ada-1"]')
        .getByText('Cancelled', { exact: true })
        .waitFor({ timeout: 20_000 })
        .catch(async (err: unknown) => {
          await screenshot(page, 'e2e-account-after-reset-FAILED');
          throw err;
        });
    } finally {
      await browser.close();
    }
  });

  it("support follows an order's traces link to Zipkin: the order's trace with its steps inside, and the request that cancelled it", async () => {
    const zipkin = `http://127.0.0.1:${env.ZIPKIN_PORT}`;
    // The order's trace as the batch exporters send it, and the customer's cancellation: each
    // trace once the API's batch with its request has arrived too.
    await waitForTrace(zipkin, 'order-ada-1', (t) =>
      t.some((span) => span.name === 'runactivity:recordorderstatus'),
    );
    await until(
      "the order's two traces, each from its request",
      async () => {
        const roots = (await tracesOf(zipkin, 'order-ada-1')).map(rootName);
        return roots.length === 2 && roots.every((name) => /^post /.test(name ?? ''));
      },
      30_000,
    );
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: DESKTOP });
      const page = await context.newPage();
      await page.goto(`${base}/#/orders/ada-1`);
      await page.getByRole('button', { name: /^Sam Sato/ }).click();
      const escalation = page.getByRole('region', { name: 'For an engineer' });
      const [viewer] = await Promise.all([
        context.waitForEvent('page'),
        escalation.getByRole('link', { name: 'Its traces' }).click(),
      ]);
      // Zipkin runs the search the link names: the request that placed the order, and the one
      // that cancelled it.
      await viewer
        .getByText('temporal-commerce-api: post /orders', { exact: true })
        .waitFor({ timeout: 20_000 });
      assert.deepEqual(await viewer.getByText(/^temporal-commerce-\w+: /).allInnerTexts(), [
        'temporal-commerce-api: post /orders',
        'temporal-commerce-api: post /orders/:id/cancel',
      ]);
      await screenshot(viewer, 'e2e-zipkin-order-traces');
      await viewer.getByRole('button', { name: 'SHOW' }).first().click();
      await viewer.getByText('temporal-commerce-api: startworkflow:checkoutworkflow').waitFor();
      // The order's own record, a local activity, is a step of the same trace.
      await viewer.getByText('temporal-commerce-worker: runactivity:recordorderstatus').first().waitFor();
      await screenshot(viewer, 'e2e-zipkin-order-trace', false);
    } finally {
      await browser.close();
    }
  });

  it('no token, session id, client secret or provider key appears in the logs or in a response', async () => {
    const secrets = JSON.parse(
      fs.readFileSync(path.join(env.DATA_DIR!, 'identity-provider', 'secrets.json'), 'utf8'),
    ) as EmbeddedSecrets;
    const hidden: Record<string, string> = {
      ...Object.fromEntries(tokens.map((t, i) => [`token ${i + 1}`, t])),
      ...Object.fromEntries(tokens.map((t, i) => [`the signature of token ${i + 1}`, t.split('.')[2]!])),
      ...Object.fromEntries(sessionIds.map((s, i) => [`session id ${i + 1}`, s])),
      ...Object.fromEntries(Object.entries(secrets.clients).map(([c, s]) => [`the ${c} client secret`, s])),
      ...Object.fromEntries(secrets.cookieKeys.map((k, i) => [`cookie key ${i + 1}`, k])),
      "the provider's private key": String(secrets.keys[0]!.d),
      "a customer's password": PASSWORD,
    };
    assert.ok(
      tokens.length >= 3 && sessionIds.length === 1 && stack!.output().length > 1000,
      'there is something to search',
    );
    const places = { "the stack's log": stack!.output(), 'a response': answers.join('\n') };
    for (const [name, secret] of Object.entries(hidden)) {
      for (const [place, text] of Object.entries(places))
        assert.ok(!text.includes(secret), `${name} appears in ${place}`);
    }
  });
});
