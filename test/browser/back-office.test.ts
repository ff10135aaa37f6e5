/**
 * The back office in a real browser (Debian's Chromium, driven by playwright-core) against the real
 * stack: a Temporal dev server, workers running the workflows, the API serving the page, the app's
 * SQLite store, and Stripe's own stripe-mock behind a recording proxy that plays a Stripe outage
 * (its charges answered with Stripe's `processing_error` decline). Each person's main journey, end to
 * end, as they see it; every page is checked with axe-core (no serious or critical violation) and
 * its screenshot written to test-output/screenshots/.
 *
 * Two task queues share the store: orders placed on "quick" leave their remorse window after a
 * second (payment follows at once); orders on "slow" stay in their hour-long window, for managers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createStripeClient, createStripeGateway } from '../../activities/checkout/stripe';
import type { Role } from '../../api/auth';
import type { OrderView } from '../../domain/checkout';
import { callApi } from '../helpers/api-server';
import { startBackOfficeStack, type BackOfficeStack } from '../helpers/back-office-stack';
import {
  assertFocused,
  DESKTOP,
  launchBrowser,
  personIn,
  PHONE,
  screenshot,
  seriousViolations,
  signIn,
} from '../helpers/browser';
import { confirmsPaymentIntent, startRecordingProxy, type FakeServer } from '../../scripts/http-fakes';
import { until } from '../helpers/processes';
import { startStripeMock, type RunningStripeMock } from '../../scripts/stripe-mock';

const STRIPE_OUTAGE_DECLINE = {
  status: 402,
  body: {
    error: {
      type: 'card_error',
      code: 'processing_error',
      message: 'An error occurred while processing your card. Try again in a little bit.',
    },
  },
};

describe('the back office in a browser', () => {
  let stack: BackOfficeStack;
  let stripeMock: RunningStripeMock;
  let stripe: FakeServer;
  let browser: Browser;
  /** The API and the back office, starting orders and leave on the quick queue. */
  let base: string;
  /** The same store and Temporal, starting orders on the slow queue (an hour-long window). */
  let slowBase: string;
  const contexts: BrowserContext[] = [];
  const violations: Record<string, unknown[]> = {};
  const inTenDays = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);

  before(async () => {
    stripeMock = await startStripeMock('succeed');
    stripe = await startRecordingProxy(stripeMock.url);
    // The outage's declines answer charges (the confirmation of an order's PaymentIntent).
    stripe.only = confirmsPaymentIntent;
    stack = await startBackOfficeStack({
      name: 'back-office',
      identity: true,
      quickWindowMs: 1_000,
      // One order a second: a bulk action's progress is seen moving, and can be stopped halfway.
      bulkOrdersPerSecond: 1,
      payments: createStripeGateway(createStripeClient({ secretKey: 'sk_test_123', apiBase: stripe.url })),
    });
    ({ base, slowBase } = stack);
    browser = await launchBrowser();
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await stack?.close();
    await stripe?.close();
    await stripeMock?.stop();
  });

  /** A bearer token from the identity provider: the storefront's by client credentials. */
  async function as(role: Role, sub?: string): Promise<string> {
    return stack.token(role, sub);
  }

  async function placeOrder(orderId: string, total: number, on = base): Promise<void> {
    const answer = await callApi(on, 'POST', '/orders', {
      token: await as('storefront'),
      body: {
        orderId,
        customer: { id: `cust-${orderId}`, email: `${orderId}@example.com`, name: 'Olga Olsen' },
        items: [{ sku: 'lamp', quantity: 1, unitPrice: total, name: 'Desk lamp' }],
        shippingAddress: {
          name: 'Olga Olsen',
          line1: 'Storgata 12',
          city: 'Oslo',
          postalCode: '0155',
          country: 'NO',
        },
        currency: 'usd',
        paymentMethod: 'pm_card_visa',
      },
    });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
  }

  async function order(orderId: string): Promise<OrderView> {
    const answer = await callApi(base, 'GET', `/orders/${orderId}`, { token: await as('support', 'sam') });
    return answer.body as unknown as OrderView;
  }

  async function person(name: string, viewport = DESKTOP): Promise<Page> {
    const context = await personIn(browser, viewport);
    contexts.push(context);
    return signIn(context, base, name);
  }

  /** Screenshot and accessibility check of the page as it stands. */
  async function look(page: Page, name: string): Promise<void> {
    await screenshot(page, name);
    const found = await seriousViolations(page);
    if (found.length) violations[name] = found;
    assert.deepEqual(found, [], `${name}: axe found serious or critical violations`);
  }

  it('signs in at the identity provider (the real redirect, login form and code exchange) and comes back to the page asked for', async () => {
    const context = await personIn(browser);
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${base}/#/support`);
    await page.getByRole('heading', { name: 'Sign in to the back office' }).waitFor();
    assert.ok(
      page.url().startsWith(`${stack.identity!.issuer}/interaction/`),
      `at the provider: ${page.url()}`,
    );
    await page.getByText('Development sign-in.').waitFor();
    for (const name of ['Vera Vance', 'Mia Moreau', 'Ella Evans', 'Sam Sato', 'Wes Walker', 'Hana Holm']) {
      assert.equal(await page.getByRole('button', { name: new RegExp(`^${name}`) }).count(), 1, name);
    }
    await look(page, '01-sign-in');
    assert.equal(
      (await context.cookies(base)).filter((c) => c.name === 'tc_session').length,
      0,
      'no session yet',
    );
    await page.getByRole('button', { name: /^Sam Sato/ }).click();
    await page.getByRole('heading', { name: 'Orders that need support' }).waitFor();
    assert.equal(page.url(), `${base}/#/support`, 'back on the page asked for');
    const session = (await context.cookies(base)).find((c) => c.name === 'tc_session');
    assert.ok(session?.httpOnly, 'the session cookie is HttpOnly');
    assert.equal(session?.sameSite, 'Strict');
    assert.doesNotMatch(session.value, /^eyJ|\./, 'the cookie holds a session id, not a token');
    const stored = await page.evaluate(() => {
      const w = globalThis as unknown as { localStorage: object; sessionStorage: object };
      return JSON.stringify(w.localStorage) + JSON.stringify(w.sessionStorage);
    });
    assert.doesNotMatch(stored, /eyJ/, 'no token in the browser storage');
  });

  it('signing out ends the session here and at the provider; a second tab sees it end', async () => {
    const context = await personIn(browser);
    contexts.push(context);
    const first = await signIn(context, base, 'Wes Walker');
    const second = await context.newPage();
    await second.goto(`${base}/#/warehouse`);
    await second.getByRole('heading', { name: 'Warehouse', level: 1 }).waitFor();
    await first.getByRole('button', { name: 'Sign out' }).click();
    // The provider's end-session, then back to the back office, which says so and offers to sign in.
    await first.getByRole('heading', { name: 'You are signed out' }).waitFor({ timeout: 15_000 });
    await look(first, '02-signed-out');
    await first.getByRole('link', { name: 'Sign in again' }).click();
    await first.getByRole('heading', { name: 'Sign in to the back office' }).waitFor();
    assert.ok(first.url().startsWith(stack.identity!.issuer), `at the provider's login: ${first.url()}`);
    // The other tab's next poll is refused; it goes to sign in, and comes back to the warehouse after.
    await second.getByRole('heading', { name: 'Sign in to the back office' }).waitFor({ timeout: 15_000 });
    await second.getByRole('button', { name: /^Wes Walker/ }).click();
    await second.getByRole('heading', { name: 'Warehouse', level: 1 }).waitFor();
    assert.equal(second.url(), `${base}/#/warehouse`);
  });

  it('an expired session sends the person through sign-in and back to the page they were on', async () => {
    const context = await personIn(browser);
    contexts.push(context);
    const page = await signIn(context, base, 'Hana Holm');
    await page.goto(`${base}/#/hr`);
    await page.getByRole('heading', { name: 'Employees and their leave' }).waitFor();
    const before = page.url();
    const oldSession = (await context.cookies(base)).find((c) => c.name === 'tc_session')!.value;
    const visited: string[] = [];
    page.on('request', (request) => {
      if (request.isNavigationRequest()) visited.push(request.url());
    });
    stack.expireSessions();
    // The next poll is refused: through sign-in, where the provider still knows Hana (its own
    // session lives on), so no form, and straight back to the page she was on, with a new session.
    await until(
      'a new session',
      async () => (await context.cookies(base)).find((c) => c.name === 'tc_session')?.value !== oldSession,
      15_000,
    );
    await page.waitForURL(before, { timeout: 15_000 });
    await page.getByRole('heading', { name: 'Employees and their leave' }).waitFor();
    assert.ok(
      visited.some((url) => url.startsWith(`${base}/session/sign-in?returnTo=`)) &&
        visited.some((url) => url.startsWith(`${stack.identity!.issuer}/auth`)) &&
        visited.some((url) => url.startsWith(`${base}/session/callback`)),
      `went through sign-in at the provider: ${visited.join(' → ')}`,
    );
    const answer = await page.evaluate(async () => (await fetch('/session')).status);
    assert.equal(answer, 200, 'signed in again');
  });

  it('support retries many failed payments at once after a Stripe outage, each with its result', async () => {
    // The outage: Stripe declines every charge with processing_error.
    const failed = ['outage-1', 'outage-2', 'outage-3'];
    stripe.script.push(...failed.map(() => STRIPE_OUTAGE_DECLINE));
    for (const id of failed) await placeOrder(id, 4_200);
    await until(
      'the orders to fail their payment',
      async () => {
        for (const id of failed) if ((await order(id)).status !== 'PaymentFailed') return false;
        return true;
      },
      20_000,
    );

    const page = await person('Sam Sato');
    const queue = page.getByRole('list', { name: 'Orders that need support' });
    for (const id of failed) await queue.getByRole('link', { name: `Order ${id}` }).waitFor();
    await queue.getByText('An error occurred while processing your card').first().waitFor();
    await queue
      .getByText(/Cancelled automatically in/)
      .first()
      .waitFor();
    await look(page, '02-support-queue');

    // Stripe is nearly back: one more charge meets the outage's tail, then the proxy passes charges
    // to stripe-mock again. The result panel follows each order: retry sent, then paid or declined again.
    stripe.script.push(STRIPE_OUTAGE_DECLINE);
    await page.getByLabel('Select all shown').check();
    await page.getByRole('button', { name: 'Retry payment' }).click();
    const results = page.getByRole('status').filter({ hasText: 'Payment retry' });
    await results.getByText(/3 of 3 retries sent/).waitFor();
    await results.getByText(/3 of 3 retries sent · 2 paid · 1 declined again/).waitFor({ timeout: 20_000 });
    for (const id of failed) {
      await results
        .getByText(
          new RegExp(`^Order ${id}: (paid|declined again: An error occurred while processing your card)`),
        )
        .waitFor();
    }
    await look(page, '03-support-batch-results');
    // The one declined again is back in the queue; support retries it.
    await queue.getByRole('link').first().waitFor();
    await page.getByLabel('Select all shown').check();
    await page.getByRole('button', { name: 'Retry payment' }).click();
    await results.getByText(/1 of 1 retries sent · 1 paid/).waitFor({ timeout: 20_000 });
    await until(
      'the retried orders to be paid',
      async () => {
        for (const id of failed) if ((await order(id)).status !== 'Paid') return false;
        return true;
      },
      20_000,
    );
    await page.getByText('Nothing needs support right now').waitFor({ timeout: 5_000 });

    // The order's page tells the story in words.
    await page.getByLabel('Order id').fill('outage-1');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('heading', { name: 'Order outage-1' }).waitFor();
    const timeline = page.getByRole('list', { name: 'Timeline of order outage-1' });
    await timeline
      .getByText('Stripe declined attempt 1: An error occurred while processing your card')
      .waitFor();
    await timeline.getByText('Payment retry asked').first().waitFor();
    await timeline.getByText('by support (sam)').first().waitFor();
    await timeline.getByText('Stripe took the payment').waitFor();
    await timeline.getByText('Status: Paid').waitFor();
    await timeline.getByText('Placed: 1 line, US$42.00').waitFor();
    await timeline.getByText('by Olga Olsen').first().waitFor();
    // The codes stay in the API's fields, not in the words people read.
    const words = await timeline.innerText();
    for (const code of ['pm_card', 'customer:', 'PaymentFailed', '(s)', 'USD', 'processing_error', 'pi_']) {
      assert.ok(!words.includes(code), `"${code}" in the timeline: ${words}`);
    }
    await look(page, '04-support-order-timeline');
  });

  it('support retries every order declined in an outage from the queue’s filter: counted first, progress, stop halfway, the rest, the refused listed', async () => {
    const supportToken = await as('support', 'sam');
    const statusOf = async (orderId: string) => (await order(orderId)).status;
    const bulkNotes = async (orderId: string) => {
      const timeline = await callApi(base, 'GET', `/orders/${orderId}/timeline`, { token: supportToken });
      return (timeline.body.events as { detail: string }[]).filter((e) =>
        e.detail.includes('by bulk action'),
      );
    };
    // The outage: eight orders, each declined on its first attempt.
    const from = new Date(Date.now() - 1_000).toISOString();
    const failed = Array.from({ length: 8 }, (_, i) => `storm-${i + 1}`);
    for (const id of failed) {
      stripe.script.push(STRIPE_OUTAGE_DECLINE);
      await placeOrder(id, 3_100);
      await until(`${id} to fail`, async () => (await statusOf(id)) === 'PaymentFailed', 20_000);
    }
    const to = new Date(Date.now() + 1_000).toISOString();

    const page = await person('Sam Sato');
    const bulk = page.getByRole('region', { name: 'Every order that matches' });
    // The browser's clock is UTC: a local date-time is the instant without its zone.
    await bulk.getByLabel('Placed from').fill(from.slice(0, 19));
    await bulk.getByLabel('Placed before').fill(to.slice(0, 19));
    await bulk.getByRole('button', { name: 'Count the orders' }).click();
    await bulk
      .getByText(/^Retry the payment of 8 orders needing support \(payment declined\) placed between/)
      .waitFor();
    await look(page, '03b-support-bulk-count');

    // Started: the progress bar moves; stopped halfway, nothing after the stop is touched.
    await bulk.getByRole('button', { name: 'Retry 8 orders' }).click();
    const first = bulk.getByRole('listitem').filter({ hasText: 'Payment retry of 8 orders' }).first();
    await first.getByText(/^[2-7] of 8 done/).waitFor({ timeout: 20_000 });
    const moving = Number(await first.getByRole('progressbar').getAttribute('value'));
    assert.ok(moving >= 2 && moving < 8, `the bar shows the progress (${moving})`);
    await look(page, '03c-support-bulk-progress');
    await first.getByRole('button', { name: 'Stop' }).click();
    await assertFocused(
      first.getByRole('button', { name: 'Yes, stop' }),
      'the question asked, its answer has the focus',
    );
    await first.getByRole('button', { name: 'Yes, stop' }).click();
    await first.getByText('Stopped').waitFor({ timeout: 10_000 });
    const stoppedAt = Number(/^(\d) of 8 done/.exec(await first.locator('.progress-words').innerText())![1]);
    assert.ok(stoppedAt < 8, `stopped halfway (${stoppedAt} of 8)`);
    await new Promise((r) => setTimeout(r, 2_000));
    for (const [i, id] of failed.entries()) {
      const touched = (await bulkNotes(id)).length;
      assert.equal(
        touched,
        i < stoppedAt ? 1 : 0,
        `${id} ${i < stoppedAt ? 'retried once' : 'untouched after the stop'}`,
      );
      if (i >= stoppedAt) assert.equal(await statusOf(id), 'PaymentFailed');
    }
    await look(page, '03d-support-bulk-stopped');

    // The rest: counted again (only those still declined), started, paused; one is cancelled by
    // hand meanwhile; resumed, it completes and lists that one as not retried, with why.
    const rest = failed.slice(stoppedAt);
    await bulk.getByRole('button', { name: 'Count the orders' }).click();
    await bulk
      .getByText(
        `Retry the payment of ${rest.length === 1 ? '1 order' : `${rest.length} orders`} needing support`,
      )
      .waitFor();
    await bulk
      .getByRole('button', { name: `Retry ${rest.length === 1 ? '1 order' : `${rest.length} orders`}` })
      .click();
    const second = bulk
      .getByRole('listitem')
      .filter({ hasText: `Payment retry of ${rest.length} orders` })
      .first();
    await second.getByRole('button', { name: 'Pause' }).click();
    await second.getByText('Paused').waitFor({ timeout: 10_000 });
    const last = rest[rest.length - 1]!;
    const cancelled = await callApi(base, 'POST', `/orders/${last}/cancel`, {
      token: supportToken,
      body: { reason: 'the customer phoned' },
    });
    assert.equal(cancelled.status, 202);
    await until(`${last} cancelled`, async () => (await statusOf(last)) === 'Cancelled', 20_000);
    await second.getByRole('button', { name: 'Resume' }).click();
    await second.getByText('Completed').waitFor({ timeout: 30_000 });
    await second.getByText(`Order ${last}: the order is cancelled; it has ended`).waitFor();
    await second
      .getByText(`${rest.length} of ${rest.length} done · ${rest.length - 1} retried · 1 refused`)
      .waitFor();
    await look(page, '03e-support-bulk-completed');
    for (const id of failed.filter((f) => f !== last)) {
      await until(`${id} paid`, async () => (await statusOf(id)) === 'Paid', 20_000);
    }

    // Each order's own page says which bulk action retried it, and who started it.
    await page.getByLabel('Order id').fill(failed[0]!);
    await page.getByRole('button', { name: 'Search' }).click();
    const timeline = page.getByRole('list', { name: `Timeline of order ${failed[0]}` });
    await timeline
      .getByText(/^Payment retry asked by bulk action [0-9a-f-]+, started by Sam Sato$/)
      .waitFor();
  });

  it('support cancels one order from its page with a reason, and sees who did it', async () => {
    stripe.script.push(STRIPE_OUTAGE_DECLINE);
    await placeOrder('declined-1', 1_500);
    await until(
      'the payment to fail',
      async () => (await order('declined-1')).status === 'PaymentFailed',
      20_000,
    );
    const page = await person('Sam Sato');
    await page.goto(`${base}/#/orders/declined-1`);
    await page.getByLabel('Reason for cancelling').fill('customer asked by phone');
    await page.getByRole('button', { name: 'Cancel the order' }).click();
    await page
      .getByRole('list', { name: 'Timeline of order declined-1' })
      .getByText('Status: Cancelled')
      .waitFor();
    await page.getByText('Cancel requested: customer asked by phone').waitFor();
    const view = await order('declined-1');
    assert.equal(view.status, 'Cancelled');
    assert.equal(view.cancellation?.requestedBy, 'support:sam');
    // For an escalation: the order's traces in the trace viewer and its workflow in the Temporal UI.
    const escalation = page.getByRole('region', { name: 'For an engineer' });
    // Its traces from a minute before the order was placed to thirty days after.
    const placed = Date.parse(view.placedAt);
    assert.equal(
      await escalation.getByRole('link', { name: 'Its traces' }).getAttribute('href'),
      'http://127.0.0.1:9411/zipkin/?annotationQuery=temporalWorkflowId%3Dorder-declined-1' +
        `&lookback=range&startTs=${placed - 60_000}&endTs=${placed + 30 * 86_400_000}&limit=50`,
    );
    assert.equal(
      await escalation.getByRole('link', { name: 'Its workflow' }).getAttribute('href'),
      'http://127.0.0.1:8233/namespaces/default/workflows/order-declined-1',
    );
    await screenshot(page, '04c-order-page-escalation-links');
  });

  it('a manager beyond their authority is told why and who can; the VP approves; a large order is authorized', async () => {
    await placeOrder('big-1', 250_000, slowBase);
    // Ella asks for 29 days with 25 left: −4 after, beyond a manager's −2, within a VP's −5.
    const ella = await person('Ella Evans');
    await ella.getByLabel('Days (halves allowed)').fill('29');
    await ella.getByLabel('First day').fill(inTenDays);
    await ella.getByText(/needs the approval of Vera Vance \(VP/).waitFor();
    await ella.getByRole('button', { name: 'Send the request' }).click();
    await ella.getByText(/Sent: 29 days .* Waiting for approval/).waitFor();

    const mia = await person('Mia Moreau');
    const leave = mia.getByRole('list', { name: 'Leave requests waiting for you' });
    await leave.getByText('Ella Evans: 29 days').waitFor();
    await leave
      .getByText(
        'Beyond your authority: approving would take the balance to −4 days; a manager may allow down to −2 days. Vera Vance (VP) can approve it. It waits in their inbox too: you may reject it, or leave it to them.',
      )
      .waitFor();
    // What she cannot do is not offered: no Approve to press and be refused; Reject is there.
    assert.equal(
      await leave.getByRole('button', { name: 'Approve' }).count(),
      0,
      'no Approve beyond authority',
    );
    assert.equal(await leave.getByRole('button', { name: 'Reject' }).count(), 1);
    const orders = mia.getByRole('list', { name: 'Orders waiting for authorization' });
    await orders.getByText('Order big-1').waitFor();
    // The card says what is being authorized and for whom.
    await orders.getByText('Olga Olsen (customer cust-big-1)').waitFor();
    await orders.getByRole('list', { name: 'Items of order big-1' }).getByText('1 × Desk lamp').waitFor();
    await orders.getByText(/The window closes in/).waitFor();
    await look(mia, '05-manager-refused-beyond-authority');
    await orders.getByRole('button', { name: 'Approve' }).click();
    await until(
      'the order to be authorized',
      async () => (await order('big-1')).status === 'Authorized',
      10_000,
    );
    await mia.getByText('No order waits for an authorization.').waitFor({ timeout: 5_000 });
    await mia
      .getByRole('region', { name: 'What you decided here' })
      .getByText(/Approved order big-1/)
      .waitFor();

    const vera = await person('Vera Vance');
    const veraLeave = vera.getByRole('list', { name: 'Leave requests waiting for you' });
    await veraLeave.getByText('Your authority covers this.').waitFor();
    await veraLeave.getByLabel('Note (optional)').fill('enjoy the trip');
    await look(vera, '06-vp-inbox');
    await veraLeave.getByRole('button', { name: 'Approve' }).click();
    await vera.getByText('No leave request waits for your decision.').waitFor({ timeout: 5_000 });
    // Mia's open page drops it too, without a reload.
    await mia.getByText('No leave request waits for your decision.').waitFor({ timeout: 5_000 });
    await ella
      .getByRole('list', { name: 'My requests' })
      .getByText('Approved', { exact: true })
      .waitFor({ timeout: 5_000 });
    await ella.getByText('−4 days left').waitFor({ timeout: 10_000 });
    await look(ella, '07-employee-after-approval');
  });

  it("an employee's request appears in the manager's open inbox without a reload; withdrawn, it is gone", async () => {
    const mia = await person('Mia Moreau', PHONE);
    await mia.getByText('No leave request waits for your decision.').waitFor();
    const eric = await person('Eric Eriksen');
    // A day the server refuses: the preview says so and promises nothing.
    await eric.getByLabel('Days (halves allowed)').fill('2');
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await eric.getByLabel('First day').fill(yesterday);
    await eric.getByText(/Not possible: the leave cannot start in the past/).waitFor();
    assert.equal(await eric.getByText(/approved at once/).count(), 0, 'nothing promised for a past day');
    await eric.getByLabel('Days (halves allowed)').fill('26.5');
    await eric.getByLabel('First day').fill(inTenDays);
    await eric
      .getByText(
        /Balance after: −1.5 days\. Beyond your balance: it needs the approval of Mia Moreau \(manager/,
      )
      .waitFor();
    await look(eric, '08-employee-request-preview');
    await eric.getByRole('button', { name: 'Send the request' }).click();
    const inbox = mia.getByRole('list', { name: 'Leave requests waiting for you' });
    await inbox.getByText('Eric Eriksen: 26.5 days').waitFor({ timeout: 5_000 });
    await inbox.getByText('Your authority covers this.').waitFor();
    await look(mia, '09-manager-inbox-phone');

    const mine = eric.getByRole('list', { name: 'My requests' });
    await mine.getByText('Waiting for approval').waitFor();
    await mine.getByRole('button', { name: 'What happened' }).first().click();
    await mine.getByText(/Beyond the balance of 25 days: approval asked of Mia Moreau/).waitFor();
    await mine.getByText(/Waiting for a decision from Mia Moreau before/).waitFor();
    await mine.getByRole('button', { name: 'Withdraw' }).first().click();
    // It asks first: nothing is withdrawn by the first press.
    await mine.getByText(/Withdraw your 26\.5 days from .*\? The days go back to your balance\./).waitFor();
    assert.equal(await mine.getByText('Waiting for approval').count(), 1, 'still waiting after one press');
    await assertFocused(mine.getByRole('button', { name: 'Yes, withdraw' }), 'Enter confirms');
    // Kept, then asked again on the same page: the answer has the focus again (autofocus would not).
    await mine.getByRole('button', { name: 'Keep it' }).click();
    await mine.getByRole('button', { name: 'Withdraw' }).first().click();
    await assertFocused(mine.getByRole('button', { name: 'Yes, withdraw' }), 'the second question too');
    await mine.getByRole('button', { name: 'Yes, withdraw' }).click();
    await mine.locator('.card-title').getByText('Withdrawn', { exact: true }).waitFor({ timeout: 5_000 });
    await mia.getByText('No leave request waits for your decision.').waitFor({ timeout: 5_000 });
  });

  it('the warehouse ships a paid order and records the return of a cancelled shipped one', async () => {
    const wes = await person('Wes Walker');
    const toShip = wes.getByRole('list', { name: 'Orders to ship' });
    await toShip.getByText('Order outage-2').waitFor();
    await look(wes, '10-warehouse');
    const card = toShip.getByRole('listitem').filter({ hasText: 'Order outage-2' });
    // What goes in the parcel and where it goes, on the card.
    await card.getByRole('list', { name: 'Items of order outage-2' }).getByText('1 × Desk lamp').waitFor();
    const shipTo = card.getByRole('group', { name: 'Ship to, order outage-2' });
    assert.match(await shipTo.innerText(), /Olga Olsen\s+Storgata 12\s+0155 Oslo\s+Norway/);
    await card.getByRole('button', { name: 'Packing slip' }).click();
    await card.getByRole('button', { name: 'Print it' }).waitFor();
    await wes.emulateMedia({ media: 'print' });
    await screenshot(wes, '10b-warehouse-packing-slip-printed');
    await wes.emulateMedia({ media: 'screen' });
    await card.getByLabel('Tracking number').fill('TRACK-42');
    await card.getByRole('button', { name: 'Record shipment' }).click();
    await until('the order to ship', async () => (await order('outage-2')).status === 'Shipped', 10_000);
    await wes
      .getByRole('list', { name: 'Orders to ship' })
      .getByText('Order outage-2')
      .waitFor({ state: 'detached', timeout: 5_000 });

    // The customer cancels after shipment: the refund waits for the goods.
    await callApi(base, 'POST', '/orders/outage-2/cancel', {
      token: await as('storefront'),
      body: { reason: 'changed my mind' },
    });
    const returns = wes.getByRole('list', { name: 'Returns awaited' });
    await returns.getByText('Order outage-2').waitFor({ timeout: 5_000 });
    await returns.getByText(/Awaited until/).waitFor();
    await returns.getByRole('button', { name: 'Record the return' }).click();
    await until('the refund', async () => (await order('outage-2')).status === 'Refunded', 10_000);
    // What was shipped and taken back stays on the page after the cards have gone.
    const today = wes.getByRole('list', { name: 'Done here today' });
    await today.getByText(/Shipped order outage-2 \(1 item\), tracking TRACK-42/).waitFor();
    await today.getByText(/Took back order outage-2 in its original packaging/).waitFor();
    await look(wes, '10c-warehouse-done-today');
  });

  it('HR sees balances below zero stand out and records a termination with the paycheck preview', async () => {
    const hana = await person('Hana Holm');
    const people = hana.getByRole('list', { name: 'Employees' });
    const ella = people.getByRole('listitem').filter({ hasText: 'Ella Evans' });
    await ella.getByText('−4 days — below zero').waitFor();
    // Both leave years and the ledger, in words.
    await ella.getByRole('button', { name: 'Leave years and ledger' }).click();
    const year = new Date().getUTCFullYear();
    await ella.getByLabel('Balances of Ella Evans').getByText(`${year}: −4 days`).waitFor();
    await ella
      .getByLabel('Balances of Ella Evans')
      .getByText(`${year + 1}:`)
      .waitFor();
    await ella.getByRole('cell', { name: 'Reserved for leave' }).first().waitFor();
    await ella.getByRole('button', { name: 'Record a termination' }).click();
    await ella.getByText('The final paycheck loses €1,000.00: 4 days below zero × €250.00 a day.').waitFor();
    await look(hana, '11-hr');
    // A last day before her approved leave: the leave is given back, and the paycheck loses nothing.
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await ella.getByLabel('Last day').fill(tomorrow);
    await ella
      .getByText(
        'The final paycheck loses nothing: the balance would be 25 days (29 days of leave after the last day given back).',
      )
      .waitFor();
    await ella.getByLabel('Last day').fill(inTenDays);
    await ella.getByText('The final paycheck loses €1,000.00: 4 days below zero × €250.00 a day.').waitFor();
    await ella.getByRole('button', { name: 'Record the termination' }).click();
    await ella.getByText(/Record Ella Evans's last day as .*\? It cannot be undone here\./).waitFor();
    await assertFocused(ella.getByRole('button', { name: 'Yes, record it' }), 'Enter confirms');
    await ella.getByRole('button', { name: 'Yes, record it' }).click();
    await ella.getByText(/Termination recorded/).waitFor();
    // The termination's process records it; HR's list shows the last day once it has.
    await until(
      'the termination to be recorded',
      async () => (await stack.leaveStore.getEmployee('ella'))?.lastDay === inTenDays,
      10_000,
    );
    const shown = new Date(`${inTenDays}T00:00:00Z`).toLocaleDateString('en-GB', {
      dateStyle: 'medium',
      timeZone: 'UTC',
    });
    await ella.getByText(`Reports to Mia Moreau · last day ${shown}`).waitFor({ timeout: 10_000 });
  });

  it("support finds a customer's registration by address; the customer opens the emailed link and enters the password chosen at sign-up; support sees it confirmed", async () => {
    const email = 'ada.registers@example.com';
    const placed = await callApi(base, 'POST', '/registrations', {
      token: await as('storefront'),
      body: { email, name: 'Ada Lovelace', password: 'correct horse battery staple' },
    });
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
    const support = await person('Sam Sato');
    await support.getByRole('link', { name: 'Registrations' }).click();
    await support.getByRole('heading', { name: 'Customer registrations' }).waitFor();
    await support.getByLabel('Email address or registration id').fill('Ada.Registers@example.com');
    await support.getByRole('button', { name: 'Find' }).click();
    const card = support.getByRole('list', { name: 'Registrations' }).getByRole('listitem');
    await card.getByText('Waiting for the customer to open the link', { exact: true }).waitFor();
    await card.getByText('1 link sent').waitFor({ timeout: 15_000 });
    assert.equal(await card.getByRole('button', { name: 'Send a fresh link' }).isDisabled(), true);
    await card.getByText(/at most once a minute/).waitFor();
    await look(support, '12-support-registration-pending');

    const linkIn = (): string | undefined => {
      const sent = stack.outbox
        .entries('emails')
        .find((e) => e.to === email && e.category === 'registration_confirmation_link');
      return sent ? /http\S+/.exec(String(sent.text))![0] : undefined;
    };
    await until('the confirmation email', () => linkIn() !== undefined, 15_000);
    const link = linkIn()!;
    const customerContext = await personIn(browser, PHONE);
    contexts.push(customerContext);
    const customer = await customerContext.newPage();
    const response = await customer.goto(link);
    assert.equal(response?.status(), 200);
    await customer.getByRole('heading', { name: 'Confirm your email address' }).waitFor();
    await look(customer, '13-customer-link-form');
    await customer.getByLabel('Your password').fill('not the password');
    await customer.getByRole('button', { name: 'Confirm my address' }).click();
    await customer.getByRole('heading', { name: 'That is not the password' }).waitFor();
    await card.getByText('Waiting for the customer to open the link', { exact: true }).waitFor();
    await customer.getByLabel('Your password').fill('correct horse battery staple');
    const sent = customer.waitForResponse((r) => r.request().method() === 'POST');
    await customer.getByRole('button', { name: 'Confirm my address' }).click();
    assert.equal((await sent).status(), 200);
    await customer.getByRole('heading', { name: 'Your email address is confirmed' }).waitFor();
    await look(customer, '13-customer-link-confirmed');
    await customer.goto(link);
    await customer.getByRole('heading', { name: 'Already confirmed' }).waitFor();

    await card.getByText('Confirmed: a customer', { exact: true }).waitFor({ timeout: 15_000 });
    await card.getByText(/customer cus_/).waitFor();
    await card.getByText('What happened').click();
    await card.getByText('Link 1 opened').waitFor();
    await look(support, '14-support-registration-confirmed');
  });

  it('a state-changing request without the session CSRF token is refused and changes nothing', async () => {
    const context = await personIn(browser);
    contexts.push(context);
    const page = await signIn(context, base, 'Sam Sato');
    const status = await page.evaluate(async () => {
      const response = await fetch('/orders/outage-3/cancel', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      return response.status;
    });
    assert.equal(status, 403);
    assert.equal((await order('outage-3')).status, 'Paid', 'nothing was cancelled');
  });

  /** The focused element's text and id, as the browser has it. */
  async function focused(page: Page): Promise<{ text: string; id: string }> {
    return page.evaluate(() => {
      const active = (
        globalThis as unknown as {
          document: { activeElement: { textContent: string | null; id: string } | null };
        }
      ).document.activeElement;
      return { text: active?.textContent ?? '', id: active?.id ?? '' };
    });
  }

  it('a manager works the inbox by keyboard alone: the skip link, then a decision, no mouse', async () => {
    const inThirtyDays = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    // Eric asks for 26 days with 25 left: −1 after, within a manager's authority.
    const asked = await callApi(base, 'POST', '/leave-requests', {
      token: await as('employee', 'eric'),
      body: { days: 26, startDate: inThirtyDays, note: 'by keyboard' },
    });
    assert.equal(asked.status, 202, JSON.stringify(asked.body));
    const context = await personIn(browser);
    contexts.push(context);
    const mia = await signIn(context, base, 'Mia Moreau');
    const inbox = mia.getByRole('list', { name: 'Leave requests waiting for you' });
    await inbox.getByText('Eric Eriksen: 26 days').waitFor({ timeout: 5_000 });
    const address = mia.url();

    // The first Tab stop is the skip link; Enter moves the focus to the work, and the page stays.
    await mia.locator('body').focus();
    await mia.keyboard.press('Tab');
    assert.equal((await focused(mia)).text, 'Skip to the work');
    await mia.keyboard.press('Enter');
    assert.equal((await focused(mia)).id, 'main', 'the focus is on the work');
    assert.equal(mia.url(), address, 'the address did not change');
    await mia.getByRole('heading', { name: 'Your inbox', level: 1 }).waitFor();
    assert.equal(await mia.getByRole('heading', { name: 'Not here' }).count(), 0);

    // Tab to the request's note, write it, Tab to Approve, Enter.
    const card = inbox.getByRole('listitem').filter({ hasText: 'Eric Eriksen: 26 days' });
    const note = card.getByLabel('Note (optional)');
    const noteId = await note.getAttribute('id');
    for (let presses = 0; presses < 40 && (await focused(mia)).id !== noteId; presses++) {
      await mia.keyboard.press('Tab');
    }
    assert.equal((await focused(mia)).id, noteId, 'the note is reached by Tab');
    await mia.keyboard.type('have a good break');
    await mia.keyboard.press('Tab');
    assert.equal((await focused(mia)).text, 'Approve');
    await look(mia, '15-manager-keyboard');
    await mia.keyboard.press('Enter');
    await inbox.getByText('Eric Eriksen: 26 days').waitFor({ state: 'detached', timeout: 5_000 });
    await mia
      .getByRole('region', { name: 'What you decided here' })
      .getByText(/Approved Eric Eriksen's 26 days/)
      .waitFor();
  });

  it("every person's page at phone width: readable, and no serious accessibility violation", async () => {
    const pages: [string, string, string][] = [
      ['Sam Sato', '#/support', 'Orders that need support'],
      ['Sam Sato', '#/registrations', 'Customer registrations'],
      ['Mia Moreau', '#/inbox', 'Your inbox'],
      ['Wes Walker', '#/warehouse', 'Warehouse'],
      ['Hana Holm', '#/hr', 'Employees and their leave'],
      ['Eric Eriksen', '#/leave', 'My leave'],
    ];
    for (const [name, where, heading] of pages) {
      const page = await person(name, PHONE);
      await page.goto(`${base}/${where}`);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await look(page, `16-phone-${where.slice(2)}`);
      // Nothing wider than the phone: no sideways scrolling.
      const overflow = await page.evaluate(() => {
        const root = (
          globalThis as unknown as {
            document: { documentElement: { scrollWidth: number; clientWidth: number } };
          }
        ).document.documentElement;
        return root.scrollWidth - root.clientWidth;
      });
      assert.ok(overflow <= 1, `${where} scrolls sideways by ${overflow} px at phone width`);
    }
  });

  it('no page had a serious or critical accessibility violation', () => {
    assert.deepEqual(violations, {});
  });
});
