/**
 * Order acceptance (docs/processes.md, "Checkout and order acceptance") as pure rules: who must authorize, what the managers' answers
 * add up to, how the remorse window ends, and what a returned parcel is worth. The workflow asks
 * these functions; they do no I/O and read no clock, so they are tested on their own.
 */

/** Two requests go out for a large order: an email to the managers and an event for their tools. */
export const AUTHORIZATION_REQUESTS = 2;

export interface AuthorizationDecision {
  /** The manager who answered (the API token's subject). */
  managerId: string;
  approved: boolean;
  note?: string;
  decidedAt: string;
}

/**
 * - `NotRequired`: the order is below the threshold;
 * - `Pending`: no approval yet, and not every request has been refused;
 * - `Approved`: at least one manager approved (later refusals change nothing);
 * - `Refused`: as many managers as requests were sent said no, and none said yes.
 */
export type AuthorizationState = 'NotRequired' | 'Pending' | 'Approved' | 'Refused';

export function requiresAuthorization(total: number, threshold: number): boolean {
  return total >= threshold;
}

/**
 * Adds a manager's answer. A manager answers once: the first answer of each manager counts, a
 * second one from the same manager is not recorded (`counted: false`), and neither is an answer
 * that comes after the outcome is settled (approved or refused).
 */
export function recordDecision(
  decisions: readonly AuthorizationDecision[],
  decision: AuthorizationDecision,
): { decisions: AuthorizationDecision[]; counted: boolean } {
  const settled = authorizationState(true, decisions) !== 'Pending';
  const repeated = decisions.some((d) => d.managerId === decision.managerId);
  if (settled || repeated) return { decisions: [...decisions], counted: false };
  return { decisions: [...decisions, decision], counted: true };
}

export function authorizationState(
  required: boolean,
  decisions: readonly AuthorizationDecision[],
): AuthorizationState {
  if (!required) return 'NotRequired';
  if (decisions.some((d) => d.approved)) return 'Approved';
  const refusals = new Set(decisions.filter((d) => !d.approved).map((d) => d.managerId)).size;
  return refusals >= AUTHORIZATION_REQUESTS ? 'Refused' : 'Pending';
}

export type AcceptanceOutcome = 'Accepted' | 'Cancelled' | 'Rejected';

/**
 * How the remorse window ends. A cancel the process has received when it acts on the window's
 * end wins, including a cancel that arrives at the same instant as the timer; an order that still
 * needs an approval then is rejected.
 */
export function acceptanceOutcome(cancelled: boolean, authorization: AuthorizationState): AcceptanceOutcome {
  if (cancelled) return 'Cancelled';
  return authorization === 'Approved' || authorization === 'NotRequired' ? 'Accepted' : 'Rejected';
}

export interface ReturnRefund {
  /** What goes back to the customer, in minor units. */
  amount: number;
  /** What the shop keeps, in minor units (0 for goods in their original packaging). */
  restockingFee: number;
}

/**
 * The refund for goods returned after a cancellation. In original packaging: everything. Otherwise
 * the restocking fee is `restockingFeePercent` of the total, rounded down to a whole minor unit
 * (the customer is never charged a fraction of a cent more than the percentage), and the rest is
 * refunded. Integer arithmetic throughout: 15% of 999 is a fee of 149 and a refund of 850.
 */
export function refundForReturn(
  total: number,
  originalPackaging: boolean,
  restockingFeePercent: number,
): ReturnRefund {
  if (!Number.isSafeInteger(total) || total <= 0) {
    throw new RangeError(`the total must be a positive whole number of minor units, not ${total}`);
  }
  if (!Number.isInteger(restockingFeePercent) || restockingFeePercent < 0 || restockingFeePercent > 100) {
    throw new RangeError(
      `the restocking fee must be a whole percentage from 0 to 100, not ${restockingFeePercent}`,
    );
  }
  if (originalPackaging) return { amount: total, restockingFee: 0 };
  const restockingFee = Number((BigInt(total) * BigInt(restockingFeePercent)) / 100n);
  return { amount: total - restockingFee, restockingFee };
}
