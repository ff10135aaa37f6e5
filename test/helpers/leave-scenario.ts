/**
 * A leave request driven on the time-skipping server, with the real leave activities on an
 * in-memory SQLite ledger (seeded with the sample organisation) and recording mail and event
 * adapters: start it, send it messages, move the clock, and read what it sent.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createLeaveActivities } from '../../activities/leave';
import type { LeaveSettings } from '../../config/settings';
import type { LeaveRequest } from '../../domain/leave';
import type { LeaveStore } from '../../store/leave-store';
import { SEED_ORGANISATION } from '../../store/seed-organisation';
import { openSqliteLeaveStore } from '../../store/sql-leave-store';
import { employeeTerminationWorkflow, leaveRequestWorkflow } from '../../workflows';
import { leaveWorkflowId, terminationWorkflowId } from '../../workflows/leave/messages';
import { settle } from './checkout-scenario';
import { RecordingAdapters } from './recording-adapters';
import { workflowBundle } from './temporal';

export const LEAVE_TEST_SETTINGS: LeaveSettings = { reminderAfterMs: 2 * 86_400_000, yearStart: '01-01' };

export class LeaveScenario {
  constructor(
    private readonly settings: LeaveSettings = LEAVE_TEST_SETTINGS,
    /** Emails of this kind fail for `forMs` of workflow time after their first attempt (SendGrid down). */
    failing?: { kind: string; forMs: number },
  ) {
    if (failing) this.recorded.failFor = { category: failing.kind, forMs: failing.forMs };
  }
  readonly store: LeaveStore = openSqliteLeaveStore(':memory:');
  readonly recorded = new RecordingAdapters();
  private readonly taskQueue = `leave-${randomUUID()}`;

  /** Emails sent so far: their kind and who to (the address's local part). */
  get sent(): { kind: string; to: string }[] {
    return this.recorded.emails.map((m) => ({ kind: m.category, to: m.to.split('@')[0]! }));
  }

  get published(): { type: string; data: Record<string, unknown> }[] {
    return this.recorded.events;
  }

  async worker(env: TestWorkflowEnvironment): Promise<Worker> {
    await this.store.seedIfEmpty(SEED_ORGANISATION);
    return Worker.create({
      connection: env.nativeConnection,
      taskQueue: this.taskQueue,
      workflowBundle: await workflowBundle(),
      activities: createLeaveActivities({
        leaveStore: this.store,
        mailer: this.recorded.mailer,
        events: this.recorded.publisher,
        settings: this.settings,
        fromEmail: 'people@example.com',
      }),
    });
  }

  start(
    env: TestWorkflowEnvironment,
    request: LeaveRequest,
  ): Promise<WorkflowHandle<typeof leaveRequestWorkflow>> {
    return env.client.workflow.start(leaveRequestWorkflow, {
      workflowId: leaveWorkflowId(request.requestId),
      taskQueue: this.taskQueue,
      args: [request],
    });
  }

  /**
   * HR's termination, run to its end without letting the clock jump meanwhile (awaiting a result
   * would let the time-skipping server run ahead to the next timer, the new leave year).
   */
  async terminate(env: TestWorkflowEnvironment, employeeId: string, lastDay: string): Promise<string[]> {
    const handle = await env.client.workflow.start(employeeTerminationWorkflow, {
      workflowId: terminationWorkflowId(employeeId),
      taskQueue: this.taskQueue,
      args: [{ employeeId, lastDay }],
    });
    await settle(handle);
    return handle.result();
  }

  /** Runs `body` with a worker for this scenario and the request's workflow started. */
  async run<T>(
    env: TestWorkflowEnvironment,
    request: LeaveRequest,
    body: (handle: WorkflowHandle<typeof leaveRequestWorkflow>) => Promise<T>,
  ): Promise<T> {
    const worker = await this.worker(env);
    return worker.runUntil(async () => body(await this.start(env, request)));
  }

  /** Emails since the last call, as `kind→person`, sorted; events likewise by type. */
  take(): { emails: string[]; events: string[] } {
    const emails = this.recorded.emails.splice(0).map((m) => `${m.category}→${m.to.split('@')[0]!}`);
    const events = this.recorded.events.splice(0).map((e) => e.type);
    return { emails: emails.sort(), events: events.sort() };
  }
}
