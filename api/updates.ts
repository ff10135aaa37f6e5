/**
 * Asking a running process through a Workflow Update: one round trip that carries the message and
 * brings back the process's answer (the view after it), or its refusal from the update's validator
 * (workflows/refusal.ts), mapped to 403, 409 or 429 with the reason. An update needs a running worker;
 * the API waits at most UPDATE_DEADLINE_MS, and each route says what it does when none answered.
 */
import {
  WorkflowNotFoundError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { refusalOf, type RefusalKind } from '../workflows/refusal';
import { HttpError, isTemporalUnavailable } from './errors';

/** The HTTP answer to each kind of refusal. */
const REFUSAL_ANSWERS: Record<RefusalKind, [number, string]> = {
  forbidden: [403, 'forbidden'],
  conflict: [409, 'conflict'],
  limited: [429, 'too_many_requests'],
};

/** How long a message waits for the process's answer before the route falls back. */
export const UPDATE_DEADLINE_MS = 5_000;

export type ProcessAnswer<Ret> =
  | { kind: 'answered'; view: Ret }
  /** The process has ended: nothing is running to take the message. */
  | { kind: 'closed' }
  /** No worker answered within UPDATE_DEADLINE_MS (stopped, backlogged). */
  | { kind: 'no_answer' };

/** Sends `update` and returns the process's answer; a refusal is thrown as a 403, 409 or 429. */
export async function askProcess<Ret, Arg>(
  client: Client,
  handle: WorkflowHandle,
  update: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
): Promise<ProcessAnswer<Ret>> {
  try {
    const view = await client.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () =>
      handle.executeUpdate(update, { args: [arg] }),
    );
    return { kind: 'answered', view };
  } catch (err) {
    const refused = refusalOf(err);
    if (refused) {
      const [status, code] = REFUSAL_ANSWERS[refused.kind];
      throw new HttpError(status, code, refused.message, refused.details);
    }
    if (err instanceof WorkflowNotFoundError) return { kind: 'closed' };
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isTemporalUnavailable(err)) {
      return { kind: 'no_answer' };
    }
    throw err;
  }
}

/** For a decision that needs the process's own answer: no worker in time is a 503 saying so. */
export function noAnswer(what: string): HttpError {
  return new HttpError(
    503,
    'process_unavailable',
    `the ${what} did not answer within ${UPDATE_DEADLINE_MS / 1000} s (no worker is running, or it is backlogged); ` +
      'the decision is taken when it answers, if it still applies then: look at it again before repeating it',
  );
}
