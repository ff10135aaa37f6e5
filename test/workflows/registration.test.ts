/**
 * The registration process on the time-skipping server, with the real registration activities on
 * a SQLite store and recording mail and event adapters: confirm, the double click, lapse, a fresh
 * link replacing the old one, and what the history never holds.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createRegistrationActivities } from '../../activities/registration';
import type { EventPublisher, Mailer } from '../../activities/adapters/ports';
import { hashPassword, verifyPassword } from '../../api/registrations/passwords';
import type { Registration, RegistrationView } from '../../domain/registration';
import {
  openSqliteRegistrationStore,
  tokenHash,
  type RegistrationStore,
} from '../../store/registration-store';
import { registrationWorkflow } from '../../workflows';
import {
  confirmRegistrationUpdate,
  registrationStatusQuery,
  registrationWorkflowId,
  resendLinkUpdate,
} from '../../workflows/registration/messages';
import { refusalOf } from '../../workflows/refusal';
import { settle } from '../helpers/checkout-scenario';
import { captureHistory, timeSkippingEnv, workflowBundle } from '../helpers/temporal';

const HOUR = 3_600_000;
const PASSWORD = 'correct horse battery staple';

class RegistrationScenario {
  readonly store: RegistrationStore = openSqliteRegistrationStore(':memory:');
  readonly emails: { category: string; to: string; text: string }[] = [];
  readonly events: { type: string; data: Record<string, unknown> }[] = [];
  private readonly taskQueue = `registration-${randomUUID()}`;
  passwordHash = '';

  async worker(env: TestWorkflowEnvironment): Promise<Worker> {
    const mailer: Mailer = {
      name: 'recording',
      send: async (m) => void this.emails.push({ category: m.category, to: m.to, text: m.text }),
    };
    const events: EventPublisher = {
      name: 'recording',
      publish: async (e) => void this.events.push({ type: e.type, data: e.data }),
      close: async () => undefined,
    };
    return Worker.create({
      connection: env.nativeConnection,
      taskQueue: this.taskQueue,
      workflowBundle: await workflowBundle(),
      activities: createRegistrationActivities({
        registrations: this.store,
        mailer,
        events,
        settings: { confirmWithinMs: 24 * HOUR, sideEffectAlertAfterMs: 15 * 60_000 },
        fromEmail: 'hello@example.com',
        supportEmail: 'support@example.com',
        publicUrl: 'http://shop.example.com/',
      }),
    });
  }

  /** What the API does: stores the address and the password's hash, then starts the process. */
  async run<T>(
    env: TestWorkflowEnvironment,
    body: (handle: WorkflowHandle<typeof registrationWorkflow>, registration: Registration) => Promise<T>,
  ): Promise<T> {
    const registration: Registration = {
      registrationId: `reg_${randomUUID().replace(/-/g, '').slice(0, 20)}`,
      email: `Ada.${randomUUID().slice(0, 8)}@Example.com`,
      name: 'Ada',
      createdAt: new Date(await env.currentTimeMs()).toISOString(),
    };
    this.passwordHash = await hashPassword(PASSWORD);
    const opened = await this.store.openRegistration({ ...registration, passwordHash: this.passwordHash });
    assert.equal(opened.kind, 'opened');
    const worker = await this.worker(env);
    return worker.runUntil(async () =>
      body(
        await env.client.workflow.start(registrationWorkflow, {
          workflowId: registrationWorkflowId(registration.registrationId),
          taskQueue: this.taskQueue,
          args: [registration],
        }),
        registration,
      ),
    );
  }

  /** The link in the n-th confirmation email, as the customer opens it. */
  link(n: number): { url: URL; opened: { linkNumber: number; tokenHash: string } } {
    const emails = this.emails.filter((e) => e.category === 'registration_confirmation_link');
    const email = emails[n - 1];
    assert.ok(email, `confirmation email ${n} was sent (${emails.length} were)`);
    const url = new URL(/http\S+/.exec(email.text)![0]);
    const token = url.searchParams.get('token')!;
    return { url, opened: { linkNumber: n, tokenHash: tokenHash(token) } };
  }

  categories(): string[] {
    return this.emails.map((e) => e.category);
  }
}

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

