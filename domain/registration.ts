/**
 * A customer's registration (docs/processes.md, "Registration"): the user-management saga of
 * Udi Dahan's "Asynchronous Systems Architecture for the Web". The rules that need no I/O, as pure
 * functions: what an address is for uniqueness, and how often a confirmation link may be sent.
 */
import type { DeliveryState, TimelineEvent } from './process';

/**
 * `PendingConfirmation`: the link is out; `Confirmed`: the customer is written; `Lapsed`: no click
 * within REGISTRATION_CONFIRM_WITHIN of the last link, nothing written, the address free again.
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

/** A registration as its process sees it and the API answers it. */
export interface RegistrationView {
  registrationId: string;
  email: string;
  name: string;
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

/** How often a fresh link may go out: not within a minute of the last, at most four (the first and three more) an hour. */
export const LINK_LIMITS = { minimumGapMs: 60_000, perHour: 4, windowMs: 60 * 60_000 } as const;

export type LinkRefusal = { reason: 'too_soon' | 'hourly_limit'; retryAfterMs: number };

/**
 * Whether another link may be sent at `now`, given when the earlier ones were: undefined when it
 * may, otherwise why not and how long until it may.
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
