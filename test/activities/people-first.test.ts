/**
 * A person's work goes before a bulk action's, on the dev server (the real matching service and its
 * priorities): while a bulk retry's orders crowd the task queue, a new customer's confirmation
 * link and a manager's approval of a leave request are taken first, not behind the backlog.
 *
 * One worker polls the queue as production's does (checkout, leave and registration together),
 * taking two activities at a time, with RabbitMQ slow to confirm: the paid orders' events wait in
 * Temporal's matching service, where priority orders them. The registration and the leave request
 * are started with the options the API starts them with. Without the priority (tried), the link
 * went after 56 queued events; with it, ahead of at least three quarters of them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createCheckoutActivities, stripeActivitiesOf } from '../../activities/checkout';
import { createStripeClient, createStripeGateway } from '../../activities/checkout/stripe';
import { createLeaveActivities } from '../../activities/leave';
import { createRegistrationActivities } from '../../activities/registration';
import { hashPassword } from '../../api/registration/passwords';
import type { CheckoutSettings } from '../../config/settings';
import type { Registration } from '../../domain/registration';
import { startStatefulFakeStripe } from '../../scripts/http-fakes';
import { SEED_ORGANISATION } from '../../store/seed-organisation';
import { openSqliteLeaveStore } from '../../store/sql-leave-store';
import { openSqliteOrderStore } from '../../store/sql-order-store';
import { openSqliteRegistrationStore } from '../../store/registration-store';
import { checkoutWorkflow, leaveRequestWorkflow, registrationWorkflow } from '../../workflows';
import { checkoutWorkflowId, retryPaymentUpdate } from '../../workflows/checkout/messages';
import { approveLeaveUpdate, leaveStartOptions, leaveStatusQuery } from '../../workflows/leave/messages';
import { registrationStartOptions } from '../../workflows/registration/messages';
import { placedOrder, TEST_SETTINGS } from '../helpers/checkout-scenario';
import { LEAVE_TEST_SETTINGS } from '../helpers/leave-scenario';
import { RecordingAdapters } from '../helpers/recording-adapters';
import { devServerEnv, waitForStatus, workflowBundle } from '../helpers/temporal';

const QUEUE = 'people-first';
const ORDERS = 60;
/** Activities the worker takes at once: the few "in hand" when a person's work arrives. */
const IN_HAND = 2;

/** Which process an activity belongs to, by its name. */
function processOf(name: string, names: Record<string, string[]>): string {
  for (const [process, list] of Object.entries(names)) if (list.includes(name)) return process;
  return 'other';
}

