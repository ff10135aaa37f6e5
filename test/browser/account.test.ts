/**
 * A customer's journeys in Chromium, on phone width first: register and confirm, sign in at the
 * shop's customer identity provider, see a new order arrive and move to Paid without a reload,
 * cancel another within its window, and set a forgotten password. axe finds nothing serious on any
 * page; each is photographed to test-output/screenshots/.
 *
 * The stack: a Temporal dev server, workers and two APIs over one SQLite store (orders placed
 * through the quick one are paid at once, through the slow one they wait an hour in their remorse
 * window), the quick API serving the account pages and the customer provider at its PUBLIC_URL.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Browser, Page } from 'playwright-core';
import { createCheckoutActivities } from '../../activities/checkout';
import { createDevMailer, createDevPublisher, DevRecorder } from '../../activities/adapters/development';
import { createDevPaymentGateway } from '../../activities/checkout/payments';
import { createPasswordResetActivities } from '../../activities/password-reset';
import { createRegistrationActivities } from '../../activities/registration';
import { signToken } from '../../api/auth';
import { createCustomerProvider, customerIssuer } from '../../identity-provider/customers';
import { freePort } from '../../scripts/net';
import { openSqliteOrderStore } from '../../store/sql-order-store';
import { openSqliteRegistrationStore } from '../../store/registration-store';
import { callApi, runWorker, serveApi } from '../helpers/api-server';
import { launchBrowser, PHONE, screenshot, seriousViolations } from '../helpers/browser';
import { TEST_SETTINGS } from '../helpers/checkout-scenario';
import { devServerEnv, workflowBundle } from '../helpers/temporal';

const SECRET = 'account-browser-secret-long-enough-for-hs256';
const PASSWORD = 'grace hopper sailed';

describe('a customer’s account, in Chromium', () => {
  let env: TestWorkflowEnvironment;
  let browser: Browser;
  let base: string;
  let slowBase: string;
  let outbox: DevRecorder;
  const closers: (() => Promise<void>)[] = [];

  before(async () => {
    env = await devServerEnv();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'account-browser-'));
    const db = path.join(dir, 'app.db');
    const store = openSqliteOrderStore(db);
    const registrations = openSqliteRegistrationStore(db);
    outbox = new DevRecorder(dir, () => undefined);
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const bundle = await workflowBundle();
    const provider = await createCustomerProvider({ publicUrl, store: registrations, cliClient: false });
    for (const [queue, windowMs] of [
      ['account-quick', 300],
      ['account-slow', 3_600_000],
    ] as const) {
      const worker = await runWorker({
        connection: env.nativeConnection,
        taskQueue: queue,
        workflowBundle: bundle,
        activities: {
          ...createCheckoutActivities({
            store,
            payments: createDevPaymentGateway(outbox),
            mailer: createDevMailer(outbox),
            events: createDevPublisher(outbox),
            settings: { ...TEST_SETTINGS, orderRemorseWindowMs: windowMs },
            fromEmail: 'orders@example.com',
            backOfficeUrl: publicUrl,
          }),
          ...createRegistrationActivities({
            registrations,
            mailer: createDevMailer(outbox),
            events: createDevPublisher(outbox),
            settings: { confirmWithinMs: 86_400_000, sideEffectAlertAfterMs: 900_000 },
            fromEmail: 'hello@example.com',
            supportEmail: 'support@example.com',
            publicUrl,
          }),
          ...createPasswordResetActivities({
            registrations,
            mailer: createDevMailer(outbox),
            fromEmail: 'hello@example.com',
            publicUrl,
          }),
        },
      });
      const quick = queue === 'account-quick';
      const api = await serveApi(
        {
          client: env.client,
          store,
          taskQueue: queue,
          jwtSecret: SECRET,
          registrations,
          ...(quick ? { customerIdentity: { provider, issuer: customerIssuer(publicUrl) } } : {}),
        },
        quick ? port : 0,
      );
      closers.push(worker.stop, api.close);
      if (quick) base = api.base;
      else slowBase = api.base;
    }
    closers.push(async () => {
      await store.close();
      await registrations.close();
    });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    for (const close of closers.reverse()) await close();
    await env?.teardown();
  });

  /** The newest email of `category` to `to`: the link in it. */
  async function linkIn(category: string, to: string): Promise<string> {
    for (let i = 0; i < 400; i++) {
      const email = outbox
        .entries('emails')
        .filter((e) => e.category === category && e.to === to)
        .at(-1);
      const link = email && /http\S+/.exec(String(email.text))?.[0];
      if (link) return link;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${category} email to ${to}`);
  }

  async function noSeriousViolations(page: Page, what: string): Promise<void> {
    assert.deepEqual(await seriousViolations(page), [], what);
  }

  async function signInAt(page: Page, email: string, password: string): Promise<void> {
    await page.goto(`${base}/account/`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('registers, confirms, signs in, sees an order arrive and get paid, cancels another, and resets a forgotten password', async () => {
    const shop = await signToken(SECRET, { role: 'storefront', sub: 'shop' });
    const email = 'grace@example.com';
    const registered = await callApi(base, 'POST', '/registrations', {
      token: shop,
      body: { email, name: 'Grace Hopper', password: PASSWORD },
    });
    assert.equal(registered.status, 202);
    const context = await browser.newContext({ viewport: PHONE, locale: 'en-GB', timezoneId: 'UTC' });
    const page = await context.newPage();

    // Confirm: the emailed link's page asks for the password chosen at sign-up.
    await page.goto(await linkIn('registration_confirmation_link', email));
    await page.getByLabel('Your password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Confirm my address' }).click();
    await page.getByRole('heading', { name: 'Your email address is confirmed' }).waitFor();
    const customerId = String(
      (
        await callApi(base, 'GET', `/registrations/${String(registered.body.registrationId)}`, {
          token: shop,
        })
      ).body.customerId,
    );

    // Sign in at the shop's customer provider; the account page lists no order yet.
    await page.goto(`${base}/account/`);
    await noSeriousViolations(page, 'the account page, signed out');
    await screenshot(page, 'account-signed-out-phone');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Sign in to your account' }).waitFor();
    await noSeriousViolations(page, 'the sign-in page');
    await screenshot(page, 'account-sign-in-phone');
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill('not my password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That email address and password do not match').waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Your orders' }).waitFor();
    await page.getByText('Grace Hopper').waitFor();
    await page.getByText('No orders yet.').waitFor();

    // A quarter of an hour later the access token has run out: renewed on the provider's session,
    // without a page and without the password.
    await page.evaluate(`(() => {
      const kept = JSON.parse(sessionStorage.getItem('account-tokens'));
      sessionStorage.setItem('account-tokens', JSON.stringify({ ...kept, expiresAt: Date.now() - 1000 }));
    })()`);
    await page.reload();
    await page.getByRole('heading', { name: 'Your orders' }).waitFor();
    await page.getByText('No orders yet.').waitFor();

    // An order arrives, and moves to Paid, without a reload.
    const order = (orderId: string) => ({
      orderId,
      customer: { id: customerId, email, name: 'Grace Hopper' },
      items: [{ sku: 'book', quantity: 1, unitPrice: 4_200, name: 'A book' }],
      currency: 'eur',
      paymentMethod: 'pm_card_visa',
    });
    assert.equal(
      (await callApi(base, 'POST', '/orders', { token: shop, body: order('grace-paid') })).status,
      202,
    );
    const paid = page.locator('[data-order="grace-paid"]');
    await paid.getByText('Paid, being packed').waitFor({ timeout: 20_000 });
    await paid.getByText(/It ships soon/).waitFor();

    // Another, still in its remorse window: cancelled at no cost, after a confirmation.
    assert.equal(
      (await callApi(slowBase, 'POST', '/orders', { token: shop, body: order('grace-cancel') })).status,
      202,
    );
    const open = page.locator('[data-order="grace-cancel"]');
    await open.getByText(/You can still cancel at no cost until/).waitFor({ timeout: 20_000 });
    await noSeriousViolations(page, 'the account page with orders');
    await screenshot(page, 'account-orders-phone');
    await open.getByRole('button', { name: 'Cancel this order' }).click();
    await open.getByText('Cancel it? Nothing will be charged.').waitFor();
    await open.getByRole('button', { name: 'Yes, cancel the order' }).click();
    await open.getByText('Cancelled', { exact: true }).waitFor({ timeout: 20_000 });
    await screenshot(page, 'account-cancelled-phone');

    // Forgotten: the sign-in page's link, the email, the link's page, a new password.
    const fresh = await (await browser.newContext({ viewport: PHONE })).newPage();
    await fresh.goto(`${base}/account/`);
    await fresh.getByRole('button', { name: 'Sign in' }).click();
    await fresh.getByRole('link', { name: 'Forgot your password?' }).click();
    await fresh.getByLabel('Email address').fill(email);
    await fresh.getByRole('button', { name: 'Email me a link' }).click();
    await fresh.getByRole('heading', { name: 'Check your email' }).waitFor();
    await noSeriousViolations(fresh, 'the forgotten-password page');
    await fresh.goto(await linkIn('password_reset_link', email));
    await fresh.getByLabel('New password').fill('a newer longer password');
    await noSeriousViolations(fresh, 'the new-password page');
    await screenshot(fresh, 'account-new-password-phone');
    await fresh.getByRole('button', { name: 'Set my new password' }).click();
    await fresh.getByRole('heading', { name: 'Your new password is set' }).waitFor();
    // Tokens count whole seconds: one of the change's own second is refused (it may be from before
    // it). A person takes longer than that; this browser waits for the next second.
    await new Promise((r) => setTimeout(r, 1_100));

    // The session from before is signed out; the new password signs in.
    await page.reload();
    await page
      .getByText(/You were signed out|Sign in to follow your orders/)
      .first()
      .waitFor({ timeout: 20_000 });
    await signInAt(fresh, email, 'a newer longer password');
    await fresh.getByRole('heading', { name: 'Your orders' }).waitFor();
    await fresh.locator('[data-order="grace-paid"]').waitFor();
  });
});
