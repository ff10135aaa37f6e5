/**
 * The messages a forgotten password's process understands, shared by the workflow and the API,
 * with its workflow id and start options. Names are part of every running reset's history.
 */
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { PasswordResetView } from '../../domain/password-reset';
import { INTERACTIVE } from '../../domain/priorities';

export interface PasswordResetInput {
  resetId: string;
  email: string;
  requestedAt: string;
  /** PASSWORD_RESET_WITHIN, as the API read it. */
  withinMs: number;
}

/** The link was used: the password is changed (the store did it, once). */
export const passwordResetUsedSignal = defineSignal('passwordResetUsed');
/** A newer ask of the same customer replaced this one: its link no longer works. */
export const passwordResetReplacedSignal = defineSignal('passwordResetReplaced');
export const passwordResetStatusQuery = defineQuery<PasswordResetView>('passwordResetStatus');

export function passwordResetWorkflowId(resetId: string): string {
  return `password-reset-${resetId}`;
}

/** What `POST /password-resets` asks Temporal for. A person waits for the email: interactive. */
export function passwordResetStartOptions(input: PasswordResetInput, taskQueue: string) {
  return {
    workflowId: passwordResetWorkflowId(input.resetId),
    taskQueue,
    args: [input] as [PasswordResetInput],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    staticSummary: 'Password reset',
    priority: INTERACTIVE,
  };
}
