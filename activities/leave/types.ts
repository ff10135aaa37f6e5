/**
 * The leave process's activities as the workflows see them: inputs and outputs only. Workflows
 * import this module's types, never the implementations.
 */
import type { LeaveSettings } from '../../config/settings';
import type { ChainMember, LeaveRequest, LeaveStatus, Person } from '../../domain/leave';

import type { ReserveResult } from '../../store/leave-store';

export interface Submission {
  /** `Withdrawn`: the employment ends before the leave would start; nothing was reserved. */
  status: Extract<LeaveStatus, 'Approved' | 'PendingApproval' | 'Withdrawn'>;
  leaveYear: number;
  balanceBefore: number;
  /** Set when approved at once. */
  balanceAfter?: number;
  employee: Person;
  /** Who is asked to decide: the direct manager, and the nearest manager with the authority when that is someone else. */
  approvers: Person[];
  /** The next manager up, asked once reminders have gone unanswered for a while (absent at the top of the chain). */
  escalation?: Person;
  /**
   * The employee's manager chain, nearest first, with ranks: what the request's approve update
   * checks an approver's authority against (absent in submissions recorded before it).
   */
  chain?: ChainMember[];
  /** The employee's last day when a termination is on record: the request hears of it at once. */
  lastDay?: string;
}

export type LeaveEmailKind =
  | 'leave_approval_requested'
  | 'leave_approval_reminder'
  | 'leave_approval_escalated'
  | 'leave_approved'
  | 'leave_rejected'
  | 'leave_expired'
  | 'leave_withdrawn'
  | 'leave_deducted'
  | 'leave_paycheck_deduction';

export interface LeaveEmail {
  kind: LeaveEmailKind;
  requestId: string;
  to: string;
  /** Identical on every retry of the same email. */
  messageKey: string;
  data: Record<string, unknown>;
}

export interface LeaveEvent {
  /** Routing key on the `people` exchange, e.g. `leave.approved`. */
  type: string;
  employeeId: string;
  messageId: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

/** Support told that a request's email or event keeps failing, or was refused for good. */
export interface LeaveSupportAlert {
  requestId: string;
  employeeId: string;
  kind: string;
  message: string;
  /** Identical on every retry of the same alert. */
  messageKey: string;
  data?: Record<string, unknown>;
}

export interface LeaveStatusRecord {
  requestId: string;
  status: LeaveStatus;
  version: number;
  view: unknown;
}

export interface LeaveActivities {
  loadLeaveSettings(): Promise<LeaveSettings>;
  /** Records the request and approves it at once when the balance covers it (atomic check and reservation). */
  submitLeaveRequest(request: LeaveRequest): Promise<Submission>;
  /** A manager's approval: the policy applied and the days reserved in one transaction. */
  approveLeave(input: {
    requestId: string;
    employeeId: string;
    days: number;
    leaveYear: number;
    approverId: string;
  }): Promise<ReserveResult>;
  releaseLeave(requestId: string): Promise<{ released: boolean; days: number }>;
  carryNegativeBalance(input: {
    employeeId: string;
    fromYear: number;
  }): Promise<{ days: number; done: string; newYearBalance?: number }>;
  deductFromPaycheck(input: {
    employeeId: string;
    leaveYear: number;
  }): Promise<{ days: number; amount: number; done: string }>;
  recordLeaveStatus(record: LeaveStatusRecord): Promise<void>;
  emailLeave(email: LeaveEmail): Promise<void>;
  publishLeaveEvent(event: LeaveEvent): Promise<void>;
  /** Email to SUPPORT_EMAIL and `support.<kind>` on the `people` exchange: one of the two is enough. */
  alertLeaveSupport(alert: LeaveSupportAlert): Promise<void>;
  recordTermination(input: { employeeId: string; lastDay: string }): Promise<{ recorded: boolean }>;
  openLeaveRequests(employeeId: string): Promise<string[]>;
}
