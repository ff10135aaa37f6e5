/**
 * How each process meets a new build of the workers (Worker Versioning; docs/operations.md,
 * "Releasing a new build"). The server keeps each running workflow on a build according to this:
 *
 * - PINNED: the workflow finishes on the build that started it. A checkout carries money and its
 *   history is short-lived enough for old workers to drain: no `patched()` needed for its changes.
 *   A registration lives a day at most.
 * - AUTO_UPGRADE: the workflow moves to the current build at its next task. Leave requests and
 *   terminations wait weeks for managers and dates; every change to them must replay their open
 *   histories, so it is guarded with `patched()` and checked by the replay suite.
 *
 * Without Worker Versioning (the dev server, the tests, an unversioned worker) this is ignored.
 */
import type { VersioningBehavior } from '@temporalio/common';
import { setWorkflowOptions, workflowInfo } from '@temporalio/workflow';

export const VERSIONING_BEHAVIOR = {
  checkoutWorkflow: 'PINNED',
  // Moves to a new build at its next task, as a leave request does: a change to its code must
  // replay its running histories (patched()); its histories are short (continue-as-new).
  bulkActionWorkflow: 'AUTO_UPGRADE',
  registrationWorkflow: 'PINNED',
  passwordResetWorkflow: 'PINNED',
  leaveRequestWorkflow: 'AUTO_UPGRADE',
  employeeTerminationWorkflow: 'AUTO_UPGRADE',
} as const satisfies Record<string, VersioningBehavior>;

/**
 * Marks each workflow function with its behavior, for a versioned worker only: the server refuses a
 * behavior from a worker without a deployment version (the dev server's and the tests' workers).
 * The SDK calls the getter once, as the workflow starts on a worker (or replays on one); an
 * unversioned worker reports a build id of its own but no deployment name.
 */
export function declareVersioning(
  workflows: Record<keyof typeof VERSIONING_BEHAVIOR, (...args: never[]) => Promise<unknown>>,
): void {
  for (const [name, fn] of Object.entries(workflows)) {
    const behavior = VERSIONING_BEHAVIOR[name as keyof typeof VERSIONING_BEHAVIOR];
    setWorkflowOptions(
      () => ({
        versioningBehavior: workflowInfo().currentDeploymentVersion?.deploymentName ? behavior : undefined,
      }),
      fn as (...args: unknown[]) => Promise<unknown>,
    );
  }
}
