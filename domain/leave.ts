/**
 * Annual leave rules (docs/processes.md, "Annual leave") as pure functions. "An employee cannot take more leave than
 * they have" is not an invariant but a policy that changes: who may let a balance go how far
 * negative lives here, in one table, and the workflow, the store and the API all ask it.
 */
import type { DeliveryState } from './process';
import { formatDays } from './words';

export const RANKS = ['employee', 'manager', 'vp'] as const;
export type Rank = (typeof RANKS)[number];

/** `Submitted`: accepted by the API, not yet decided by the process (a worker has not run it yet). */
export const LEAVE_STATUSES = [
  'Submitted',
  'PendingApproval',
  'Approved',
  'Rejected',
  'Expired',
  'Withdrawn',
] as const;
export type LeaveStatus = (typeof LEAVE_STATUSES)[number];

/**
 * The statuses in which a request's process may still be running and hear of a termination:
 * undecided, waiting for a manager, or approved (open until the leave starts, or until a negative
 * balance is settled).
 */
export const OPEN_LEAVE_STATUSES: readonly LeaveStatus[] = ['Submitted', 'PendingApproval', 'Approved'];

/** What a leave ledger entry records: the year's grant, days reserved and given back, carried, deducted. */
export const LEDGER_KINDS = [
  'grant',
  'reservation',
  'release',
  'carried_over',
  'deduction',
  'paycheck_deduction',
] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** An employee's request for leave, as the API records it and the process is started with. */
export interface LeaveRequest {
  requestId: string;
  employeeId: string;
  days: number;
  /** `YYYY-MM-DD`, the first day of leave. */
  startDate: string;
  note?: string;
  submittedAt: string;
}

/** Someone the process writes to: the employee, an approver. */
export interface Person {
  id: string;
  name: string;
  email: string;
}

/** How many days below zero an approver of each rank may take an employee's balance. */
export const NEGATIVE_BALANCE_LIMIT: Readonly<Record<Rank, number>> = { employee: 0, manager: 2, vp: 5 };

export interface ChainMember {
  id: string;
  rank: Rank;
}

export type ApprovalRefusal = 'not_a_manager' | 'not_in_chain' | 'beyond_authority';

export type ApprovalDecision =
  { allowed: true; balanceAfter: number } | { allowed: false; reason: ApprovalRefusal; message: string };

/** A positive multiple of half a day, at most a year. */
export function isValidLeaveDays(days: number): boolean {
  return Number.isFinite(days) && days > 0 && days <= 366 && Number.isInteger(days * 2);
}

/** Whether a request fits in the balance and is approved at once. */
export function withinBalance(balance: number, days: number): boolean {
  return days <= balance;
}

/**
 * May `approver` approve `days` for an employee whose manager chain (nearest first) is `chain`
 * and whose balance is `balance`? Only a manager in the chain, and only down to their rank's limit.
 */
export function decideApproval(input: {
  approver: ChainMember;
  chain: readonly ChainMember[];
  balance: number;
  days: number;
}): ApprovalDecision {
  const { approver, chain, balance, days } = input;
  const balanceAfter = balance - days;
  if (approver.rank === 'employee') {
    return { allowed: false, reason: 'not_a_manager', message: `${approver.id} is not a manager` };
  }
  if (!chain.some((member) => member.id === approver.id)) {
    return {
      allowed: false,
      reason: 'not_in_chain',
      message: `${approver.id} is not in the employee's manager chain`,
    };
  }
  const limit = NEGATIVE_BALANCE_LIMIT[approver.rank];
  if (balanceAfter < -limit) {
    return {
      allowed: false,
      reason: 'beyond_authority',
      message:
        `approving would take the balance to ${formatDays(balanceAfter)}; a ${approver.rank} may allow ` +
        `down to ${formatDays(-limit)}`,
    };
  }
  return { allowed: true, balanceAfter };
}

/** The nearest member of the chain who may approve taking the balance to `balanceAfter`, if any. */
export function nearestApprover(
  chain: readonly ChainMember[],
  balanceAfter: number,
): ChainMember | undefined {
  return chain.find(
    (member) => balanceAfter >= -NEGATIVE_BALANCE_LIMIT[member.rank] && member.rank !== 'employee',
  );
}

/**
 * Who is asked to decide a request beyond the balance: the direct manager, and the nearest in the
 * chain whose authority covers the balance it would leave (one person when they are the same);
 * and who is asked next when reminders go unanswered: the first manager above those.
 */
export function approversFor(
  chain: readonly ChainMember[],
  balanceAfter: number,
): { approvers: string[]; escalation?: string } {
  const approvers = [chain[0]?.id, nearestApprover(chain, balanceAfter)?.id].filter(
    (id, i, all): id is string => id !== undefined && all.indexOf(id) === i,
  );
  const above = chain.find((m) => m.rank !== 'employee' && !approvers.includes(m.id));
  return { approvers, escalation: above?.id };
}

/**
 * The value of negative leave taken from a final paycheck: days × daily rate, in minor units,
 * rounded down to a whole minor unit (half a day at an odd rate: the employee's favour).
 */
export function paycheckDeduction(days: number, dailyRate: number): number {
  if (!isValidLeaveDays(days) || !Number.isSafeInteger(dailyRate) || dailyRate < 0) {
    throw new RangeError(`cannot value ${days} days at ${dailyRate}`);
  }
  return Math.floor((days * 2 * dailyRate) / 2);
}

