/**
 * The leave process's activities, built from their clients: the leave store, the mailer and the
 * event publisher (the same adapters the checkout uses; events go to the `people` exchange).
 */
import { alertSupport } from '../adapters/support-alerts';
import { ApplicationFailure } from '@temporalio/activity';
import type { LeaveSettings } from '../../config/settings';
import { approversFor, leaveYearOf } from '../../domain/leave';
import type { Employee, LeaveStore } from '../../store/leave-store';
import { leaveEmailContent, leaveSupportAlertContent } from './emails';
import type { EventPublisher, Mailer } from '../adapters/ports';
import type { Person } from '../../domain/leave';
import type { LeaveActivities } from './types';

export interface LeaveActivityDeps {
  leaveStore: LeaveStore;
  mailer: Mailer;
  events: EventPublisher;
  settings: LeaveSettings;
  fromEmail: string;
  /** PUBLIC_URL: where the back office is, for the links in the approvers' emails. */
  backOfficeUrl?: string;
}

/** The ApplicationFailure type of a request the process cannot take (an unknown or departed employee). */
export const LEAVE_REQUEST_INVALID = 'LeaveRequestInvalid';

function person(employee: Employee): Person {
  return { id: employee.id, name: employee.name, email: employee.email };
}

export function createLeaveActivities(deps: LeaveActivityDeps): LeaveActivities {
  const { leaveStore, mailer, events, settings } = deps;

  async function employeeOrFail(id: string): Promise<Employee> {
    const employee = await leaveStore.getEmployee(id);
    if (!employee) {
      throw ApplicationFailure.create({
        type: LEAVE_REQUEST_INVALID,
        message: `no employee ${id}`,
        nonRetryable: true,
      });
    }
    return employee;
  }

  return {
    async loadLeaveSettings() {
      return settings;
    },
    async submitLeaveRequest(request) {
      await employeeOrFail(request.employeeId);
      // Saved first, then the employee read: a termination recorded meanwhile either lists this
      // request (and signals it) or is seen here, so the request always hears of it.
      await leaveStore.saveLeaveRequest(request);
      const employee = await employeeOrFail(request.employeeId);
      const leaveYear = leaveYearOf(request.startDate, settings.yearStart);
      const lastDay = employee.lastDay;
      if (lastDay !== undefined && request.startDate > lastDay) {
        return {
          status: 'Withdrawn',
          leaveYear,
          balanceBefore: await leaveStore.balance(employee.id, leaveYear),
          employee: person(employee),
          approvers: [],
          lastDay,
        };
      }
      const result = await leaveStore.reserve({
        requestId: request.requestId,
        employeeId: request.employeeId,
        days: request.days,
        leaveYear,
        mode: { kind: 'within_balance' },
      });
      if (result.reserved) {
        return {
          status: 'Approved',
          leaveYear,
          balanceBefore: result.balanceBefore,
          balanceAfter: result.balanceAfter,
          employee: person(employee),
          approvers: [],
          lastDay,
        };
      }
      const chain = await leaveStore.managerChain(employee.id);
      const asked = approversFor(chain, result.balance - request.days);
      const approvers = await Promise.all(
        asked.approvers.map(async (id) => person(await employeeOrFail(id))),
      );
      return {
        status: 'PendingApproval',
        leaveYear,
        balanceBefore: result.balance,
        employee: person(employee),
        approvers,
        escalation: asked.escalation ? person(await employeeOrFail(asked.escalation)) : undefined,
        chain: chain.map(({ id, rank }) => ({ id, rank })),
        lastDay,
      };
    },
    async approveLeave(input) {
      return leaveStore.reserve({
        requestId: input.requestId,
        employeeId: input.employeeId,
        days: input.days,
        leaveYear: input.leaveYear,
        mode: { kind: 'approval', approverId: input.approverId },
      });
    },
    async releaseLeave(requestId) {
      return leaveStore.release(requestId);
    },
    async carryNegativeBalance({ employeeId, fromYear }) {
      return leaveStore.carryNegativeBalance(employeeId, fromYear);
    },
    async deductFromPaycheck({ employeeId, leaveYear }) {
      return leaveStore.deductFromPaycheck(employeeId, leaveYear);
    },
    async recordLeaveStatus(record) {
      await leaveStore.recordLeaveStatus(record.requestId, record.status, record.version, record.view);
    },
    async emailLeave(email) {
      await mailer.send({
        to: email.to,
        from: deps.fromEmail,
        messageKey: email.messageKey,
        category: email.kind,
        ...leaveEmailContent(email, deps.backOfficeUrl, settings.payrollCurrency),
      });
    },
    async publishLeaveEvent(event) {
      await events.publish({ ...event, exchange: 'people' });
    },
    async alertLeaveSupport(alert) {
      await alertSupport(mailer, events, {
        kind: alert.kind,
        messageKey: alert.messageKey,
        email: {
          to: settings.supportEmail ?? 'support@example.com',
          from: deps.fromEmail,
          ...leaveSupportAlertContent(alert),
        },
        event: {
          exchange: 'people',
          employeeId: alert.employeeId,
          data: { requestId: alert.requestId, message: alert.message, ...alert.data },
        },
      });
    },
    async recordTermination({ employeeId, lastDay }) {
      await employeeOrFail(employeeId);
      return leaveStore.recordTermination(employeeId, lastDay);
    },
    async openLeaveRequests(employeeId) {
      return leaveStore.openLeaveRequestIds(employeeId);
    },
  };
}
