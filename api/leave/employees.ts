/**
 * The employees' routes: everyone's balance (HR), one employee's balance and ledger (theirs, their
 * chain's and HR's to read), and a termination (HR), recorded once: a second one for the same last
 * day answers the first (200), one for another day is a conflict (409); neither starts another
 * process.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { leaveYearOf, NEGATIVE_BALANCE_LIMIT } from '../../domain/leave';
import type { LeaveStore } from '../../store';
import { terminationWorkflowId } from '../../workflows/leave/messages';
import { employeeTerminationWorkflow } from '../../workflows/leave/termination';
import type { LeaveBalanceAnswer } from '../contract';
import { conflict } from '../errors';
import { handle, type Mounted } from '../mount';
import { leaveAccess } from './access';
import { leaveBalanceRoute, listEmployees, terminateEmployee } from './contract';

export function employeeRoutes(deps: {
  client: Client;
  leaveStore: LeaveStore;
  taskQueue: string;
  yearStart: string;
  /** PAYROLL_CURRENCY: what the daily rates are in. */
  payrollCurrency?: string;
}): Mounted[] {
  const { client, leaveStore, taskQueue, yearStart } = deps;
  const access = leaveAccess(deps);

  /** Starts the termination's process; the last day it was started with when it already was. */
  async function startTermination(employeeId: string, lastDay: string): Promise<string | undefined> {
    try {
      await client.workflow.start(employeeTerminationWorkflow, {
        workflowId: terminationWorkflowId(employeeId),
        taskQueue,
        args: [{ employeeId, lastDay }],
        memo: { lastDay },
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        staticSummary: `Termination of ${employeeId}, last day ${lastDay}`,
      });
      return undefined;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      // Started before and still recording it: its memo says which last day.
      const described = await client.workflow.getHandle(terminationWorkflowId(employeeId)).describe();
      const recorded = described.memo?.lastDay;
      return typeof recorded === 'string' ? recorded : lastDay;
    }
  }

  return [
    handle(terminateEmployee, async ({ params, body }) => {
      const employee = await access.employeeOr404(params.id);
      const recorded = employee.lastDay ?? (await startTermination(employee.id, body.lastDay));
      if (recorded === undefined)
        return { status: 202, body: { employeeId: employee.id, lastDay: body.lastDay } };
      if (recorded !== body.lastDay) {
        throw conflict(`${employee.id}'s termination is already recorded with last day ${recorded}`, {
          lastDay: recorded,
        });
      }
      return { status: 200, body: { employeeId: employee.id, lastDay: recorded } };
    }),

    handle(listEmployees, async () => {
      const year = leaveYearOf(new Date(), yearStart);
      const employees = await leaveStore.listEmployees();
      return {
        status: 200,
        body: {
          leaveYear: year,
          payrollCurrency: deps.payrollCurrency ?? 'eur',
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
        },
      };
    }),

    handle(leaveBalanceRoute, async ({ caller, params, query }) => {
      const employee = await access.employeeOr404(params.id);
      await access.mayRead(caller, employee.id);
      const year = query.leaveYear ? Number(query.leaveYear) : leaveYearOf(new Date(), yearStart);
      const approvers: LeaveBalanceAnswer['approvers'] = await Promise.all(
        (await leaveStore.managerChain(employee.id)).map(async (m) => ({
          id: m.id,
          name: (await leaveStore.getEmployee(m.id))?.name ?? m.id,
          rank: m.rank,
          lowestBalance: -NEGATIVE_BALANCE_LIMIT[m.rank],
        })),
      );
      return {
        status: 200,
        body: {
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
        },
      };
    }),
  ];
}
