/**
 * Task queue priority keys (1 first, 5 last; Temporal's default is 3), shared by every process.
 *
 * - What a person is waiting for goes first: a new customer's Stripe calls, a registration's
 *   emails and steps, a leave request's approvals and its emails (workflow and activities).
 * - A bulk action's own workflow and bookkeeping keep the default, so a pause or a stop is answered
 *   however busy the queue is.
 * - The chunk's messages to orders go just behind everything interactive; a bulk action's charges
 *   last.
 */
export const INTERACTIVE_PRIORITY = 1;
export const BULK_MESSAGES_PRIORITY = 4;
export const BULK_PRIORITY = 5;

/** The priority a process a person waits for is started with, and its activities scheduled with. */
export const INTERACTIVE = { priorityKey: INTERACTIVE_PRIORITY } as const;
