/**
 * How a customer's sign-in slows down a guesser (docs/sign-in.md, "Customers"): counted per account
 * (the address, known or not) and per client address, failures only.
 *
 * - The first FREE_FAILURES wrong tries cost nothing.
 * - After that, each next try waits twice as long as the one before, from the last failure
 *   (1 s, 2 s, 4 s, … at most MAX_DELAY_S): a try sooner is answered 429 with `Retry-After`,
 *   without checking the password.
 * - LOCK_AFTER failures lock the key for LOCK_S, whatever the password.
 * - A sign-in that succeeds clears its account's count; a password reset clears it too, so a
 *   customer locked out by someone else's guessing gets back in with their mailbox.
 *
 * Pure: the store keeps the counts, the sign-in page asks here.
 */
export const FREE_FAILURES = 3;
export const MAX_DELAY_S = 60;
export const LOCK_AFTER = 10;
export const LOCK_S = 15 * 60;
/** A count older than this is forgotten: a customer who mistyped last week starts afresh. */
export const FORGET_AFTER_S = 24 * 3600;

export interface Failures {
  count: number;
  /** ms */
  lastAt: number;
}

/** Whether a try may be checked now (ms), or how many seconds to wait. */
export function tryAllowed(
  failures: Failures | undefined,
  now: number,
): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
  const count = current(failures, now);
  if (count < FREE_FAILURES) return { allowed: true };
  const waitS = count >= LOCK_AFTER ? LOCK_S : Math.min(MAX_DELAY_S, 2 ** (count - FREE_FAILURES));
  const readyAt = failures!.lastAt + waitS * 1000;
  return readyAt <= now
    ? { allowed: true }
    : { allowed: false, retryAfterSeconds: Math.ceil((readyAt - now) / 1000) };
}

/**
 * A client address may be many customers behind one router: it is slowed at five times an
 * account's failures (at most MAX_DELAY_S), and locked for LOCK_S only after CLIENT_LOCK_AFTER,
 * the mark of a guesser working through many accounts. A customer who set a new password within
 * RESET_PASS_S passes a client's lock (their reset is the way out, as for their account's).
 */
export const CLIENT_SHARE = 5;
export const CLIENT_LOCK_AFTER = 100;
export const RESET_PASS_S = 15 * 60;

/** `tryAllowed` for a key of `kind`: a client address's count is shared out, and locks late. */
export function tryAllowedFor(
  kind: 'account' | 'client',
  failures: Failures | undefined,
  now: number,
): ReturnType<typeof tryAllowed> {
  if (kind === 'account' || !failures) return tryAllowed(failures, now);
  const count = current(failures, now);
  if (count >= CLIENT_LOCK_AFTER) return tryAllowed({ ...failures, count: LOCK_AFTER }, now);
  return tryAllowed({ ...failures, count: Math.min(Math.floor(count / CLIENT_SHARE), LOCK_AFTER - 1) }, now);
}

/** Whether a customer whose password changed at `changedAt` (ms) passes a client address's lock at `now`. */
export function passesClientLock(changedAt: number | undefined, now: number): boolean {
  return changedAt !== undefined && now - changedAt < RESET_PASS_S * 1000;
}

/** The count after one more failure at `now`. */
export function failedOnce(failures: Failures | undefined, now: number): Failures {
  return { count: current(failures, now) + 1, lastAt: now };
}

function current(failures: Failures | undefined, now: number): number {
  if (!failures) return 0;
  return now - failures.lastAt > FORGET_AFTER_S * 1000 ? 0 : failures.count;
}