describe('a person’s work before a bulk action’s', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await devServerEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  it('a confirmation link and a manager’s approval are taken before a bulk retry’s backlog', async () => {
    const stripe = await startStatefulFakeStripe();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'people-first-'));
    const orders = openSqliteOrderStore(':memory:');
    const leaveStore = openSqliteLeaveStore(':memory:');
    await leaveStore.seedIfEmpty(SEED_ORGANISATION);
    const registrations = openSqliteRegistrationStore(path.join(dir, 'app.db'));
    const recorded = new RecordingAdapters();
    const settings: CheckoutSettings = {
      ...TEST_SETTINGS,
      orderRemorseWindowMs: 0,
      paymentsTaskQueue: `${QUEUE}-stripe`,
    };
    const checkout = createCheckoutActivities({
      store: orders,
      payments: createStripeGateway(createStripeClient({ secretKey: 'sk_test_123', apiBase: stripe.url })),
      mailer: recorded.mailer,
      events: recorded.publisher,
      settings,
      fromEmail: 'orders@example.com',
    });
    const leave = createLeaveActivities({
      leaveStore,
      mailer: recorded.mailer,
      events: recorded.publisher,
      settings: LEAVE_TEST_SETTINGS,
      fromEmail: 'people@example.com',
    });
    const registration = createRegistrationActivities({
      registrations,
      mailer: recorded.mailer,
      events: recorded.publisher,
      settings: { confirmWithinMs: 86_400_000, sideEffectAlertAfterMs: 15 * 60_000 },
      fromEmail: 'hello@example.com',
      supportEmail: 'support@example.com',
      publicUrl: 'http://shop.example.com/',
    });
    const names = {
      checkout: Object.keys(checkout),
      leave: Object.keys(leave),
      registration: Object.keys(registration),
    };
    /** Every activity the main worker started, in the order it started them. */
    const started: { process: string; name: string; at: number }[] = [];
    const recording = Object.fromEntries(
      Object.entries({ ...checkout, ...leave, ...registration }).map(([name, fn]) => [
        name,
        async (...args: unknown[]) => {
          started.push({ process: processOf(name, names), name, at: Date.now() });
          // RabbitMQ slow to confirm: the orders' events queue up behind the worker's two slots.
          if (name === 'publishOrderEvent') await new Promise((r) => setTimeout(r, 150));
          return (fn as (...a: unknown[]) => unknown)(...args);
        },
      ]),
    );
    const main = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: QUEUE,
      workflowBundle: await workflowBundle(),
      activities: recording,
      maxConcurrentActivityTaskExecutions: IN_HAND,
    });
    const stripeWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: `${QUEUE}-stripe`,
      activities: stripeActivitiesOf(checkout),
    });
    try {
      await main.runUntil(
        stripeWorker.runUntil(async () => {
          // The incident: orders declined, and a manager's decision pending.
          const failed = Array.from({ length: ORDERS }, (_, i) => `declined-${i}`);
          await Promise.all(
            failed.map((orderId) =>
              env.client.workflow.start(checkoutWorkflow, {
                workflowId: checkoutWorkflowId(orderId),
                taskQueue: QUEUE,
                args: [{ ...placedOrder({ orderId, paymentMethod: 'pm_card_chargeDeclined' }), settings }],
              }),
            ),
          );
          for (const id of failed)
            await waitForStatus(env.client.workflow.getHandle(checkoutWorkflowId(id)), 'PaymentFailed');
          const startDate = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
          const request = {
            requestId: 'leave-first',
            employeeId: 'ella',
            days: 27, // two below zero: her manager Mia decides
            startDate,
            submittedAt: new Date().toISOString(),
          };
          const leaveHandle = await env.client.workflow.start(
            leaveRequestWorkflow,
            leaveStartOptions(request, QUEUE),
          );
          for (let i = 0; (await leaveHandle.query(leaveStatusQuery)).status !== 'PendingApproval'; i++) {
            assert.ok(i < 1200, 'the leave request waits for Mia');
            await new Promise((r) => setTimeout(r, 50));
          }

          const passwordHash = await hashPassword('correct horse battery staple');

          // Stripe is back: a bulk action's retries, all at once, crowd the queue.
          const bulkAction = {
            bulkActionId: 'b-people-first',
            startedBy: { actor: 'support:sam', name: 'Sam Sato' },
          };
          const mark = started.length;
          await Promise.all(
            failed.map((id) =>
              env.client.workflow.getHandle(checkoutWorkflowId(id)).startUpdate(retryPaymentUpdate, {
                args: [{ paymentMethod: 'pm_card_visa', requestedBy: 'support:sam', bulkAction }],
                waitForStage: 'ACCEPTED',
              }),
            ),
          );
          // The backlog is there: the worker is working through the paid orders' events.
          const published = () => started.slice(mark).filter((s) => s.name === 'publishOrderEvent').length;
          for (let i = 0; published() < 4; i++) {
            assert.ok(i < 400, 'the retries’ activities run');
            await new Promise((r) => setTimeout(r, 50));
          }

          // Now a customer signs up and Mia approves Ella's leave, as the API does it.
          const signUp: Registration = {
            registrationId: 'reg_people_first',
            email: 'ada@example.com',
            name: 'Ada',
            createdAt: new Date().toISOString(),
          };
          await registrations.openRegistration({ ...signUp, passwordHash });
          const arrived = started.length;
          await env.client.workflow.start(registrationWorkflow, registrationStartOptions(signUp, QUEUE));
          await leaveHandle.executeUpdate(approveLeaveUpdate, { args: [{ approverId: 'mia' }] });
          const position = (name: string) => {
            const at = started.findIndex((s, i) => i >= arrived && s.name === name);
            return at < 0 ? undefined : at;
          };
          for (
            let i = 0;
            position('sendConfirmationLink') === undefined || position('emailLeave') === undefined;
            i++
          ) {
            assert.ok(
              i < 1200,
              `the link and the approval were sent (${JSON.stringify(started.slice(arrived))})`,
            );
            await new Promise((r) => setTimeout(r, 50));
          }
          const link = position('sendConfirmationLink')!;
          const approval = position('emailLeave')!;
          for (const id of failed)
            await waitForStatus(env.client.workflow.getHandle(checkoutWorkflowId(id)), 'Paid');
          const paidEvents = () => recorded.events.filter((e) => e.type === 'order.paid').length;
          for (let i = 0; paidEvents() < ORDERS; i++) {
            assert.ok(i < 600, `every order.paid was published (${paidEvents()})`);
            await new Promise((r) => setTimeout(r, 50));
          }
          // The queue's backlog: the paid orders' events (the orders' status records are local
          // activities, run by the worker beside their workflow task, never queued).
          const events = (from: number, to = started.length) =>
            started.slice(from, to).filter((s) => s.name === 'publishOrderEvent').length;
          // Behind the backlog, each would have waited for every event queued before it (the queue
          // is first in, first out within a priority: without the priority the link went after 56
          // of about 60). First in line, they wait only for the few the worker has in hand while the
          // registration's and the leave request's own earlier steps (each a workflow task and an
          // activity of their own) go through: on a busy machine a few more.
          const later = events(Math.max(link, approval));
          assert.ok(later >= 20, `a backlog was there: ${later} of the orders' events were sent after them`);
          for (const [what, at] of [
            ['the link', link],
            ["the approval's email", approval],
          ] as const) {
            const before = events(arrived, at);
            assert.ok(
              before * 4 < before + events(at),
              `${what} went after ${before} of the ${before + events(at)} events queued or arriving`,
            );
          }
          assert.equal(
            recorded.emails.filter((e) => e.category === 'registration_confirmation_link').length,
            1,
          );
        }),
      );
    } finally {
      await orders.close();
      await leaveStore.close();
      await registrations.close();
      await stripe.close();
    }
  });
});