/** `MM-DD`: the day each leave year starts. */
export function parseYearStart(text: string): { month: number; day: number } {
  const match = /^(\d{2})-(\d{2})$/.exec(text);
  const month = Number(match?.[1]);
  const day = Number(match?.[2]);
  if (!match || month < 1 || month > 12 || day < 1 || day > 28) {
    throw new RangeError(`"${text}" is not a leave year start: write MM-DD, a day from 01 to 28`);
  }
  return { month, day };
}

/** The leave year a date (`YYYY-MM-DD` or a Date) falls in, named by the calendar year it starts in. */
export function leaveYearOf(date: string | Date, yearStart: string): number {
  const { month, day } = parseYearStart(yearStart);
  const d = typeof date === 'string' ? new Date(`${date}T00:00:00.000Z`) : date;
  const startThisYear = Date.UTC(d.getUTCFullYear(), month - 1, day);
  return d.getTime() >= startThisYear ? d.getUTCFullYear() : d.getUTCFullYear() - 1;
}

/** The moment (UTC midnight) leave year `year` + 1 starts: when a negative balance of `year` is deducted. */
export function nextLeaveYearStart(year: number, yearStart: string): Date {
  const { month, day } = parseYearStart(yearStart);
  return new Date(Date.UTC(year + 1, month - 1, day));
}

/** A `YYYY-MM-DD` date that exists. */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00.000Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

export interface LeaveDecisionRecord {
  by: string;
  decision: 'approved' | 'rejected' | 'refused';
  /** Why an approval was refused (beyond the approver's authority, say). */
  reason?: string;
  note?: string;
  at: string;
}

/** What `GET /leave-requests/:id` shows; kept by the leave workflow and answered by its query. */
export interface LeaveView {
  requestId: string;
  employeeId: string;
  days: number;
  startDate: string;
  note?: string;
  /** Absent only for the moment between the start and the first balance check. */
  status?: LeaveStatus;
  leaveYear?: number;
  submittedAt: string;
  updatedAt: string;
  balanceBefore?: number;
  balanceAfter?: number;
  /** Who was asked to decide. */
  approvers: string[];
  decisions: LeaveDecisionRecord[];
  remindersSent: number;
  /** The next manager up, asked after REMINDERS_AT_PACE unanswered reminders. */
  escalatedTo?: string;
  withdrawnBy?: string;
  /** Days taken below zero, and how they were settled. */
  negativeBalance?: {
    days: number;
    settlement: 'at_next_year_start' | 'deducted_at_year_start' | 'paycheck';
    settlesAt?: string;
    paycheckAmount?: number;
  };
  /** Where each of the request's events and emails stands (requests started since leave alerts on them). */
  notifications?: Record<string, DeliveryState>;
}

/** Reminders sent at the configured pace before the waits grow and the next manager up is asked. */
export const REMINDERS_AT_PACE = 3;
/** The longest wait between two reminders, unless the configured pace is longer still. */
export const LONGEST_REMINDER_WAIT_MS = 7 * 86_400_000;

/**
 * How long to wait before reminder number `sent + 1`: the configured pace for the first
 * REMINDERS_AT_PACE, then doubling, to at most a week. A request waiting a year at an hourly pace
 * sends about sixty reminders, not 8,760, so its history stays small.
 */
export function reminderWait(sent: number, paceMs: number): number {
  if (sent < REMINDERS_AT_PACE) return paceMs;
  const longest = Math.max(paceMs, LONGEST_REMINDER_WAIT_MS);
  const doublings = Math.min(sent - REMINDERS_AT_PACE + 1, 40);
  return Math.min(paceMs * 2 ** doublings, longest);
}

/**
 * What a termination means for a leave request: leave that starts on or before the last day stays
 * (notice-period leave; the last day ends the employment, not the leave already granted in it);
 * leave that would start after it is withdrawn.
 */
export function survivesTermination(startDate: string, lastDay: string): boolean {
  return startDate <= lastDay;
}

/** The moment a last day (`YYYY-MM-DD`) is over: midnight UTC after it. */
export function endOfLastDay(lastDay: string): Date {
  return new Date(Date.parse(`${lastDay}T00:00:00.000Z`) + 86_400_000);
}

/** How many leave years ahead of `today`'s a start date may be: requests further out are refused. */
export const LEAVE_YEARS_AHEAD = 2;

/**
 * Why leave may not start on `startDate`, or undefined: not in the past (`today`, `YYYY-MM-DD`), and
 * not beyond LEAVE_YEARS_AHEAD leave years from the current one. The API refuses with it; the
 * back office's form says it before promising anything.
 */
export function leaveStartRefusal(
  startDate: string,
  today: string,
  startLeaveYear: number,
  currentLeaveYear: number,
): { message: string; detail: string } | undefined {
  if (startDate < today) {
    return { message: 'the leave cannot start in the past', detail: `must be ${today} or later` };
  }
  const lastYear = currentLeaveYear + LEAVE_YEARS_AHEAD;
  if (startLeaveYear > lastYear) {
    return {
      message: `leave can be requested up to ${LEAVE_YEARS_AHEAD} leave years ahead`,
      detail: `must fall in leave year ${lastYear} or earlier`,
    };
  }
  return undefined;
}

/**
 * A leave request as it stands when it is placed, before its process has decided anything: what
 * the process starts from, and what the API answers (`Submitted`) until the process has run.
 */
export function submittedLeaveView(request: LeaveRequest, updatedAt: string): LeaveView {
  return {
    requestId: request.requestId,
    employeeId: request.employeeId,
    days: request.days,
    startDate: request.startDate,
    note: request.note,
    submittedAt: request.submittedAt,
    updatedAt,
    approvers: [],
    decisions: [],
    remindersSent: 0,
  };
}