describe('registration', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await timeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  it('emails a one-time link; opened, the customer is written, announced and welcomed; the history holds no password, hash or token', async () => {
    const scenario = new RegistrationScenario();
    await scenario.run(env, async (handle, registration) => {
      const pending = await status(handle, 'PendingConfirmation');
      assert.equal(pending.linksSent, 1);
      assert.equal(Date.parse(pending.confirmBy) - Date.parse(pending.linkSentAt[0]!), 24 * HOUR);
      const { url, opened } = scenario.link(1);
      assert.equal(url.origin + url.pathname, 'http://shop.example.com/registrations/confirm');
      assert.match(url.searchParams.get('token')!, /^[\w-]{43}$/);
      assert.ok(
        !url.href.includes(registration.registrationId),
        'the link does not carry the registration id',
      );
      assert.equal(scenario.emails[0]!.to, registration.email);

      const confirmed = await handle.executeUpdate(confirmRegistrationUpdate, { args: [opened] });
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
      for (const secret of [PASSWORD, scenario.passwordHash, scenario.passwordHash.split('$')[3]!, token]) {
        assert.ok(!history.includes(secret), 'the history never holds the password, its hash or the token');
      }
      await captureHistory(handle, 'registration-confirmed');
    });
  });

  it('a double click: both answered with the confirmed registration, one customer, one welcome', async () => {
    const scenario = new RegistrationScenario();
    await scenario.run(env, async (handle) => {
      await status(handle, 'PendingConfirmation');
      const { opened } = scenario.link(1);
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

  it('no click in 24 hours: lapsed, nothing written, the credentials erased, the address free again', async () => {
    const scenario = new RegistrationScenario();
    await scenario.run(env, async (handle, registration) => {
      await status(handle, 'PendingConfirmation');
      const final = await handle.result(); // the server skips the day
      assert.equal(final.status, 'Lapsed');
      assert.ok(Date.parse(final.lapsedAt!) - Date.parse(final.createdAt) >= 24 * HOUR);
      assert.deepEqual(scenario.categories(), ['registration_confirmation_link']);
      assert.deepEqual(scenario.events, []);
      assert.equal((await scenario.store.getRegistration(registration.registrationId))?.status, 'Lapsed');
      assert.equal(await scenario.store.passwordHashOf(registration.email), undefined);
      const again = await scenario.store.openRegistration({
        registrationId: 'reg_again',
        email: registration.email,
        name: 'Ada',
        passwordHash: 'x',
        createdAt: new Date().toISOString(),
      });
      assert.equal(again.kind, 'opened', 'the address is free again');
      await captureHistory(handle, 'registration-lapsed');
    });
  });

  it('a fresh link replaces the old one and moves the deadline; links are limited to one a minute', async () => {
    const scenario = new RegistrationScenario();
    await scenario.run(env, async (handle) => {
      await status(handle, 'PendingConfirmation');
      assert.deepEqual(
        await refusalReason(handle.executeUpdate(resendLinkUpdate, { args: [{ by: 'storefront:shop' }] })),
        {
          reason: 'too_soon',
          status: 'PendingConfirmation',
          retryAfterSeconds: 60,
        },
      );
      await env.sleep('2 minutes');
      const resent = await handle.executeUpdate(resendLinkUpdate, { args: [{ by: 'support:sam' }] });
      assert.equal(resent.linksSent, 2);
      await settle(handle);
      assert.deepEqual(
        await refusalReason(
          handle.executeUpdate(confirmRegistrationUpdate, { args: [scenario.link(1).opened] }),
        ),
        { reason: 'link_replaced', status: 'PendingConfirmation' },
      );
      await env.sleep('23 hours');
      await env.sleep('59 minutes'); // past the first link's day, inside the second's
      await status(handle, 'PendingConfirmation');
      const confirmed = await handle.executeUpdate(confirmRegistrationUpdate, {
        args: [scenario.link(2).opened],
      });
      assert.equal(confirmed.status, 'Confirmed');
      assert.ok(confirmed.timeline?.some((e) => e.actor === 'support:sam' && e.kind === 'link'));
      await handle.result();
      await captureHistory(handle, 'registration-resent-confirmed');
    });
  });
});
