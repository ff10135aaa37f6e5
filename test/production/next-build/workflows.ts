/**
 * The next build of the workers, for the rollout test (test/production/rollout.test.ts): today's
 * workflows with one change each, made the way the runbook says (docs/operations.md, "Releasing a
 * new build"). Both changes leave a mark a test can read: the memo `build: next`.
 *
 * - The checkout (PINNED) changes freely: a checkout started on the old build never runs here.
 * - A leave request (AUTO_UPGRADE) moves here at its next task, so its change is guarded with
 *   `patched()`: a request that started on the old build replays the old path.
 *
 * `./unguarded.ts` is the same leave change without the guard, which the replay gate must refuse.
 */
import { patched, upsertMemo } from '@temporalio/workflow';
import * as today from '../../../workflows';
import type { PlacedOrder } from '../../../domain/checkout';
import type { LeaveRequest } from '../../../domain/leave';
import { declareVersioning } from '../../../workflows/versioning';

export const NEXT_BUILD_CHANGE = 'rollout-next-build';

export async function checkoutWorkflow(order: PlacedOrder): ReturnType<typeof today.checkoutWorkflow> {
  upsertMemo({ build: 'next' });
  return today.checkoutWorkflow(order);
}

export async function leaveRequestWorkflow(
  request: LeaveRequest,
): ReturnType<typeof today.leaveRequestWorkflow> {
  if (patched(NEXT_BUILD_CHANGE)) upsertMemo({ build: 'next' });
  return today.leaveRequestWorkflow(request);
}

export const {
  employeeTerminationWorkflow,
  registrationWorkflow,
  bulkActionWorkflow,
  passwordResetWorkflow,
} = today;

declareVersioning({
  checkoutWorkflow,
  bulkActionWorkflow,
  leaveRequestWorkflow,
  employeeTerminationWorkflow,
  registrationWorkflow,
  passwordResetWorkflow,
});
