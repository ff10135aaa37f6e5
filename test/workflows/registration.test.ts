/**
 * The registration process on the time-skipping server, with the real registration activities on
 * a SQLite store and recording mail and event adapters: confirm, the double click, lapse (and
 * what it erases), a fresh link replacing the old one, sign-ups of one address (each its own,
 * links limited by address, the first confirmed closing the others), and what the history never
 * holds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { verifyPassword } from '../../api/registration/passwords';
import type { Registration, RegistrationView } from '../../domain/registration';
import {
  closeRegistrationSignal,
  confirmRegistrationUpdate,
  registrationStatusQuery,
  resendLinkUpdate,
} from '../../workflows/registration/messages';
import { refusalOf } from '../../workflows/refusal';
import { settle } from '../helpers/checkout-scenario';
import { PASSWORD, RegistrationScenario } from '../helpers/registration-scenario';
import { captureHistory, timeSkippingEnv } from '../helpers/temporal';

const HOUR = 3_600_000;

/** Every byte string in a history (the payloads) as UTF-8 text, joined: what a reader of the history could see. */
function textOf(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (Array.isArray(value)) return value.map(textOf).join('\n');
  if (value && typeof value === 'object') return Object.values(value).map(textOf).join('\n');
  return typeof value === 'string' ? value : '';
}

async function status(handle: WorkflowHandle, expected: string): Promise<RegistrationView> {
  await settle(handle);
  const view = await handle.query(registrationStatusQuery);
  assert.equal(view.status, expected, JSON.stringify(view));
  return view;
}

async function refusalReason(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return refusalOf(err)?.details;
  }
  assert.fail('the update was not refused');
}

/**
 * A "not again so soon" refusal of a link: the minute since the address's last link, less what
 * has passed since (the test server's clock moves with the wall clock between skips, so a slow
 * machine may answer 59 s).
 */
async function assertTooSoon(promise: Promise<unknown>): Promise<void> {
  const details = (await refusalReason(promise)) as { retryAfterSeconds?: number };
  const { retryAfterSeconds, ...rest } = details;
  assert.deepEqual(rest, { reason: 'too_soon', status: 'PendingConfirmation' });
  assert.ok(
    Number.isInteger(retryAfterSeconds) && retryAfterSeconds! >= 50 && retryAfterSeconds! <= 60,
    `retryAfterSeconds ${retryAfterSeconds}`,
  );
}

/** Nothing of the person in a lapsed registration's answer, its record, or the process's result. */
function assertNothingPersonal(view: RegistrationView, registration: Registration): void {
  const text = JSON.stringify(view);
  assert.equal(view.status, 'Lapsed');
  for (const personal of [registration.email, registration.name, '"timeline"', '"notifications"']) {
    assert.ok(!text.includes(personal), `${personal} in ${text}`);
  }
}

