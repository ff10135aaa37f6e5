/**
 * The leave part of the public contract, mounted from its route table (api/leave/contract.ts): a
 * request's own routes (requests.ts), the lists (lists.ts) and the employees' (employees.ts). Who
 * may see or decide what follows the contract: an employee their own, their manager chain and HR
 * more (access.ts).
 */
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import type { LeaveStore } from '../../store';
import { mount } from '../mount';
import { employeeRoutes } from './employees';
import { leaveListRoutes } from './lists';
import { leaveRequestRoutes } from './requests';

export interface LeaveDeps {
  client: Client;
  leaveStore: LeaveStore;
  taskQueue: string;
  /** `MM-DD`, LEAVE_YEAR_START. */
  yearStart: string;
  /** PAYROLL_CURRENCY: what the daily rates are in. */
  payrollCurrency?: string;
}

export function leaveRouter(deps: LeaveDeps): Router {
  return mount(Router(), [...leaveRequestRoutes(deps), ...leaveListRoutes(deps), ...employeeRoutes(deps)]);
}
