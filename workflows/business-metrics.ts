/**
 * The business counters a process emits, through the SDK's workflow metric meter: replay-aware (a
 * replayed workflow task counts nothing again), tagged by the SDK with the namespace, task queue
 * and workflow type, and served with the SDK's own metrics at the worker's WORKER_METRICS_ADDRESS.
 * The alert rules (monitoring/alerts.yml) read them:
 *
 * - `commerce_status_entered`: a process entered a status (`status`): an order `Received` is an
 *   order placed, `Paid` paid, `PaymentFailed` declined, `PaymentUnconfirmed` unconfirmed by Stripe,
 *   `Refunded` refunded; a leave request `Approved`, `Refused`…: a leave decision.
 * - `commerce_support_alerts`: support was alerted (`kind`: `delivery_delayed`, `delivery_failed`,
 *   `refund_failed`, …): what a person has to act on.
 */
import type { MetricCounter } from '@temporalio/common';
import { metricMeter } from '@temporalio/workflow';

let statusEntered: MetricCounter | undefined;
let supportAlerts: MetricCounter | undefined;

export function countStatusEntered(status: string): void {
  statusEntered ??= metricMeter.createCounter(
    'commerce_status_entered',
    'transitions',
    'A business process entered a status (by workflow type and status).',
  );
  statusEntered.add(1, { status });
}

export function countSupportAlert(kind: string): void {
  supportAlerts ??= metricMeter.createCounter(
    'commerce_support_alerts',
    'alerts',
    'Support was alerted by a business process (by workflow type and kind).',
  );
  supportAlerts.add(1, { kind });
}
