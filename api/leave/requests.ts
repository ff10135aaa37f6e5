/**
 * A leave request's own routes: placing one, reading it and its timeline, a manager's decision,
 * the employee's withdrawal. Placing records the request (`Submitted`), starts its process and
 * waits a few seconds, through an update, for its first decision (approved at once or pending), so
 * the answer usually says which; with no worker to decide in time, the answer is `Submitted` and
 * `GET /leave-requests/:id` shows the outcome later. An `Idempotency-Key` makes placing safe to
 * repeat. A decision is an update to the request's process, which refuses one beyond the
 * approver's authority with the reason.
 */
import crypto from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import { leaveStartRefusal, leaveYearOf, submittedLeaveView, type LeaveRequest } from '../../domain/leave';
import type { LeaveStore } from '../../store';
import {
  approveLeaveUpdate,
  leaveStartOptions,
  leaveSubmittedUpdate,
  leaveWorkflowId,
  rejectLeaveUpdate,
  withdrawLeaveSignal,
} from '../../workflows/leave/messages';
import { leaveRequestWorkflow } from '../../workflows/leave/workflow';
import { holds, type Caller } from '../auth';
import type { z } from 'zod';
import type { LeaveRequestAnswer } from '../contract';
import { badRequest, conflict, forbidden, HttpError, isTemporalUnavailable } from '../errors';
import { handle, type Mounted } from '../mount';
import { askProcess, noAnswer } from '../updates';
import { leaveAccess } from './access';
import {
  approveLeaveRequest,
  getLeaveRequest,
  leaveRequestBody,
  leaveTimelineRoute,
  placeLeaveRequest,
  rejectLeaveRequest,
  withdrawLeaveRequest,
} from './contract';
import { leaveTimelineOf, peopleOf } from './timeline';

/** The employee reading their own request (HR reads everything, their own included). */
function readsAsTheEmployee(caller: Caller, employeeId: string): boolean {
  return caller.sub === employeeId && !holds(caller, 'hr');
}

export interface LeaveRequestDeps {
  client: Client;
  leaveStore: LeaveStore;
  taskQueue: string;
  /** `MM-DD`, LEAVE_YEAR_START. */
  yearStart: string;
}

/** How long placing a request waits for the process's first decision before answering `Submitted`. */
export const DECISION_DEADLINE_MS = 5_000;

/** Same key and body from the same employee → the same request; the same key, another body → 409. */
function sameRequest(view: LeaveRequestAnswer, body: z.infer<typeof leaveRequestBody>): boolean {
  return (
    view.days === body.days &&
    view.startDate === body.startDate &&
    (view.note ?? null) === (body.note ?? null)
  );
}

/** One key of one employee names one request, whoever else uses the same key. */
function requestIdFor(employeeId: string, key: string | undefined): string {
  return key
    ? `k${crypto.createHash('sha256').update(`${employeeId}\n${key}`).digest('hex').slice(0, 40)}`
    : crypto.randomUUID();
}

