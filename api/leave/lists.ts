/**
 * Lists of leave requests: what waits for a manager's decision (`awaiting=me`, each with whether
 * the caller may approve it and, when not, who can), and one employee's requests (theirs, their
 * chain's and HR's to read). Keyset pages from the app's store.
 */
import type { Client } from '@temporalio/client';
import { decideApproval, leaveYearOf, nearestApprover, type LeaveView } from '../../domain/leave';
import type { LeaveStore, StoredLeaveRequest } from '../../store';
import { encodeCursor } from '../../store/lists';
import { holds, type Caller } from '../auth';
import type { LeaveList, LeaveListItem } from '../contract';
import { badRequest, forbidden } from '../errors';
import { handle, type Mounted } from '../mount';
import { pageAfter } from '../pages';
import { leaveAccess } from './access';
import { listLeaveRequests } from './contract';

/** How many requests a page holds unless `?limit=` says otherwise. */
const DEFAULT_PAGE = 25;

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

export function leaveListRoutes(deps: {
  client: Client;
  leaveStore: LeaveStore;
  yearStart: string;
}): Mounted[] {
  const { leaveStore, yearStart } = deps;
  const access = leaveAccess(deps);

  /** A request waiting for `approver`, with whether they may approve it and, if not, who can. */
  async function awaitingItem(
    approver: { id: string; rank: 'employee' | 'manager' | 'vp' },
    stored: StoredLeaveRequest,
    employeeName: string | undefined,
  ): Promise<LeaveListItem> {
    const view = (stored.view ?? {}) as Partial<LeaveView>;
    const year = view.leaveYear ?? leaveYearOf(stored.startDate, yearStart);
    const chain = await leaveStore.managerChain(stored.employeeId);
    const balance = await leaveStore.balance(stored.employeeId, year);
    const decision = decideApproval({ approver, chain, balance, days: stored.days });
    const item: LeaveListItem = {
      ...listItem(stored, employeeName),
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
  }

  async function awaiting(caller: Caller, limit: number, cursor: string | undefined): Promise<LeaveList> {
    if (!holds(caller, 'manager')) throw forbidden('awaiting=me lists what waits for a manager');
    const reports = await access.reportsOf(caller.sub);
    const names = new Map(reports.map((e) => [e.id, e.name]));
    const page = await leaveStore.listLeaveRequests({
      employeeIds: reports.map((e) => e.id),
      status: 'PendingApproval',
      limit,
      after: pageAfter(cursor),
    });
    const approver = { id: caller.sub, rank: (await leaveStore.getEmployee(caller.sub))?.rank ?? 'employee' };
    return {
      leaveRequests: await Promise.all(
        page.items.map((stored) => awaitingItem(approver, stored, names.get(stored.employeeId))),
      ),
      ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}),
    };
  }

  async function ofEmployee(
    caller: Caller,
    employeeId: string,
    limit: number,
    cursor: string | undefined,
  ): Promise<LeaveList> {
    const employee = await access.employeeOr404(employeeId);
    await access.mayRead(caller, employee.id);
    const page = await leaveStore.listLeaveRequests({
      employeeIds: [employee.id],
      limit,
      after: pageAfter(cursor),
    });
    return {
      leaveRequests: page.items.map((stored) => listItem(stored, employee.name)),
      ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}),
    };
  }

  return [
    handle(listLeaveRequests, async ({ caller, query }) => {
      if ((query.awaiting === undefined) === (query.employeeId === undefined)) {
        throw badRequest('name either awaiting=me or employeeId=…, not both or neither', [
          {
            field: query.awaiting ? 'employeeId' : 'awaiting',
            message: 'give exactly one of awaiting and employeeId',
          },
        ]);
      }
      const limit = query.limit ?? DEFAULT_PAGE;
      return {
        status: 200,
        body: query.awaiting
          ? await awaiting(caller, limit, query.cursor)
          : await ofEmployee(caller, query.employeeId!, limit, query.cursor),
      };
    }),
  ];
}
