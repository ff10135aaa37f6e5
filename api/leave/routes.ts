/**
 * The leave part of the public contract. A request is a workflow (`leave-<requestId>`); placing
 * one records it (`Submitted`), starts it and waits a few seconds, through an update, for its
 * first decision (approved at once or pending), so the answer usually says which; with no worker
 * to decide in time, the answer is `Submitted` and `GET /leave-requests/:id` shows the outcome
 * later. An `Idempotency-Key` makes placing safe to repeat. Who may see or decide what follows
 * the contract: an employee their own, their manager chain and HR more. A decision is an update to
 * the request's process, which refuses one beyond the approver's authority with the reason.
 */
import crypto from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { Router, type Request } from 'express';
import { z } from 'zod';
import {
  decideApproval,
  LEAVE_YEARS_AHEAD,
  leaveYearOf,
  NEGATIVE_BALANCE_LIMIT,
  nearestApprover,
  type LeaveRequest,
  type LeaveView,
} from '../../domain/leave';
import type { Employee, LeaveStore, StoredLeaveRequest } from '../../store';
import {
  approveLeaveUpdate,
  leaveStatusQuery,
  leaveSubmittedUpdate,
  leaveWorkflowId,
  rejectLeaveUpdate,
  terminationWorkflowId,
  withdrawLeaveSignal,
} from '../../workflows/leave/messages';
import { holds, requireRole } from '../auth';
import {
  decisionBody,
  leaveListQuery,
  leaveRequestBody,
  terminationBody,
  type LeaveBalanceAnswer,
  type LeaveList,
  type LeaveListItem,
  type LeaveTimeline,
} from './contract';
import { leaveTimelineOf } from './timeline';
import { conflict, HttpError, isTemporalUnavailable, notFound } from '../errors';
import { askWithinDeadline } from '../reads';
import { askProcess, noAnswer } from '../updates';
import { parseBody, parseQuery } from '../schemas';
import { decodeCursor, encodeCursor } from '../../store/lists';

export interface LeaveDeps {
  client: Client;
  leaveStore: LeaveStore;
  taskQueue: string;
  /** `MM-DD`, LEAVE_YEAR_START. */
  yearStart: string;
}

const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** An Idempotency-Key header: printable ASCII, as the IETF draft and Stripe allow. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** How long placing a request waits for the process's first decision before answering `Submitted`. */
export const DECISION_DEADLINE_MS = 5_000;
export { decisionBody, leaveRequestBody, terminationBody };

const forbidden = (message: string, details?: unknown): HttpError =>
  new HttpError(403, 'forbidden', message, details);

function caller(req: Request): { sub: string } {
  if (!req.caller) throw new HttpError(401, 'unauthorized', 'a bearer token is required');
  return req.caller;
}

