/**
 * Employees and their leave ledger. The balance is never stored: it is the sum of the ledger's
 * entries for a leave year (the year's grant, reservations, releases, carried-over and deducted
 * days). Every change is one entry with a unique key, so a retried activity writes it once.
 */
import {
  LEDGER_KINDS,
  type ApprovalRefusal,
  type ChainMember,
  type LedgerKind,
  type LeaveStatus,
  type Rank,
} from '../domain/leave';
import type { LeaveListQuery, Page } from './lists';

export interface Employee {
  id: string;
  name: string;
  email: string;
  managerId?: string;
  rank: Rank;
  /** Days granted at the start of each leave year. */
  annualAllowance: number;
  /** Minor units: what one day of leave is worth on a paycheck. */
  dailyRate: number;
  /** `YYYY-MM-DD` when HR recorded a termination. */
  lastDay?: string;
}

export { LEDGER_KINDS, type LedgerKind };

export interface LedgerEntry {
  employeeId: string;
  leaveYear: number;
  kind: LedgerKind;
  /** Signed: a grant adds, a reservation takes away. */
  days: number;
  requestId?: string;
  /** Minor units, for a paycheck deduction. */
  amount?: number;
  createdAt: string;
}

export type ReserveResult =
  | { reserved: true; balanceBefore: number; balanceAfter: number }
  | {
      reserved: false;
      balance: number;
      refusal: { reason: ApprovalRefusal | 'beyond_balance'; message: string };
    };

export interface CarryResult {
  days: number;
  done: 'now' | 'before' | 'not_needed' | 'paid_by_paycheck';
  /** The new year's balance after the deduction: below zero, it is owed to the year after in turn. */
  newYearBalance?: number;
}

/** How a reservation may be made: within the balance, or down to what an approver may allow. */
export type ReserveMode = { kind: 'within_balance' } | { kind: 'approval'; approverId: string };

export interface StoredLeaveRequest {
  requestId: string;
  employeeId: string;
  days: number;
  startDate: string;
  status: LeaveStatus;
  statusVersion: number;
  view?: unknown;
  updatedAt: string;
}

export interface LeaveStore {
  /** Loads `employees` when there are none yet; true when it did. */
  seedIfEmpty(employees: readonly Employee[]): Promise<boolean>;
  listEmployees(): Promise<Employee[]>;
  getEmployee(id: string): Promise<Employee | undefined>;
  /** The employee's managers, nearest first. */
  managerChain(employeeId: string): Promise<ChainMember[]>;
  /** The year's balance less every deduction earlier years still owe it (what a request is checked against). */
  balance(employeeId: string, leaveYear: number): Promise<number>;
  /** Days earlier years owe `leaveYear` that no year start has deducted yet. */
  owed(employeeId: string, leaveYear: number): Promise<number>;
  entries(employeeId: string): Promise<LedgerEntry[]>;
  /**
   * Checks and reserves in one transaction that holds the database's write lock, so two requests
   * at the same instant never both pass unless the balance covers both. Idempotent per request.
   */
  reserve(input: {
    requestId: string;
    employeeId: string;
    days: number;
    leaveYear: number;
    mode: ReserveMode;
  }): Promise<ReserveResult>;
  /** Gives a request's reserved days back, once. */
  release(requestId: string): Promise<{ released: boolean; days: number }>;
  /**
   * At the start of leave year `fromYear + 1`: moves a negative balance of `fromYear` into the
   * new year as a deduction from its allowance. Once per employee and year; never for an employee
   * whose negative days went to their final paycheck.
   */
  carryNegativeBalance(employeeId: string, fromYear: number): Promise<CarryResult>;
  /** On termination: values the negative balance of `leaveYear` at the daily rate, once. */
  deductFromPaycheck(
    employeeId: string,
    leaveYear: number,
  ): Promise<{ days: number; amount: number; done: 'now' | 'before' | 'not_needed' | 'carried_over' }>;
  recordTermination(employeeId: string, lastDay: string): Promise<{ recorded: boolean }>;
  /**
   * Records a request once (a second save changes nothing): by the API before its process starts
   * (`Submitted`, with the view it answers from until the process has decided), else by the process.
   */
  saveLeaveRequest(request: {
    requestId: string;
    employeeId: string;
    days: number;
    startDate: string;
    status?: LeaveStatus;
    view?: unknown;
  }): Promise<void>;
  recordLeaveStatus(requestId: string, status: LeaveStatus, version: number, view: unknown): Promise<void>;
  getLeaveRequest(requestId: string): Promise<StoredLeaveRequest | undefined>;
  /** One page of the requests of the employees named, newest first (store/lists.ts). */
  listLeaveRequests(query: LeaveListQuery): Promise<Page<StoredLeaveRequest>>;
  /** Requests of an employee whose process may still be running. */
  openLeaveRequestIds(employeeId: string): Promise<string[]>;
  /** Answers when the database does. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
