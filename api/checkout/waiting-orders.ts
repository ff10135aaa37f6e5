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
 * the last values and says so in `commerce_orders_read_failed`. `/metrics` needs no token and a
 * hung database must not hang it: a read gets READ_TIMEOUT_MS, and scrapes within READ_EVERY_MS of
 * the last read are answered from it (one query per interval, however often it is asked).
 */
export const READ_TIMEOUT_MS = 2_000;
export const READ_EVERY_MS = 10_000;

export function watchWaitingOrders(
  registry: Registry,
  waiting: (statuses: readonly OrderStatus[]) => Promise<WaitingOrders[]>,
  now = Date.now,
): void {
  // One read shared by the three gauges (the registry collects them at once) and by the scrapes
  // of the next READ_EVERY_MS.
  let reading: Promise<void> | undefined;
  let readAt = -Infinity;
  const readOnce = (): Promise<void> => {
    if (!reading && now() - readAt < READ_EVERY_MS) return Promise.resolve();
    reading ??= read().finally(() => {
      reading = undefined;
      readAt = now();
    });
    return reading;
  };
  const read = async (): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('the database did not answer')), READ_TIMEOUT_MS);
      });
      const rows = await Promise.race([waiting(WATCHED_ORDER_STATUSES), timeout]);
      for (const status of WATCHED_ORDER_STATUSES) {
        const row = rows.find((r) => r.status === status);
        count.set({ status }, row?.count ?? 0);
        const age = row ? Math.max(0, (now() - Date.parse(row.oldestUpdatedAt)) / 1000) : 0;
        oldest.set({ status }, Math.round(age));
      }
      readFailed.set(0);
    } catch {
      readFailed.set(1);
    } finally {
      clearTimeout(timer);
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
    help: 'Seconds since the oldest order in a waiting status entered it; 0 when none waits.',
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