export function leaveRouter({ client, leaveStore, taskQueue, yearStart }: LeaveDeps): Router {
  const router = Router();

  async function employeeOr404(id: string): Promise<Employee> {
    const employee = REQUEST_ID.test(id) ? await leaveStore.getEmployee(id) : undefined;
    if (!employee) throw notFound(`employee ${id}`);
    return employee;
  }

  /** The employee themself, a manager in their chain, or HR; anyone else gets a 403. */
  async function mayRead(req: Request, employeeId: string): Promise<void> {
    const { sub } = caller(req);
    if (holds(req.caller, 'hr') || sub === employeeId) return;
    if (holds(req.caller, 'manager') && (await inChain(sub, employeeId))) return;
    throw forbidden(`only ${employeeId}, their manager chain and HR may see this`);
  }

  async function inChain(managerId: string, employeeId: string): Promise<boolean> {
    return (await leaveStore.managerChain(employeeId)).some((m) => m.id === managerId);
  }

  /** Only a manager in the employee's chain decides a request; anyone else gets a 403 and nothing of it. */
  async function mayDecide(req: Request, requestId: string): Promise<void> {
    const stored = await leaveStore.getLeaveRequest(requestId);
    const employeeId = stored?.employeeId ?? (await currentView(requestId)).employeeId;
    const { sub } = caller(req);
    if (await inChain(sub, employeeId)) return;
    throw forbidden(`${sub} is not in the employee's manager chain: only it decides this request`, {
      reason: 'not_in_chain',
    });
  }

  /** The view answered while the process has not decided: what was recorded at the click. */
  function withStatus(view: LeaveView): LeaveView & { status: NonNullable<LeaveView['status']> } {
    return { ...view, status: view.status ?? 'Submitted' };
  }

  /**
   * The request as its workflow sees it; the stored copy when the workflow is gone, or when no
   * worker answers within QUERY_DEADLINE_MS.
   */
  async function currentView(requestId: string): Promise<LeaveView> {
    if (!REQUEST_ID.test(requestId)) throw notFound(`leave request ${requestId}`);
    try {
      return withStatus(
        await askWithinDeadline(client, () =>
          client.workflow.getHandle(leaveWorkflowId(requestId)).query(leaveStatusQuery),
        ),
      );
    } catch (err) {
      const stored = await leaveStore.getLeaveRequest(requestId);
      if (stored?.view) return withStatus({ ...(stored.view as LeaveView), status: stored.status });
      if (err instanceof WorkflowNotFoundError) throw notFound(`leave request ${requestId}`);
      throw err;
    }
  }

  async function signal(
    requestId: string,
    definition: Parameters<ReturnType<Client['workflow']['getHandle']>['signal']>[0],
    arg: unknown,
  ): Promise<void> {
    try {
      await client.workflow.getHandle(leaveWorkflowId(requestId)).signal(definition, arg);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err; // ended: nothing left to decide
    }
  }

  /** Same key and body from the same employee → the same request; the same key, another body → 409. */
  function sameRequest(view: LeaveView, body: z.infer<typeof leaveRequestBody>): boolean {
    return (
      view.days === body.days &&
      view.startDate === body.startDate &&
      (view.note ?? null) === (body.note ?? null)
    );
  }

  router.post('/leave-requests', requireRole('employee'), async (req, res) => {
    const body = parseBody(leaveRequestBody, req.body);
    const { sub } = caller(req);
    const key = req.get('idempotency-key');
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new HttpError(
        400,
        'bad_request',
        'the Idempotency-Key header must be 1 to 255 printable characters',
        [{ field: 'Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' }],
      );
    }
    // One key of one employee names one request, whoever else uses the same key.
    const requestId = key
      ? `k${crypto.createHash('sha256').update(`${sub}\n${key}`).digest('hex').slice(0, 40)}`
      : crypto.randomUUID();
    if (key) {
      const earlier = await leaveStore.getLeaveRequest(requestId);
      if (earlier) {
        const view = await currentView(requestId);
        if (!sameRequest(view, body)) {
          throw conflict('this Idempotency-Key was used for a different leave request', [
            { field: 'Idempotency-Key', message: `already names request ${requestId}` },
          ]);
        }
        res.status(200).json({ ...view, requestId, status: view.status });
        return;
      }
    }

    const employee = await leaveStore.getEmployee(sub);
    if (!employee) throw forbidden(`${sub} is not an employee on record`);
    const today = new Date().toISOString().slice(0, 10);
    if (body.startDate < today) {
      throw new HttpError(400, 'bad_request', 'the leave cannot start in the past', [
        { field: 'startDate', message: `must be ${today} or later` },
      ]);
    }
    const lastYear = leaveYearOf(today, yearStart) + LEAVE_YEARS_AHEAD;
    if (leaveYearOf(body.startDate, yearStart) > lastYear) {
      throw new HttpError(
        400,
        'bad_request',
        `leave can be requested up to ${LEAVE_YEARS_AHEAD} leave years ahead`,
        [{ field: 'startDate', message: `must fall in leave year ${lastYear} or earlier` }],
      );
    }
    if (employee.lastDay && (employee.lastDay < today || body.startDate > employee.lastDay)) {
      throw forbidden(
        employee.lastDay < today
          ? `${sub}'s employment ended on ${employee.lastDay}`
          : `${sub}'s employment ends on ${employee.lastDay}: leave may start up to that day`,
        { lastDay: employee.lastDay },
      );
    }
    const request: LeaveRequest = {
      requestId,
      employeeId: sub,
      days: body.days,
      startDate: body.startDate,
      note: body.note,
      submittedAt: new Date().toISOString(),
    };
    const submitted: LeaveView = {
      requestId,
      employeeId: sub,
      days: body.days,
      startDate: body.startDate,
      note: body.note,
      status: 'Submitted',
      submittedAt: request.submittedAt,
      updatedAt: request.submittedAt,
      approvers: [],
      decisions: [],
      remindersSent: 0,
    };
    // Recorded before the process starts: a read answers from it while no worker has run the
    // process, and a termination recorded meanwhile finds the request among the employee's open ones.
    await leaveStore.saveLeaveRequest({ ...request, status: 'Submitted', view: submitted });
    const handle = client.workflow.getHandle(leaveWorkflowId(requestId));
    try {
      await client.workflow.start('leaveRequestWorkflow', {
        workflowId: leaveWorkflowId(requestId),
        taskQueue,
        args: [request],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        staticSummary: `Leave for ${sub}: ${body.days} day(s) from ${body.startDate}`,
      });
    } catch (err) {
      // Two requests with one key at the same instant: the first started it; this one is the same.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const view = await currentView(requestId);
      if (!sameRequest(view, body))
        throw conflict('this Idempotency-Key was used for a different leave request');
      res.status(200).json({ ...view, requestId, status: view.status });
      return;
    }
    let view: LeaveView = submitted;
    try {
      view = await client.withDeadline(Date.now() + DECISION_DEADLINE_MS, () =>
        handle.executeUpdate(leaveSubmittedUpdate),
      );
    } catch (err) {
      // No worker decided in time (stopped, backlogged): the request is placed all the same.
      const timedOut = err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isTemporalUnavailable(err);
      if (!timedOut) throw err;
    }
    res.status(202).json({ ...view, requestId, status: view.status ?? 'Submitted' });
  });

  /** Everyone whose manager chain includes `managerId`. */
  async function reportsOf(managerId: string): Promise<Employee[]> {
    const everyone = await leaveStore.listEmployees();
    const byId = new Map(everyone.map((e) => [e.id, e]));
    return everyone.filter((e) => {
      for (
        let up = e.managerId, hops = 0;
        up && hops < everyone.length;
        up = byId.get(up)?.managerId, hops++
      ) {
        if (up === managerId) return true;
      }
      return false;
    });
  }

  router.get('/leave-requests', requireRole('employee', 'manager', 'hr'), async (req, res) => {
    const query = parseQuery(leaveListQuery, req.query);
    if ((query.awaiting === undefined) === (query.employeeId === undefined)) {
      throw new HttpError(
        400,
        'bad_request',
        'name either awaiting=me or employeeId=…, not both or neither',
        [
          {
            field: query.awaiting ? 'employeeId' : 'awaiting',
            message: 'give exactly one of awaiting and employeeId',
          },
        ],
      );
    }
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !after) {
      throw new HttpError(
        400,
        'bad_request',
        'the cursor is not one this API gave out; start again without it',
        [{ field: 'cursor', message: "must be a previous page's nextCursor" }],
      );
    }
    const limit = query.limit ?? 25;
    const { sub } = caller(req);
    let answer: LeaveList;
    if (query.awaiting) {
      if (!holds(req.caller, 'manager')) throw forbidden('awaiting=me lists what waits for a manager');
      const reports = await reportsOf(sub);
      const names = new Map(reports.map((e) => [e.id, e.name]));
      const page = await leaveStore.listLeaveRequests({
        employeeIds: reports.map((e) => e.id),
        status: 'PendingApproval',
        limit,
        after,
      });
      const approver = await leaveStore.getEmployee(sub);
      const leaveRequests = await Promise.all(
        page.items.map(async (stored): Promise<LeaveListItem> => {
          const view = (stored.view ?? {}) as Partial<LeaveView>;
          const year = view.leaveYear ?? leaveYearOf(stored.startDate, yearStart);
          const chain = await leaveStore.managerChain(stored.employeeId);
          const balance = await leaveStore.balance(stored.employeeId, year);
          const decision = decideApproval({
            approver: { id: sub, rank: approver?.rank ?? 'employee' },
            chain,
            balance,
            days: stored.days,
          });
          const item: LeaveListItem = {
            ...listItem(stored, names.get(stored.employeeId)),
            balanceAfter: balance - stored.days,
            canApprove: decision.allowed,
          };
          if (!decision.allowed) {
            const able = nearestApprover(chain, balance - stored.days);
            const ableName = able ? ((await leaveStore.getEmployee(able.id))?.name ?? able.id) : undefined;
            item.reason = decision.reason;
            item.whoCan = able?.id;
            item.reasonText = `${decision.message}. ${
              able
                ? `${ableName} (${able.rank === 'vp' ? 'VP' : able.rank}) can approve it.`
                : 'No one in the chain may approve this much.'
            }`;
          }
          return item;
        }),
      );
      answer = { leaveRequests, ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}) };
    } else {
      const employee = await employeeOr404(query.employeeId!);
      await mayRead(req, employee.id);
      const page = await leaveStore.listLeaveRequests({ employeeIds: [employee.id], limit, after });
      answer = {
        leaveRequests: page.items.map((stored) => listItem(stored, employee.name)),
        ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}),
      };
    }
    res.json(answer);
  });

  router.get('/leave-requests/:id/timeline', requireRole('employee', 'manager', 'hr'), async (req, res) => {
    const view = await currentView(req.params.id as string);
    await mayRead(req, view.employeeId);
    const entries = (await leaveStore.entries(view.employeeId)).filter((e) => e.requestId === view.requestId);
    const answer: LeaveTimeline = { requestId: view.requestId, events: leaveTimelineOf(view, entries) };
    res.json(answer);
  });

  router.get('/leave-requests/:id', requireRole('employee', 'manager', 'hr'), async (req, res) => {
    const view = await currentView(req.params.id as string);
    await mayRead(req, view.employeeId);
    res.json(view);
  });

  /**
   * A manager's decision, one round trip: the request's update checks the state and the manager's
   * authority (403/409 with the reason) and answers with the request after the decision. A request
   * that has ended takes no decision (409); with no worker to answer in time, 503. (Both updates
   * take and answer the same types.)
   */
  async function decide(
    req: Request,
    update: typeof approveLeaveUpdate,
    /** The status this decision leads to: the same decision repeated is answered with the request. */
    decided: LeaveView['status'],
  ): Promise<LeaveView> {
    const requestId = req.params.id as string;
    const body = parseBody(decisionBody, req.body);
    if (!REQUEST_ID.test(requestId)) throw notFound(`leave request ${requestId}`);
    // Who may decide comes first, on every path: a manager outside the chain learns nothing of
    // the request, whether it waits, was decided already or has ended.
    await mayDecide(req, requestId);
    const handle = client.workflow.getHandle(leaveWorkflowId(requestId));
    let answer;
    try {
      answer = await askProcess(client, handle, update, { approverId: caller(req).sub, note: body.note });
    } catch (err) {
      // A repeated message (the decision already taken, a retry after a lost answer) is answered
      // 202 with the request as it is, as the contract asks; 409 is for one it can never take.
      const status = (err as HttpError).details as { status?: string } | undefined;
      if (err instanceof HttpError && err.status === 409 && status?.status === decided) {
        return currentView(requestId);
      }
      throw err;
    }
    if (answer.kind === 'answered') return answer.view;
    if (answer.kind === 'no_answer') throw noAnswer(`leave request ${requestId}`);
    const view = await currentView(requestId);
    await mayRead(req, view.employeeId);
    if (view.status === decided) return view;
    throw conflict(`leave request ${requestId} is ${view.status}: it waits for no decision`, {
      reason: 'not_pending',
      status: view.status,
    });
  }

  router.post('/leave-requests/:id/approve', requireRole('manager'), async (req, res) => {
    const view = await decide(req, approveLeaveUpdate, 'Approved');
    res.status(202).json({ ...view, status: view.status });
  });

  router.post('/leave-requests/:id/reject', requireRole('manager'), async (req, res) => {
    const view = await decide(req, rejectLeaveUpdate, 'Rejected');
    res.status(202).json({ ...view, status: view.status });
  });

  router.post('/leave-requests/:id/withdraw', requireRole('employee'), async (req, res) => {
    const requestId = req.params.id as string;
    parseBody(z.strictObject({}), req.body);
    const view = await currentView(requestId);
    const { sub } = caller(req);
    if (sub !== view.employeeId) throw forbidden(`only ${view.employeeId} may withdraw this request`);
    await signal(requestId, withdrawLeaveSignal, { by: sub });
    const after = await currentView(requestId);
    res.status(202).json({ ...after, requestId, status: after.status });
  });

  // A termination is recorded once: a second one for the same last day answers the first (200), one
  // for another day is a conflict (409); neither starts another process.
  router.post('/employees/:id/termination', requireRole('hr'), async (req, res) => {
    const body = parseBody(terminationBody, req.body);
    const employee = await employeeOr404(req.params.id as string);
    const answerRecorded = (lastDay: string): void => {
      if (lastDay !== body.lastDay) {
        throw conflict(`${employee.id}'s termination is already recorded with last day ${lastDay}`, {
          lastDay,
        });
      }
      res.status(200).json({ employeeId: employee.id, lastDay });
    };
    if (employee.lastDay) return answerRecorded(employee.lastDay);
    try {
      await client.workflow.start('employeeTerminationWorkflow', {
        workflowId: terminationWorkflowId(employee.id),
        taskQueue,
        args: [{ employeeId: employee.id, lastDay: body.lastDay }],
        memo: { lastDay: body.lastDay },
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        staticSummary: `Termination of ${employee.id}, last day ${body.lastDay}`,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      // Started before and still recording it: its memo says which last day.
      const described = await client.workflow.getHandle(terminationWorkflowId(employee.id)).describe();
      const lastDay = described.memo?.lastDay;
      return answerRecorded(typeof lastDay === 'string' ? lastDay : body.lastDay);
    }
    res.status(202).json({ employeeId: employee.id, lastDay: body.lastDay });
  });

  router.get('/employees', requireRole('hr'), async (_req, res) => {
    const year = leaveYearOf(new Date(), yearStart);
    const employees = await leaveStore.listEmployees();
    res.json({
      leaveYear: year,
      employees: await Promise.all(
        employees.map(async (e) => ({
          id: e.id,
          name: e.name,
          managerId: e.managerId ?? null,
          rank: e.rank,
          balance: await leaveStore.balance(e.id, year),
          dailyRate: e.dailyRate,
          ...(e.lastDay ? { lastDay: e.lastDay } : {}),
        })),
      ),
    });
  });

  router.get('/employees/:id/leave-balance', requireRole('employee', 'manager', 'hr'), async (req, res) => {
    const employee = await employeeOr404(req.params.id as string);
    await mayRead(req, employee.id);
    const asked = typeof req.query.leaveYear === 'string' ? req.query.leaveYear : undefined;
    if (asked !== undefined && !/^\d{4}$/.test(asked)) {
      throw new HttpError(400, 'bad_request', 'leaveYear must be a year such as 2027', [
        { field: 'leaveYear', message: 'must be four digits' },
      ]);
    }
    const year = asked ? Number(asked) : leaveYearOf(new Date(), yearStart);
    const chain = await leaveStore.managerChain(employee.id);
    const approvers: LeaveBalanceAnswer['approvers'] = await Promise.all(
      chain.map(async (m) => ({
        id: m.id,
        name: (await leaveStore.getEmployee(m.id))?.name ?? m.id,
        rank: m.rank,
        lowestBalance: -NEGATIVE_BALANCE_LIMIT[m.rank],
      })),
    );
    res.json({
      approvers,
      employeeId: employee.id,
      leaveYear: year,
      allowance: employee.annualAllowance,
      // Less what earlier years still owe this one (deducted when it starts): what a request sees.
      balance: await leaveStore.balance(employee.id, year),
      owedFromEarlierYears: await leaveStore.owed(employee.id, year),
      entries: (await leaveStore.entries(employee.id)).map((e) => ({
        leaveYear: e.leaveYear,
        kind: e.kind,
        days: e.days,
        requestId: e.requestId,
        amount: e.amount,
        at: e.createdAt,
      })),
    });
  });

  return router;
}

/** A stored request as a list shows it. */
function listItem(stored: StoredLeaveRequest, employeeName: string | undefined): LeaveListItem {
  const view = (stored.view ?? {}) as Partial<LeaveView>;
  return {
    requestId: stored.requestId,
    employeeId: stored.employeeId,
    ...(employeeName ? { employeeName } : {}),
    days: stored.days,
    startDate: stored.startDate,
    status: stored.status,
    ...(view.note ? { note: view.note } : {}),
    ...(view.submittedAt ? { submittedAt: view.submittedAt } : {}),
    updatedAt: stored.updatedAt,
  };
}
