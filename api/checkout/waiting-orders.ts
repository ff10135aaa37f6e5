/**
 * The checkout's gauges on the API's /metrics (api/metrics.ts serves the registry): the orders
 * waiting in each watched status and how long the oldest has waited, for the alert rules
 * (monitoring/alerts.yml: an order stuck in PaymentUnconfirmed).
 */
import { Gauge, type Registry } from 'prom-client';
import type { OrderStatus } from '../../domain/checkout';
import type { WaitingOrders } from '../../store/order-store';

/**
 * The statuses an order waits in for someone or something else: the remorse window, the payment
 * (a Stripe outage's backlog), a declined card before support, a charge Stripe has not confirmed.
 */
export const WATCHED_ORDER_STATUSES: readonly OrderStatus[] = [
  'Received',
  'Accepted',
  'PaymentFailed',
  'PaymentUnconfirmed',
];

/**
 * Orders waiting in each watched status and how long the oldest has waited, read from the app's
 * database at each scrape (one grouped query): `commerce_orders_in_status{status}` and
 * `commerce_orders_oldest_in_status_seconds{status}`, 0 when none waits. A failed read leaves
 * the last values and says so in `commerce_orders_read_failed`.
 */
export function watchWaitingOrders(
  registry: Registry,
  waiting: (statuses: readonly OrderStatus[]) => Promise<WaitingOrders[]>,
  now = Date.now,
): void {
  // One read per scrape, shared by the three gauges (the registry collects them at once).
  let reading: Promise<void> | undefined;
  const readOnce = (): Promise<void> =>
    (reading ??= read().finally(() => {
      reading = undefined;
    }));
  const read = async (): Promise<void> => {
    try {
      const rows = await waiting(WATCHED_ORDER_STATUSES);
      for (const status of WATCHED_ORDER_STATUSES) {
        const row = rows.find((r) => r.status === status);
        count.set({ status }, row?.count ?? 0);
        const age = row ? Math.max(0, (now() - Date.parse(row.oldestUpdatedAt)) / 1000) : 0;
        oldest.set({ status }, Math.round(age));
      }
      readFailed.set(0);
    } catch {
      readFailed.set(1);
    }
  };
  const count = new Gauge({
    name: 'commerce_orders_in_status',
    help: 'Orders now in a status an order waits in (Received, Accepted, PaymentFailed, PaymentUnconfirmed).',
    labelNames: ['status'],
    registers: [registry],
    collect: readOnce,
  });
  const oldest = new Gauge({
    name: 'commerce_orders_oldest_in_status_seconds',
    help: 'Seconds since the oldest order in a waiting status was last recorded; 0 when none waits.',
    labelNames: ['status'],
    registers: [registry],
    collect: readOnce,
  });
  const readFailed = new Gauge({
    name: 'commerce_orders_read_failed',
    help: '1 when the last scrape could not read the waiting orders from the database.',
    registers: [registry],
    collect: readOnce,
  });
}
