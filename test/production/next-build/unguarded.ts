/**
 * The leave change of ./workflows.ts without its `patched()` guard: what a careless release would
 * ship. Replaying a leave request that started on the old build must fail on it (the replay gate).
 */
import { upsertMemo } from '@temporalio/workflow';
import * as today from '../../../workflows';
import type { LeaveRequest } from '../../../domain/leave';

export async function leaveRequestWorkflow(
  request: LeaveRequest,
): ReturnType<typeof today.leaveRequestWorkflow> {
  upsertMemo({ build: 'next' });
  return today.leaveRequestWorkflow(request);
}

export const { checkoutWorkflow, employeeTerminationWorkflow, registrationWorkflow } = today;
