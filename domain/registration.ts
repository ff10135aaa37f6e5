/**
 * A customer's registration (docs/processes.md, "Registration"): the user-management saga of
 * Udi Dahan's "Asynchronous Systems Architecture for the Web". The rules that need no I/O, as pure
 * functions: what an address is for uniqueness, how often a confirmation link may go to an
 * address, how many passwords a link may be tried with, and what a lapsed registration keeps.
 *
 * Each sign-up is its own registration with its own password: an address may have several pending
 * ones (a stranger may sign up with someone else's address). Whoever proves control of the mailbox
 * (the link) must also prove the credentials (the password chosen at that sign-up); the first
 * sign-up of an address confirmed wins and the others lapse.
 */
import type { DeliveryState, TimelineEvent } from './process';

/**
 * `PendingConfirmation`: waiting for the link and the password; `Confirmed`: the customer is
 * written; `Lapsed`: not confirmed in time, or closed (another sign-up of the address was
 * confirmed, or too many wrong passwords): nothing written, nothing personal kept.
 */
export const REGISTRATION_STATUSES = ['PendingConfirmation', 'Confirmed', 'Lapsed'] as const;
export type RegistrationStatus = (typeof REGISTRATION_STATUSES)[number];

/** What the registration's process starts with: never the password, nor its hash. */
export interface Registration {
  registrationId: string;
  /** As the customer typed it: where the emails go. */
  email: string;
  name: string;
  createdAt: string;
}

/** Why a registration lapsed: no confirmation in time, another sign-up of the address confirmed first, or too many wrong passwords. */
export const LAPSE_REASONS = ['not_confirmed_in_time', 'address_taken', 'too_many_wrong_passwords'] as const;
export type LapseReason = (typeof LAPSE_REASONS)[number];

/** A registration as its process sees it and the API answers it. */
export interface RegistrationView {
  registrationId: string;
  /** Absent once lapsed: a lapsed registration keeps no personal data. */
  email?: string;
  /** Absent once lapsed. */
  name?: string;
  status: RegistrationStatus;
  createdAt: string;
  updatedAt: string;
  /** How many confirmation links were sent; only the last one works. */
  linksSent: number;
  /** When each link was sent, oldest first. */
  linkSentAt: string[];
  /** When the last link stops working and the registration lapses unless it is opened. */
  confirmBy: string;
  confirmedAt?: string;
  lapsedAt?: string;
  lapseReason?: LapseReason;
  /** The customer written on confirmation. */
  customerId?: string;
  notifications?: Record<string, DeliveryState>;
  timeline?: TimelineEvent[];
}

/** The address as one customer: trimmed and lower-cased (every mail system we meet treats it so). */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

/** The customer id a confirmed registration writes: one per registration, the same on every retry. */
export function customerIdFor(registrationId: string): string {
  return `cus_${registrationId.replace(/^reg_/, '')}`;
}

/**
 * How often a link may go to one address, whichever of its sign-ups sends it: not within a minute
 * of the last, at most four (the first and three more) an hour.
 */
export const LINK_LIMITS = { minimumGapMs: 60_000, perHour: 4, windowMs: 60 * 60_000 } as const;

export type LinkRefusal = { reason: 'too_soon' | 'hourly_limit'; retryAfterMs: number };

/** A refused link in words, and the whole seconds to wait (at least 1): what a 429 says and its `Retry-After`. */
export function linkRefusalWords(limited: LinkRefusal): { message: string; retryAfterSeconds: number } {
  const retryAfterSeconds = Math.max(1, Math.ceil(limited.retryAfterMs / 1000));
  return {
    retryAfterSeconds,
    message:
      limited.reason === 'too_soon'
        ? `a link went to this address less than a minute ago; ask again in ${retryAfterSeconds} s`
        : `links went to this address too often this hour; ask again in ${Math.ceil(retryAfterSeconds / 60)} min`,
  };
}

