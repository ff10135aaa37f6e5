/**
 * How each kind of side effect is retried, named once for every process. Changing one changes how
 * running processes retry from their next attempt on; it never breaks a replay (retry policies are
 * not part of a workflow's commands' identity).
 */
import type { RetryPolicy } from '@temporalio/common';

/** Settings read by a local activity at a process's start: a few quick tries. */
export const SETTINGS_READ: RetryPolicy = { maximumAttempts: 10 };

/** Our own database: retried until it succeeds, soon. */
export const OWN_STORE: RetryPolicy = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' };

/** Stripe: transient failures retried without limit, at a pace that does not pile onto an outage. */
export const STRIPE: RetryPolicy = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5m' };

/** A pending refund asked about again, for as long as Stripe takes to settle it. */
export const REFUND_CHECKS: RetryPolicy = {
  initialInterval: '30s',
  backoffCoefficient: 2,
  maximumInterval: '1h',
};

/** Events, emails and alerts: retried without limit; nothing is dropped. */
export const DELIVERIES: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '2m',
};
