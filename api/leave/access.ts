/**
 * Reading a leave request and who may see or decide it: what the leave routes share. An employee
 * sees their own, their manager chain and HR more; only a manager in the chain decides.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { LeaveView } from '../../domain/leave';
import type { Employee, LeaveStore } from '../../store';
import { leaveStatusQuery, leaveWorkflowId } from '../../workflows/leave/messages';
import { holds, type Caller } from '../auth';
import { RESOURCE_ID_PATTERN, type LeaveRequestAnswer } from '../contract';
import { forbidden, notFound } from '../errors';
import { askWithinDeadline } from '../reads';

export interface LeaveAccessDeps {
  client: Client;
  leaveStore: LeaveStore;
}

/** The view answered while the process has not decided: what was recorded at the click. */
export function withStatus(view: LeaveView): LeaveRequestAnswer {
  return { ...view, status: view.status ?? 'Submitted' };
}

export function leaveAccess({ client, leaveStore }: LeaveAccessDeps) {
  async function employeeOr404(id: string): Promise<Employee> {
    const employee = RESOURCE_ID_PATTERN.test(id) ? await leaveStore.getEmployee(id) : undefined;
    if (!employee) throw notFound(`employee ${id}`);
    return employee;
  }

  async function inChain(managerId: string, employeeId: string): Promise<boolean> {
    return (await leaveStore.managerChain(employeeId)).some((m) => m.id === managerId);
  }

  /** The employee themself, a manager in their chain, or HR; anyone else gets a 403. */
  async function mayRead(caller: Caller, employeeId: string): Promise<void> {
    if (holds(caller, 'hr') || caller.sub === employeeId) return;
    if (holds(caller, 'manager') && (await inChain(caller.sub, employeeId))) return;
    throw forbidden('only the employee, their manager chain and HR may see this');
  }

  /**
   * The request as its workflow sees it; the stored copy when the workflow is gone, or when no
   * worker answers within QUERY_DEADLINE_MS.
   */
  async function currentView(requestId: string): Promise<LeaveRequestAnswer> {
    if (!RESOURCE_ID_PATTERN.test(requestId)) throw notFound(`leave request ${requestId}`);
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

  /** Only a manager in the employee's chain decides a request; anyone else gets a 403 and nothing of it. */
  async function mayDecide(caller: Caller, requestId: string): Promise<void> {
    const stored = await leaveStore.getLeaveRequest(requestId);
    const employeeId = stored?.employeeId ?? (await currentView(requestId)).employeeId;
    if (await inChain(caller.sub, employeeId)) return;
    throw forbidden(`${caller.sub} is not in the employee's manager chain: only it decides this request`, {
      reason: 'not_in_chain',
    });
  }

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

  return { employeeOr404, inChain, mayRead, currentView, mayDecide, reportsOf };
}
export type LeaveAccess = ReturnType<typeof leaveAccess>;
