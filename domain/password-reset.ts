/**
 * A forgotten password (API v1.2, "Customers"): the customer asks with their address, gets an
 * emailed one-time link, and sets a new password on the page behind it. Pure rules and words.
 *
 * - Every ask is answered the same way (202), whether or not the address is a customer's: the
 *   answer never tells a stranger who shops here. An unknown address gets no email and nothing of
 *   it is kept but the process's id and `NoAccount`.
 * - Only the newest link of a customer works: a second ask replaces the first (`Replaced`).
 * - A link works for PASSWORD_RESET_WITHIN (default 1 h), once (`Completed`), then `Expired`.
 * - A new password ends every session the customer had: tokens issued before it are refused.
 * - A customer's inbox is not a stranger's to fill: at most one link a minute and four an hour go
 *   to a customer (RESET_LIMITS); an ask beyond them sends nothing and ends `Limited`, with the
 *   same answer as any other.
 */
export const PASSWORD_RESET_STATUSES = [
  'PendingReset',
  'Completed',
  'Expired',
  'Replaced',
  'NoAccount',
  'Limited',
] as const;
export type PasswordResetStatus = (typeof PASSWORD_RESET_STATUSES)[number];

export const DEFAULT_PASSWORD_RESET_WITHIN_MS = 60 * 60_000;

export const RESET_LIMITS = { minimumGapMs: 60_000, perHour: 4, windowMs: 60 * 60_000 } as const;

/** Whether one more link may go to a customer who was sent links at `sentAt` (ms), at `now`. */
export function resetAllowed(sentAt: readonly number[], now: number): boolean {
  const recent = sentAt.filter((at) => now - at < RESET_LIMITS.windowMs);
  if (recent.length >= RESET_LIMITS.perHour) return false;
  return !recent.some((at) => now - at < RESET_LIMITS.minimumGapMs);
}

/** What support sees of a reset (never the token, never the password). */
export interface PasswordResetView {
  resetId: string;
  status: PasswordResetStatus;
  /** Absent for `NoAccount`: nothing of a stranger's address is kept. */
  customerId?: string;
  email?: string;
  requestedAt: string;
  /** Until when its link works, while it is pending. */
  expiresAt?: string;
  updatedAt: string;
  timeline: { at: string; kind: string; detail: string }[];
}

/** Why a link's page refuses it. */
export type ResetLinkVerdict = 'ok' | 'unknown' | 'used' | 'expired' | 'replaced';

/** A link's verdict from its reset's state at `now` (ms). */
export function resetLinkVerdict(
  reset: { status: PasswordResetStatus; expiresAt: string } | undefined,
  now: number,
): ResetLinkVerdict {
  if (!reset) return 'unknown';
  if (reset.status === 'Completed') return 'used';
  if (reset.status === 'Replaced') return 'replaced';
  if (reset.status !== 'PendingReset' || Date.parse(reset.expiresAt) <= now) return 'expired';
  return 'ok';
}

/** Whether a token issued at `issuedAtSeconds` (its `iat`) outlived a password change at `changedAt` (ms). */
export function issuedBeforeChange(
  issuedAtSeconds: number | undefined,
  changedAt: number | undefined,
): boolean {
  if (changedAt === undefined) return false;
  // A token without iat cannot show it came after: refused once the password changed.
  if (issuedAtSeconds === undefined) return true;
  // `iat` counts whole seconds: a token of the change's own second may be from before it, so it goes too.
  return issuedAtSeconds <= Math.floor(changedAt / 1000);
}
