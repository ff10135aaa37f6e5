/**
 * A forgotten password's process on the time-skipping server (an hour of link passes in a moment),
 * with the real activities on a SQLite registration store and a recording mailer: the link, its
 * use, its expiry, a newer ask replacing it, and an address no customer has.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createPasswordResetActivities } from '../../activities/password-reset';
import { verifyPassword } from '../../api/registration/passwords';
import { hashPassword } from '../../api/registration/passwords';
import {
  openSqliteRegistrationStore,
  tokenHash,
  type RegistrationStore,
} from '../../store/registration-store';
import { passwordResetWorkflow } from '../../workflows';
import {
  passwordResetStartOptions,
  passwordResetStatusQuery,
  passwordResetUsedSignal,
} from '../../workflows/password-reset/messages';
import { settle } from '../helpers/checkout-scenario';
import { confirmedCustomer } from '../helpers/customers';
import { RecordingAdapters } from '../helpers/recording-adapters';
import { captureHistory, timeSkippingEnv, workflowBundle } from '../helpers/temporal';

const HOUR = 3_600_000;

describe('a forgotten password', () => {
  let env: TestWorkflowEnvironment;
  let registrations: RegistrationStore;
  /** A worker for one test (a worker runs once). */
  let worker: { runUntil: <T>(body: () => Promise<T>) => Promise<T> };
  const recorded = new RecordingAdapters();
  const taskQueue = `password-reset-${randomUUID()}`;

  before(async () => {
    env = await timeSkippingEnv();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'password-reset-'));
    registrations = openSqliteRegistrationStore(path.join(dir, 'app.db'));
    const bundle = await workflowBundle();
    worker = {
      runUntil: async (body) =>
        (
          await Worker.create({
            connection: env.nativeConnection,
            taskQueue,
            workflowBundle: bundle,
            activities: createPasswordResetActivities({
              registrations,
              mailer: recorded.mailer,
              fromEmail: 'hello@example.com',
              publicUrl: 'http://shop.example.com/',
            }),
          })
        ).runUntil(body),
    };
  });
  after(async () => {
    await registrations?.close();
    await env?.teardown();
  });

  async function ask(email: string) {
    const input = {
      resetId: `pwr_${randomUUID().replace(/-/g, '').slice(0, 20)}`,
      email,
      requestedAt: new Date(await env.currentTimeMs()).toISOString(),
      withinMs: HOUR,
    };
    return env.client.workflow.start(passwordResetWorkflow, passwordResetStartOptions(input, taskQueue));
  }

  /** The token in the newest reset email to `to`. */
  function linkTo(to: string): string {
    const email = recorded.emails.filter((e) => e.to === to && e.category === 'password_reset_link').at(-1);
    assert.ok(email, `a reset link went to ${to}`);
    return new URL(/http\S+/.exec(email.text)![0]).searchParams.get('token')!;
  }

  it('the link sets a new password once; the customer is told, and their old sessions end', async () => {
    const customer = await confirmedCustomer(registrations, { email: 'ada@example.com' });
    await worker.runUntil(async () => {
      const handle = await ask('Ada@Example.com');
      await settle(handle);
      assert.equal((await handle.query(passwordResetStatusQuery)).status, 'PendingReset');
      const token = linkTo('ada@example.com');
      const at = new Date(await env.currentTimeMs()).toISOString();
      const used = await registrations.usePasswordResetLink({
        tokenHash: tokenHash(token),
        passwordHash: await hashPassword('a brand new passphrase'),
        at,
      });
      assert.equal(used.kind, 'changed');
      const again = await registrations.usePasswordResetLink({
        tokenHash: tokenHash(token),
        passwordHash: await hashPassword('someone else entirely'),
        at,
      });
      assert.equal(again.kind, 'used', 'a link works once');
      await handle.signal(passwordResetUsedSignal);
      const view = await handle.result();
      assert.equal(view.status, 'Completed');
      assert.equal(view.customerId, customer.customerId);
      assert.deepEqual(
        view.timeline.map((e) => e.kind),
        ['requested', 'link', 'status', 'email'],
      );
      assert.ok(recorded.emails.some((e) => e.to === 'ada@example.com' && e.category === 'password_changed'));
      const hash = await registrations.passwordHashOf('ada@example.com');
      assert.ok(await verifyPassword('a brand new passphrase', hash!));
      assert.equal(await registrations.passwordChangedAt(customer.customerId), Date.parse(at));
      assert.equal((await registrations.getPasswordReset(view.resetId))?.status, 'Completed');
      await captureHistory(handle, 'password-reset-completed');
    });
  });

  it('not used within PASSWORD_RESET_WITHIN: expired, and its link refused', async () => {
    await confirmedCustomer(registrations, { email: 'bo@example.com', name: 'Bo' });
    await worker.runUntil(async () => {
      const handle = await ask('bo@example.com');
      const view = await handle.result();
      assert.equal(view.status, 'Expired');
      const { verdict } = await registrations.passwordResetLink(
        tokenHash(linkTo('bo@example.com')),
        await env.currentTimeMs(),
      );
      assert.equal(verdict, 'expired');
      await captureHistory(handle, 'password-reset-expired');
    });
  });

  it('a newer ask replaces the older: only the newest link works', async () => {
    await confirmedCustomer(registrations, { email: 'cy@example.com', name: 'Cy' });
    await worker.runUntil(async () => {
      const first = await ask('cy@example.com');
      await settle(first);
      const firstToken = linkTo('cy@example.com');
      const limited = await ask('cy@example.com');
      // Its result is not awaited: that would let the clock run to the first link's end.
      await settle(limited);
      assert.equal(
        (await limited.query(passwordResetStatusQuery)).status,
        'Limited',
        'a second link within the minute: none',
      );
      await env.sleep(61_000);
      const second = await ask('cy@example.com');
      await settle(second);
      // Queried, not awaited: awaiting a result lets the clock run to the next timer, the second link's end.
      await settle(first);
      assert.equal((await first.query(passwordResetStatusQuery)).status, 'Replaced');
      const now = await env.currentTimeMs();
      assert.equal((await registrations.passwordResetLink(tokenHash(firstToken), now)).verdict, 'replaced');
      assert.equal(
        (await registrations.passwordResetLink(tokenHash(linkTo('cy@example.com')), now)).verdict,
        'ok',
      );
      assert.equal((await second.query(passwordResetStatusQuery)).status, 'PendingReset');
      await captureHistory(first, 'password-reset-replaced');
      await second.terminate('test over');
    });
  });

  it('an address no customer has: the same process, nothing sent, nothing kept', async () => {
    const before = recorded.emails.length;
    await worker.runUntil(async () => {
      const handle = await ask('nobody@example.com');
      const view = await handle.result();
      assert.equal(view.status, 'NoAccount');
      assert.equal(view.email, undefined);
      assert.equal(await registrations.getPasswordReset(view.resetId), undefined);
      await captureHistory(handle, 'password-reset-no-account');
    });
    assert.equal(recorded.emails.length, before, 'no email');
  });
});
