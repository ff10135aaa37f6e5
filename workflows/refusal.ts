/**
 * How a process refuses a message it was asked through an update: the validator (or the handler,
 * when only an activity could tell) throws one of these, the caller gets it back at once with
 * nothing written to the history, and the API answers with the matching status: `forbidden`
 * (403, beyond the sender's authority), `conflict` (409, not something the process can take
 * now) or `limited` (429, not again so soon: `retryAfterSeconds` says when). `reason` is a short machine-readable word for clients (`beyond_authority`, `not_pending`).
 */
import { ApplicationFailure } from '@temporalio/common';

export const REFUSAL_TYPES = {
  forbidden: 'MessageForbidden',
  conflict: 'MessageConflict',
  limited: 'MessageLimited',
} as const;
export type RefusalKind = keyof typeof REFUSAL_TYPES;

export interface RefusalDetails {
  reason: string;
  /** The process's status when it refused. */
  status?: string;
  /** For a `limited` refusal: how long until the message would be taken. */
  retryAfterSeconds?: number;
}

export function refusal(kind: RefusalKind, message: string, details: RefusalDetails): ApplicationFailure {
  return ApplicationFailure.create({
    type: REFUSAL_TYPES[kind],
    message,
    details: [details],
    nonRetryable: true,
  });
}

/** The refusal an update failed with, if it is one: what the API turns into 403 or 409. */
export function refusalOf(
  err: unknown,
): { kind: RefusalKind; message: string; details: RefusalDetails } | undefined {
  let cause: unknown = err;
  for (let depth = 0; cause && depth < 4; depth++) {
    if (cause instanceof ApplicationFailure) {
      const type = cause.type;
      const kind = (Object.keys(REFUSAL_TYPES) as RefusalKind[]).find((k) => REFUSAL_TYPES[k] === type);
      if (kind)
        return { kind, message: cause.message, details: (cause.details?.[0] ?? {}) as RefusalDetails };
    }
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}
