/**
 * The leave part of the public contract. A request is a workflow (`leave-<requestId>`); placing
 * one starts it and waits, through an update, for its first decision (approved at once or
 * pending), so the answer says which. Who may see or decide what follows API.md: an employee their
 * own, their manager chain and HR more; an approval beyond the approver's authority is refused here
 * with the reason, before anything is signalled (the workflow checks again, atomically).
 */
import crypto from 'node:crypto';
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { LeaveRequest } from '../activities/leave-types';
import {
  decideApproval,
  isCalendarDate,
  isValidLeaveDays,
  leaveYearOf,
  type LeaveView,
} from '../domain/leave';
import type { Employee, LeaveStore } from '../store';
import {
  approveLeaveSignal,
  leaveStatusQuery,
  leaveSubmittedUpdate,
  leaveWorkflowId,
  rejectLeaveSignal,
  terminationWorkflowId,
  withdrawLeaveSignal,
} from '../workflows/definitions';
import { requireRole } from './auth';
import { HttpError, notFound } from './errors';
import { parseBody } from './schemas';

export interface LeaveDeps {
  client: Client;
  leaveStore: LeaveStore;
  taskQueue: string;
  /** `MM-DD`, LEAVE_YEAR_START. */
  yearStart: string;
}

const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;
const calendarDate = z.string().refine(isCalendarDate, 'must be a date written YYYY-MM-DD');
const note = z.string().max(500).optional();

export const leaveRequestBody = z.strictObject({
  days: z.number('must be a number').refine(isValidLeaveDays, 'must be a positive multiple of 0.5 days'),
  startDate: calendarDate,
  note,
});
export const decisionBody = z.strictObject({ note });
export const terminationBody = z.strictObject({ lastDay: calendarDate });

const forbidden = (message: string, details?: unknown): HttpError =>
  new HttpError(403, 'forbidden', message, details);

function caller(req: Request): { sub: string; role: string } {
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
    const { sub, role } = caller(req);
    if (role === 'hr' || sub === employeeId) return;
    if (role === 'manager' && (await inChain(sub, employeeId))) return;
    throw forbidden(`only ${employeeId}, their manager chain and HR may see this`);
  }

  async function inChain(managerId: string, employeeId: string): Promise<boolean> {
    return (await leaveStore.managerChain(employeeId)).some((m) => m.id === managerId);
  }

  /** The request as its workflow sees it; the stored copy when the workflow is gone or unreachable. */
  async function currentView(requestId: string): Promise<LeaveView> {
    if (!REQUEST_ID.test(requestId)) throw notFound(`leave request ${requestId}`);
    try {
      return await client.workflow.getHandle(leaveWorkflowId(requestId)).query(leaveStatusQuery);
    } catch (err) {
      const stored = await leaveStore.getLeaveRequest(requestId);
      if (stored?.view) return stored.view as LeaveView;
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

  router.post('/leave-requests', requireRole('employee'), async (req, res) => {
    const body = parseBody(leaveRequestBody, req.body);
    const { sub } = caller(req);
    const employee = await leaveStore.getEmployee(sub);
    if (!employee) throw forbidden(`${sub} is not an employee on record`);
    if (employee.lastDay) throw forbidden(`${sub}'s employment ended on ${employee.lastDay}`);
    const today = new Date().toISOString().slice(0, 10);
    if (body.startDate < today) {
      throw new HttpError(400, 'bad_request', 'the leave cannot start in the past', [
        { field: 'startDate', message: `must be ${today} or later` },
      ]);
    }
    const request: LeaveRequest = {
      requestId: crypto.randomUUID(),
      employeeId: sub,
      days: body.days,
      startDate: body.startDate,
      note: body.note,
      submittedAt: new Date().toISOString(),
    };
    const view = await client.workflow.executeUpdateWithStart(leaveSubmittedUpdate, {
      startWorkflowOperation: new WithStartWorkflowOperation('leaveRequestWorkflow', {
        workflowId: leaveWorkflowId(request.requestId),
        taskQueue,
        args: [request],
        workflowIdConflictPolicy: 'FAIL',
        staticSummary: `Leave for ${sub}: ${body.days} day(s) from ${body.startDate}`,
      }),
    });
    res.status(202).json({ ...view, requestId: request.requestId, status: view.status });
  });

  router.get('/leave-requests/:id', requireRole('employee', 'manager', 'hr'), async (req, res) => {
    const view = await currentView(req.params.id as string);
    await mayRead(req, view.employeeId);
    res.json(view);
  });

  router.post('/leave-requests/:id/approve', requireRole('manager'), async (req, res) => {
    const requestId = req.params.id as string;
    const body = parseBody(decisionBody, req.body);
    const view = await currentView(requestId);
    const { sub } = caller(req);
    if (view.status === 'PendingApproval' && view.leaveYear !== undefined) {
      const approver = await leaveStore.getEmployee(sub);
      const decision = decideApproval({
        approver: { id: sub, rank: approver?.rank ?? 'employee' },
        chain: await leaveStore.managerChain(view.employeeId),
        balance: await leaveStore.balance(view.employeeId, view.leaveYear),
        days: view.days,
      });
      if (!decision.allowed) throw forbidden(decision.message, { reason: decision.reason });
    } else if (!(await inChain(sub, view.employeeId))) {
      throw forbidden(`${sub} is not in ${view.employeeId}'s manager chain`, { reason: 'not_in_chain' });
    }
    await signal(requestId, approveLeaveSignal, { approverId: sub, note: body.note });
    const after = await currentView(requestId);
    res.status(202).json({ ...after, requestId, status: after.status });
  });

  router.post('/leave-requests/:id/reject', requireRole('manager'), async (req, res) => {
    const requestId = req.params.id as string;
    const body = parseBody(decisionBody, req.body);
    const view = await currentView(requestId);
    const { sub } = caller(req);
    if (!(await inChain(sub, view.employeeId))) {
      throw forbidden(`${sub} is not in ${view.employeeId}'s manager chain`, { reason: 'not_in_chain' });
    }
    await signal(requestId, rejectLeaveSignal, { approverId: sub, note: body.note });
    const after = await currentView(requestId);
    res.status(202).json({ ...after, requestId, status: after.status });
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

  router.post('/employees/:id/termination', requireRole('hr'), async (req, res) => {
    const body = parseBody(terminationBody, req.body);
    const employee = await employeeOr404(req.params.id as string);
    try {
      await client.workflow.start('employeeTerminationWorkflow', {
        workflowId: terminationWorkflowId(employee.id),
        taskQueue,
        args: [{ employeeId: employee.id, lastDay: body.lastDay }],
        staticSummary: `Termination of ${employee.id}, last day ${body.lastDay}`,
      });
    } catch (err) {
      // Recorded before: the first termination stands.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    res.status(202).json({ employeeId: employee.id, lastDay: employee.lastDay ?? body.lastDay });
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
    res.json({
      employeeId: employee.id,
      leaveYear: year,
      allowance: employee.annualAllowance,
      balance: await leaveStore.balance(employee.id, year),
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
