/** The leave tables' rows as both databases return them, and what the store hands out. */
import type { LeaveStatus, Rank } from '../domain/leave';
import type { Employee, LedgerEntry, LedgerKind, StoredLeaveRequest } from './leave-store';

export interface EmployeeRow {
  id: string;
  name: string;
  email: string;
  manager_id: string | null;
  rank: Rank;
  annual_allowance: number;
  daily_rate: number;
  last_day: string | null;
}

export function toEmployee(row: EmployeeRow): Employee {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    managerId: row.manager_id ?? undefined,
    rank: row.rank,
    annualAllowance: row.annual_allowance,
    dailyRate: row.daily_rate,
    lastDay: row.last_day ?? undefined,
  };
}

export interface LedgerRow {
  employee_id: string;
  leave_year: number;
  kind: LedgerKind;
  days: number;
  request_id: string | null;
  amount: number | null;
  created_at: string;
}

export function toLedgerEntry(row: LedgerRow): LedgerEntry {
  return {
    employeeId: row.employee_id,
    leaveYear: row.leave_year,
    kind: row.kind,
    days: row.days,
    requestId: row.request_id ?? undefined,
    amount: row.amount ?? undefined,
    createdAt: row.created_at,
  };
}

/** `view_json` is text in SQLite and parsed JSONB in PostgreSQL: the caller passes it decoded. */
export interface LeaveRequestRow {
  request_id: string;
  employee_id: string;
  days: number;
  start_date: string;
  status: LeaveStatus;
  status_version: number;
  updated_at: string;
}

export function toStoredLeaveRequest(row: LeaveRequestRow, view: unknown): StoredLeaveRequest {
  return {
    requestId: row.request_id,
    employeeId: row.employee_id,
    days: row.days,
    startDate: row.start_date,
    status: row.status,
    statusVersion: row.status_version,
    view: view ?? undefined,
    updatedAt: row.updated_at,
  };
}