describe('registration', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await timeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  it('emails a one-time link; opened, the customer is written, announced and welcomed; the history holds no password, hash or token', async () => {
    const scenario = new RegistrationScenario(env);
    await scenario.running(async () => {
      const { handle, registration, passwordHash } = await scenario.signUp();
      const pending = await status(handle, 'PendingConfirmation');
      assert.equal(pending.linksSent, 1);
      assert.equal(Date.parse(pending.confirmBy) - Date.parse(pending.linkSentAt[0]!), 24 * HOUR);
      const { url } = scenario.link(1);
      assert.equal(url.origin + url.pathname, 'http://shop.example.com/registrations/confirm');
      assert.match(url.searchParams.get('token')!, /^[\w-]{43}$/);
      assert.ok(
        !url.href.includes(registration.registrationId),
        'the link does not carry the registration id',
      );
      assert.equal(scenario.emails[0]!.to, registration.email);

      const confirmed = await handle.executeUpdate(confirmRegistrationUpdate, { args: [scenario.opened(1)] });
      assert.equal(confirmed.status, 'Confirmed');
      assert.equal(confirmed.customerId, `cus_${registration.registrationId.slice(4)}`);
      const final = await handle.result();
      assert.equal(final.status, 'Confirmed');
      assert.deepEqual(scenario.categories(), ['registration_confirmation_link', 'registration_welcome']);
      assert.deepEqual(
        scenario.events.map((e) => [e.type, e.data.customerId]),
        [['customer.registered', confirmed.customerId]],
      );
      const customer = await scenario.store.getCustomer(confirmed.customerId);
      assert.equal(customer?.email, registration.email);
      assert.equal(
        await verifyPassword(PASSWORD, (await scenario.store.passwordHashOf(registration.email))!),
        true,
      );
      assert.equal((await scenario.store.getRegistration(registration.registrationId))?.status, 'Confirmed');

      const history = textOf(await handle.fetchHistory());
      assert.ok(history.includes(registration.email), 'the payloads were read as text');
      const token = url.searchParams.get('token')!;
      for (const secret of [PASSWORD, passwordHash, passwordHash.split('$')[3]!, token]) {
        assert.ok(!history.includes(secret), 'the history never holds the password, its hash or the token');
      }
      await captureHistory(handle, 'registration-confirmed');
    });
  });

  it('a double click: both answered with the confirmed registration, one customer, one welcome', async () => {
    const scenario = new RegistrationScenario(env);
    await scenario.running(async () => {
      const { handle } = await scenario.signUp();
      await status(handle, 'PendingConfirmation');
      const opened = scenario.opened(1);
      const [first, second] = await Promise.all([
        handle.executeUpdate(confirmRegistrationUpdate, { args: [opened] }),
        handle.executeUpdate(confirmRegistrationUpdate, { args: [opened] }),
      ]);
      assert.deepEqual([first.status, second.status], ['Confirmed', 'Confirmed']);
      assert.equal(first.customerId, second.customerId);
      await handle.result();
      assert.deepEqual(scenario.categories(), ['registration_confirmation_link', 'registration_welcome']);
      assert.equal(scenario.events.length, 1);
    });
  });

  it('no click in 24 hours: lapsed, nothing written, nothing personal kept (the store, the view, the result), the address free again', async () => {
    const scenario = new RegistrationScenario(env);
    await scenario.running(async () => {
      const { handle, registration } = await scenario.signUp({ name: 'Ada Lovelace' });
      await status(handle, 'PendingConfirmation');
      const final = await handle.result(); // the server skips the day
      assert.equal(final.status, 'Lapsed');
      assertNothingPersonal(final, registration);
      assertNothingPersonal(await handle.query(registrationStatusQuery), registration);
      const row = scenario.row(registration.registrationId);
      assert.equal(row.status, 'Lapsed');
      assert.deepEqual([row.email, row.name, row.password_hash], ['', '', null]);
      assertNothingPersonal(JSON.parse(String(row.view_json)) as RegistrationView, registration);
      assert.equal(final.lapseReason, 'not_confirmed_in_time');
      assert.ok(Date.parse(final.lapsedAt!) - Date.parse(final.createdAt) >= 24 * HOUR);
      assert.deepEqual(scenario.categories(), ['registration_confirmation_link']);
      assert.deepEqual(scenario.events, []);
      assert.equal(await scenario.store.passwordHashOf(registration.email), undefined);
      assert.deepEqual(await scenario.store.registrationsFor(registration.email), []);
      await captureHistory(handle, 'registration-lapsed');
    });
  });

  it('a fresh link replaces the old one and moves the deadline; links are limited to one a minute', async () => {
    const scenario = new RegistrationScenario(env);
    await scenario.running(async () => {
      const { handle } = await scenario.signUp();
      await status(handle, 'PendingConfirmation');
      await assertTooSoon(handle.executeUpdate(resendLinkUpdate, { args: [{ by: 'storefront:shop' }] }));
      await env.sleep('2 minutes');
      const resent = await handle.executeUpdate(resendLinkUpdate, { args: [{ by: 'support:sam' }] });
      assert.equal(resent.linksSent, 2);
      await settle(handle);
      assert.deepEqual(
        await refusalReason(handle.executeUpdate(confirmRegistrationUpdate, { args: [scenario.opened(1)] })),
        { reason: 'link_replaced', status: 'PendingConfirmation' },
      );
      await env.sleep('23 hours');
      await env.sleep('59 minutes'); // past the first link's day, inside the second's
      await status(handle, 'PendingConfirmation');
      const confirmed = await handle.executeUpdate(confirmRegistrationUpdate, {
        args: [scenario.opened(2, 2)],
      });
      assert.equal(confirmed.status, 'Confirmed');
      assert.ok(confirmed.timeline?.some((e) => e.actor === 'support:sam' && e.kind === 'link'));
      await handle.result();
      await captureHistory(handle, 'registration-resent-confirmed');
    });
  });

  it("a stranger signs up first with someone's address: the owner's own sign-up is a registration of its own, links go to the address at most once a minute, the owner's confirmation wins and closes the stranger's", async () => {
    const scenario = new RegistrationScenario(env);
    await scenario.running(async () => {
      const stranger = await scenario.signUp({ name: 'Mallory', password: 'the strangers password' });
      await status(stranger.handle, 'PendingConfirmation');
      const owner = await scenario.signUp({ name: 'Ada' });
      assert.notEqual(owner.registration.registrationId, stranger.registration.registrationId);
      const waiting = await status(owner.handle, 'PendingConfirmation');
      assert.equal(waiting.linksSent, 0, 'no second link within the minute');
      assert.ok(Date.parse(waiting.confirmBy) - Date.parse(waiting.createdAt) >= 24 * HOUR);
      assert.ok(waiting.timeline?.some((e) => /No link sent now/.test(e.detail)));
      assert.equal(scenario.emails.length, 1);
      assert.equal(
        (await stranger.handle.query(registrationStatusQuery)).name,
        'Mallory',
        'the first unchanged',
      );
      // The owner's own registration has sent nothing, but the address has: refused after a claim.
      await assertTooSoon(
        owner.handle.executeUpdate(resendLinkUpdate, { args: [{ by: 'storefront:shop' }] }),
      );
      assert.equal(scenario.emails.length, 1);

      await env.sleep('2 minutes');
      const resent = await owner.handle.executeUpdate(resendLinkUpdate, {
        args: [{ by: 'storefront:shop' }],
      });
      assert.equal(resent.linksSent, 1);
      await settle(owner.handle);
      const confirmed = await owner.handle.executeUpdate(confirmRegistrationUpdate, {
        args: [scenario.opened(2)],
      });
      assert.equal(confirmed.status, 'Confirmed');
      assert.equal(
        await scenario.store.passwordHashOf(scenario.email),
        owner.passwordHash,
        "the owner's password",
      );

      const closed = await stranger.handle.result();
      assert.equal(closed.lapseReason, 'address_taken');
      assertNothingPersonal(closed, stranger.registration);
      assert.equal(scenario.row(stranger.registration.registrationId).name, '');
      await assert.rejects(
        stranger.handle.executeUpdate(confirmRegistrationUpdate, { args: [scenario.opened(1)] }),
        "the stranger's link confirms nothing: its process has ended",
      );
      await owner.handle.result();
      assert.deepEqual(
        scenario.emails.map((e) => e.category),
        ['registration_confirmation_link', 'registration_confirmation_link', 'registration_welcome'],
      );
      await captureHistory(owner.handle, 'registration-confirmed-closing-another');
      await captureHistory(stranger.handle, 'registration-closed-by-another');
    });
  });

  it("two sign-ups' links both out: the first confirmed wins; the other's link then confirms nothing and it lapses", async () => {
    const scenario = new RegistrationScenario(env);
    await scenario.running(async () => {
      const first = await scenario.signUp({ name: 'Ada' });
      await status(first.handle, 'PendingConfirmation');
      await env.sleep('2 minutes');
      const second = await scenario.signUp({ name: 'Mallory', password: 'the strangers password' });
      assert.equal((await status(second.handle, 'PendingConfirmation')).linksSent, 1);
      const won = await first.handle.executeUpdate(confirmRegistrationUpdate, { args: [scenario.opened(1)] });
      assert.equal(won.status, 'Confirmed');
      // Told to close by the winner, or (if its link is opened first) refused by the store: lapsed either way.
      const late = await second.handle
        .executeUpdate(confirmRegistrationUpdate, { args: [scenario.opened(2)] })
        .then(
          (view) => view.status,
          (err: unknown) => refusalOf(err)?.details.reason,
        );
      assert.ok(late === 'Lapsed' || late === 'lapsed', String(late));
      const lost = await second.handle.result();
      assert.equal(lost.lapseReason, 'address_taken');
      assert.equal(await scenario.store.passwordHashOf(scenario.email), first.passwordHash);
    });
  });

  it('closed by the link page after too many wrong passwords: lapsed now, erased', async () => {
    const scenario = new RegistrationScenario(env);
    await scenario.running(async () => {
      const { handle, registration } = await scenario.signUp();
      await status(handle, 'PendingConfirmation');
      await handle.signal(closeRegistrationSignal, { reason: 'too_many_wrong_passwords' });
      const final = await handle.result();
      assert.equal(final.lapseReason, 'too_many_wrong_passwords');
      assertNothingPersonal(final, registration);
      assert.equal(scenario.row(registration.registrationId).email, '');
    });
  });
});
