/**
 * The messages the annual-leave process understands, shared by the workflows (which handle them)
 * and the API (which sends them), with its search attributes and workflow ids. Names are part of
 * every running request's history: rename none.
 */
import { defineSearchAttributeKey, SearchAttributeType, WorkflowIdReusePolicy } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { LeaveRequest, LeaveView } from '../../domain/leave';
import { INTERACTIVE } from '../../domain/priorities';
import { formatDays } from '../../domain/words';

/** A manager's decision on a leave request (`POST /leave-requests/:id/approve` or `/reject`). */
export interface LeaveDecision {
  approverId: string;
  note?: string;
}

export interface LeaveWithdrawal {
  by: string;
}

export interface EmployeeTermination {
  lastDay: string;
}

/** Signals of requests started before the updates; still handled. */
export const approveLeaveSignal = defineSignal<[LeaveDecision]>('approveLeave');
export const rejectLeaveSignal = defineSignal<[LeaveDecision]>('rejectLeave');
export const withdrawLeaveSignal = defineSignal<[LeaveWithdrawal]>('withdrawLeave');
/** Sent by HR's termination process to every open process of the employee. */
export const employeeTerminatedSignal = defineSignal<[EmployeeTermination]>('employeeTerminated');
export const leaveStatusQuery = defineQuery<LeaveView>('leaveStatus');
/**
 * A manager's approval or rejection, answered with the request as it stands after it. Refused at
 * once (workflows/refusal.ts) when the request is not waiting for a decision (409) or the approval
 * is beyond the manager's authority or from outside the chain (403); an approval the ledger then
 * refuses (the balance moved meanwhile) is refused the same way, and kept in the request's decisions.
 */
export const approveLeaveUpdate = defineUpdate<LeaveView, [LeaveDecision]>('approveLeaveRequest');
export const rejectLeaveUpdate = defineUpdate<LeaveView, [LeaveDecision]>('rejectLeaveRequest');
/** Answers once the request's first decision (approved at once, or pending) is made. */
export const leaveSubmittedUpdate = defineUpdate<LeaveView>('leaveSubmitted');

export const leaveStatusSearchAttribute = defineSearchAttributeKey(
  'LeaveStatus',
  SearchAttributeType.KEYWORD,
);
export const employeeIdSearchAttribute = defineSearchAttributeKey('EmployeeId', SearchAttributeType.KEYWORD);

/** What the worker registers and the Temporal UI lists leave requests by. */
export const LEAVE_SEARCH_ATTRIBUTES = [leaveStatusSearchAttribute, employeeIdSearchAttribute] as const;

export function leaveWorkflowId(requestId: string): string {
  return `leave-${requestId}`;
}

export function terminationWorkflowId(employeeId: string): string {
  return `termination-${employeeId}`;
}

/**
 * What `POST /leave-requests` asks Temporal for: one process per request. An employee and a
 * manager wait for it: its workflow tasks and activities go before any bulk action's work
 * (domain/priorities.ts).
 */
export function leaveStartOptions(request: LeaveRequest, taskQueue: string) {
  return {
    workflowId: leaveWorkflowId(request.requestId),
    taskQueue,
    args: [request] as [LeaveRequest],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    staticSummary: `Leave for ${request.employeeId}: ${formatDays(request.days)} from ${request.startDate}`,
    priority: INTERACTIVE,
  };
}
