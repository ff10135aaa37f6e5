/**
 * Bulk actions (API v1.2): support's answer to an incident, one durable process that acts on every
 * order a filter matched when it started (a Stripe outage's thousands of `PaymentFailed` orders,
 * say), each exactly once, at Stripe's pace, with progress anyone can read. The rules here need no
 * I/O: which filters may start one, how it moves between its states, and how its pace is chosen.
 */
import type { OrderStatus } from './checkout';
import type { OrderQueue, SupportReason } from './work-queues';

export const BULK_ACTIONS = ['payment-retry', 'cancel'] as const;
export type BulkActionKind = (typeof BULK_ACTIONS)[number];

export const BULK_STATES = ['Running', 'Paused', 'Stopped', 'Completed'] as const;
export type BulkState = (typeof BULK_STATES)[number];

/** What support asks to move a bulk action: one of its buttons. */
export const BULK_COMMANDS = ['pause', 'resume', 'stop'] as const;
export type BulkCommand = (typeof BULK_COMMANDS)[number];

/** Which orders a bulk action acts on: every criterion given must hold. */
export interface BulkFilter {
  needs?: OrderQueue;
  reason?: SupportReason;
  status?: OrderStatus;
  /** Placed at or after this instant (ISO 8601). */
  placedFrom?: string;
  /** Placed before this instant (ISO 8601). */
  placedTo?: string;
  customerId?: string;
}

/** Who started it, kept with it: the caller's id and their name in words. */
export interface BulkStarter {
  /** role:id, as the orders' timelines record actors. */
  actor: string;
  name: string;
}

/** What a bulk action is asked to do, as its process receives it. */
export interface BulkActionRequest {
  bulkActionId: string;
  action: BulkActionKind;
  filter: BulkFilter;
  paymentMethod?: string;
  reason?: string;
  startedBy: BulkStarter;
  startedAt: string;
}

/** What one order's bulk message carries: which bulk action, and who started it. */
export interface BulkOrigin {
  bulkActionId: string;
  startedBy: BulkStarter;
}

/** How one order came out of it. */
export interface BulkOutcome {
  orderId: string;
  outcome: 'accepted' | 'refused';
  /** Why it was refused, in words for support. */
  reason?: string;
}

/** The criteria that select; a filter with none would act on every order the shop has. */
export function filterCriteria(filter: BulkFilter): (keyof BulkFilter)[] {
  return (Object.keys(filter) as (keyof BulkFilter)[]).filter((key) => filter[key] !== undefined);
}

/**
 * Why a filter cannot start a bulk action, or undefined when it can: it must select by at least one
 * criterion, a reason only within the support queue, and a time range must be a range.
 */
export function filterRefusal(filter: BulkFilter): string | undefined {
  if (filterCriteria(filter).length === 0) {
    return 'the filter matches by nothing: name the orders by needs, reason, status, customerId or when they were placed';
  }
  if (filter.reason && filter.needs && filter.needs !== 'support') {
    return `a reason belongs to the support queue, not the ${filter.needs} queue`;
  }
  if (filter.placedFrom && filter.placedTo && Date.parse(filter.placedFrom) >= Date.parse(filter.placedTo)) {
    return 'placedFrom must be before placedTo';
  }
  return undefined;
}

/**
 * The state a command moves a bulk action to, or a refusal in words. Stopped and Completed are
 * final; a repeated command (pause while paused) is no change, not an error.
 */
export function commandOutcome(
  state: BulkState,
  command: BulkCommand,
): { state: BulkState } | { refused: string } {
  if (state === 'Completed' || state === 'Stopped') {
    return { refused: `the bulk action is ${state}; it can no longer ${command}` };
  }
  if (command === 'stop') return { state: 'Stopped' };
  if (command === 'pause') return { state: 'Paused' };
  return { state: 'Running' };
}

/** How many orders a bulk action still has to act on. */
export function remaining(matched: number, done: number): number {
  return Math.max(0, matched - done);
}

/**
 * The share of Stripe's limit bulk work may take: the rest is new customers' (two requests an
 * order), so their charges never wait behind a growing bulk backlog on the Stripe queue, and a
 * pause or a stop takes effect within about a second of bulk work.
 */
export const BULK_SHARE_OF_STRIPE = 0.8;

/** The orders a bulk action acts on each second (at least one): its share of Stripe's limit. */
export function bulkOrdersPerSecond(stripeRequestsPerSecond: number): number {
  return Math.max(1, Math.floor(stripeRequestsPerSecond * BULK_SHARE_OF_STRIPE));
}

/** The words an order's timeline says of the bulk action that acted on it. */
export function bulkActionWords(kind: BulkActionKind, origin: BulkOrigin): string {
  const what = kind === 'payment-retry' ? 'Payment retry asked' : 'Cancel requested';
  return `${what} by bulk action ${origin.bulkActionId}, started by ${origin.startedBy.name}`;
}

/**
 * How long a request waits so that it goes out `1 / (perSecond × headroom)` seconds after the one
 * before it actually went: Temporal's task queue rate limit holds every worker to the shared
 * average but hands out a second's worth at once after a quiet spell, and a busy event loop can
 * bunch requests; spacing each process's requests by when they are really sent keeps both from
 * reaching Stripe as a burst. `headroom` keeps a little under the limit for network jitter.
 */
export function paceWait(
  lastSentAt: number | undefined,
  now: number,
  perSecond: number,
  headroom = 0.95,
): number {
  if (lastSentAt === undefined) return 0;
  const spacing = 1_000 / Math.max(perSecond * headroom, 0.001);
  return Math.max(0, lastSentAt + spacing - now);
}

/**
 * The Stripe workers' concurrent activities: enough to keep `perSecond` requests a second going at
 * up to half a second each, and no more, so the queue's backlog waits in Temporal's matching
 * service, in priority order, rather than in a worker.
 */
export function stripeWorkerConcurrency(perSecond: number): number {
  return Math.max(2, Math.ceil(perSecond / 2));
}