export function leaveRequestRoutes(deps: LeaveRequestDeps): Mounted[] {
  const { client, leaveStore, taskQueue, yearStart } = deps;
  const access = leaveAccess(deps);
  const { currentView, mayRead, mayDecide } = access;

  /** The request to place, once the employee and the dates are checked. */
  async function checkedRequest(
    caller: Caller,
    requestId: string,
    body: z.infer<typeof leaveRequestBody>,
  ): Promise<LeaveRequest> {
    const employee = await leaveStore.getEmployee(caller.sub);
    if (!employee) throw forbidden(`${caller.sub} is not an employee on record`);
    const today = new Date().toISOString().slice(0, 10);
    const refused = leaveStartRefusal(
      body.startDate,
      today,
      leaveYearOf(body.startDate, yearStart),
      leaveYearOf(today, yearStart),
    );
    if (refused) throw badRequest(refused.message, [{ field: 'startDate', message: refused.detail }]);
    if (employee.lastDay && (employee.lastDay < today || body.startDate > employee.lastDay)) {
      throw forbidden(
        employee.lastDay < today
          ? `${caller.sub}'s employment ended on ${employee.lastDay}`
          : `${caller.sub}'s employment ends on ${employee.lastDay}: leave may start up to that day`,
        { lastDay: employee.lastDay },
      );
    }
    return {
      requestId,
      employeeId: caller.sub,
      days: body.days,
      startDate: body.startDate,
      note: body.note,
      submittedAt: new Date().toISOString(),
    };
  }

  /** Starts the request's process; false when one with its id was started first (the same key at once). */
  async function startProcess(request: LeaveRequest): Promise<boolean> {
    try {
      await client.workflow.start(leaveRequestWorkflow, leaveStartOptions(request, taskQueue));
      return true;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      return false;
    }
  }

  /** The process's first decision, if a worker takes it within DECISION_DEADLINE_MS. */
  async function firstDecision(requestId: string): Promise<LeaveRequestAnswer | undefined> {
    try {
      const handle = client.workflow.getHandle(leaveWorkflowId(requestId));
      const view = await client.withDeadline(Date.now() + DECISION_DEADLINE_MS, () =>
        handle.executeUpdate(leaveSubmittedUpdate),
      );
      return { ...view, status: view.status ?? 'Submitted' };
    } catch (err) {
      // No worker decided in time (stopped, backlogged): the request is placed all the same.
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isTemporalUnavailable(err))
        return undefined;
      throw err;
    }
  }

  /** The request an Idempotency-Key named before: the same one for the same body, else a 409. */
  async function sameAsBefore(requestId: string, body: z.infer<typeof leaveRequestBody>) {
    const view = await currentView(requestId);
    if (!sameRequest(view, body)) {
      throw conflict('this Idempotency-Key was used for a different leave request', [
        { field: 'Idempotency-Key', message: `already names request ${requestId}` },
      ]);
    }
    return { status: 200 as const, body: view };
  }

  /**
   * A manager's decision, one round trip: the request's update checks the state and the manager's
   * authority (403/409 with the reason) and answers with the request after the decision. A request
   * that has ended takes no decision (409); with no worker to answer in time, 503. The chain is
   * checked first, on every path.
   */
  async function decide(
    caller: Caller,
    requestId: string,
    note: string | undefined,
    update: typeof approveLeaveUpdate,
    /** The status this decision leads to: the same decision repeated is answered with the request. */
    decided: LeaveRequestAnswer['status'],
  ): Promise<LeaveRequestAnswer> {
    await mayDecide(caller, requestId);
    const handle = client.workflow.getHandle(leaveWorkflowId(requestId));
    let answer;
    try {
      answer = await askProcess(client, handle, update, { approverId: caller.sub, note });
    } catch (err) {
      // A repeated message (the decision already taken, a retry after a lost answer) is answered
      // 202 with the request as it is, as the contract asks; 409 is for one it can never take.
      const status = (err as HttpError).details as { status?: string } | undefined;
      if (err instanceof HttpError && err.status === 409 && status?.status === decided) {
        return currentView(requestId);
      }
      throw err;
    }
    if (answer.kind === 'answered') return { ...answer.view, status: answer.view.status ?? 'Submitted' };
    if (answer.kind === 'no_answer') throw noAnswer(`leave request ${requestId}`);
    const view = await currentView(requestId);
    if (view.status === decided) return view;
    throw conflict(`leave request ${requestId} is ${view.status}: it waits for no decision`, {
      reason: 'not_pending',
      status: view.status,
    });
  }

  return [
    handle(placeLeaveRequest, async ({ caller, body, headers }) => {
      const key = headers['Idempotency-Key'];
      const requestId = requestIdFor(caller.sub, key);
      if (key && (await leaveStore.getLeaveRequest(requestId))) return sameAsBefore(requestId, body);
      const request = await checkedRequest(caller, requestId, body);
      const submitted = { ...submittedLeaveView(request, request.submittedAt), status: 'Submitted' as const };
      // Recorded before the process starts: a read answers from it while no worker has run the
      // process, and a termination recorded meanwhile finds the request among the employee's open ones.
      await leaveStore.saveLeaveRequest({ ...request, status: 'Submitted', view: submitted });
      // Two requests with one key at the same instant: the first started it; this one is the same.
      if (!(await startProcess(request))) return sameAsBefore(requestId, body);
      return { status: 202, body: (await firstDecision(requestId)) ?? submitted };
    }),

    handle(getLeaveRequest, async ({ caller, params }) => {
      const view = await currentView(params.id);
      await mayRead(caller, view.employeeId);
      // The employee sees who decided, not a manager's attempt their authority refused (as in the timeline).
      if (readsAsTheEmployee(caller, view.employeeId)) {
        return {
          status: 200,
          body: { ...view, decisions: view.decisions.filter((d) => d.decision !== 'refused') },
        };
      }
      return { status: 200, body: view };
    }),

    handle(leaveTimelineRoute, async ({ caller, params }) => {
      const view = await currentView(params.id);
      await mayRead(caller, view.employeeId);
      const entries = (await leaveStore.entries(view.employeeId)).filter(
        (e) => e.requestId === view.requestId,
      );
      const names = new Map<string, string>();
      for (const id of peopleOf(view)) {
        const employee = await leaveStore.getEmployee(id);
        if (employee) names.set(id, employee.name);
      }
      const reader = { names, isTheEmployee: readsAsTheEmployee(caller, view.employeeId) };
      return {
        status: 200,
        body: { requestId: view.requestId, events: leaveTimelineOf(view, entries, reader) },
      };
    }),

    handle(approveLeaveRequest, async ({ caller, params, body }) => ({
      status: 202,
      body: await decide(caller, params.id, body.note, approveLeaveUpdate, 'Approved'),
    })),

    handle(rejectLeaveRequest, async ({ caller, params, body }) => ({
      status: 202,
      body: await decide(caller, params.id, body.note, rejectLeaveUpdate, 'Rejected'),
    })),

    handle(withdrawLeaveRequest, async ({ caller, params }) => {
      const view = await currentView(params.id);
      if (caller.sub !== view.employeeId)
        throw forbidden('only the employee who asked may withdraw this request');
      try {
        await client.workflow
          .getHandle(leaveWorkflowId(params.id))
          .signal(withdrawLeaveSignal, { by: caller.sub });
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err; // ended: nothing left to withdraw
      }
      return { status: 202, body: await currentView(params.id) };
    }),
  ];
}