/** A place for a registration's next link under its address's limits: granted, refused, or no longer pending. */
export type LinkClaim =
  | { granted: true }
  | ({ granted: false } & LinkRefusal)
  | { granted: false; reason: 'not_pending'; retryAfterMs: 0 };

/**
 * Whether another link may be sent at `now`, given when the earlier ones to the same address were
 * (every sign-up's): undefined when it may, otherwise why not and how long until it may.
 */
export function linkRefusal(sentAt: readonly string[], now: number): LinkRefusal | undefined {
  const times = sentAt.map((at) => Date.parse(at)).filter((t) => Number.isFinite(t));
  const last = Math.max(-Infinity, ...times);
  if (now - last < LINK_LIMITS.minimumGapMs) {
    return { reason: 'too_soon', retryAfterMs: last + LINK_LIMITS.minimumGapMs - now };
  }
  const recent = times.filter((t) => now - t < LINK_LIMITS.windowMs).sort((a, b) => a - b);
  if (recent.length >= LINK_LIMITS.perHour) {
    const oldestCounted = recent[recent.length - LINK_LIMITS.perHour]!;
    return { reason: 'hourly_limit', retryAfterMs: oldestCounted + LINK_LIMITS.windowMs - now };
  }
  return undefined;
}

/**
 * Which page a confirmation link leads to, from what the link and its registration say, before
 * the process is asked: `ask` when only the process can decide.
 */
export type LinkVerdict = 'ask' | 'already_confirmed' | 'replaced' | 'expired';

export function linkVerdict(
  link: { linkNumber: number; expiresAt: string },
  registration: { status: RegistrationStatus; linksSent: number },
  now: number,
): LinkVerdict {
  if (registration.status === 'Confirmed') return 'already_confirmed';
  if (registration.status === 'Lapsed') return 'expired';
  if (link.linkNumber < registration.linksSent) return 'replaced';
  if (Date.parse(link.expiresAt) <= now) return 'expired';
  return 'ask';
}

/** The send times that still count for LINK_LIMITS at `now`: what the store keeps, the older ones pruned. */
export function linkTimesInWindow(sentAt: readonly string[], now: number): string[] {
  return sentAt.filter((at) => {
    const t = Date.parse(at);
    return Number.isFinite(t) && now - t < LINK_LIMITS.windowMs;
  });
}

/**
 * How many times a registration's password may be tried on its confirmation page, right or wrong:
 * the last wrong one closes the registration (it lapses), so a link that leaked (a mail gateway's
 * log, a forwarded email) cannot be used to guess the password.
 */
export const PASSWORD_TRIES = 5;

/** What the n-th try of a registration's password may do: be checked, or nothing (closed). */
export function passwordTry(
  triesSoFar: number,
): { kind: 'check'; lastTry: boolean; triesLeftAfter: number } | { kind: 'closed' } {
  if (triesSoFar >= PASSWORD_TRIES) return { kind: 'closed' };
  const triesLeftAfter = PASSWORD_TRIES - triesSoFar - 1;
  return { kind: 'check', lastTry: triesLeftAfter === 0, triesLeftAfter };
}

/**
 * What a lapsed registration keeps: its id, its status, why and when, and counts; never the
 * address, the name, the timeline (who acted, each step) or the deliveries. The process answers
 * with this and records it; the store writes nothing more of a lapsed registration.
 */
export function lapsedView(
  view: RegistrationView,
  lapse: { at?: string; reason?: LapseReason } = {},
): RegistrationView {
  const lapsedAt = lapse.at ?? view.lapsedAt ?? view.updatedAt;
  const reason = lapse.reason ?? view.lapseReason;
  return {
    registrationId: view.registrationId,
    status: 'Lapsed',
    createdAt: view.createdAt,
    updatedAt: view.updatedAt > lapsedAt ? view.updatedAt : lapsedAt,
    linksSent: view.linksSent,
    linkSentAt: [...view.linkSentAt],
    confirmBy: view.confirmBy,
    lapsedAt,
    ...(reason ? { lapseReason: reason } : {}),
  };
}
