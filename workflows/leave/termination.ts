/**
 * HR records a termination: written to the employee's record, then every open leave process of
 * the employee hears of it. A process that has already ended is simply not there to hear.
 */
import { getExternalWorkflowHandle, log } from '@temporalio/workflow';
import { ledger } from './context';
import { employeeTerminatedSignal, leaveWorkflowId } from './messages';

export async function employeeTerminationWorkflow(input: {
  employeeId: string;
  lastDay: string;
}): Promise<string[]> {
  await ledger.recordTermination(input);
  const requestIds = await ledger.openLeaveRequests(input.employeeId);
  const told: string[] = [];
  for (const requestId of requestIds) {
    try {
      await getExternalWorkflowHandle(leaveWorkflowId(requestId)).signal(employeeTerminatedSignal, {
        lastDay: input.lastDay,
      });
      told.push(requestId);
    } catch (err) {
      // Ended since the list was read: nothing left to tell.
      log.info('a leave process was not there to hear of the termination', { requestId, error: String(err) });
    }
  }
  return told;
}
