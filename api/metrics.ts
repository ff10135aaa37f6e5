/**
 * The API's own metrics in Prometheus' text format, served at GET /metrics, through prom-client:
 * requests by method, route and status, their duration as a histogram, and Node's process metrics
 * (CPU, memory, event-loop lag). One registry per app, so two apps in one process never mix.
 */
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { OrderStatus } from '../domain/checkout';
import type { WaitingOrders } from '../store/order-store';

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

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LABELS = ['method', 'route', 'status'] as const;

export class HttpMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route and status.',
    labelNames: LABELS,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request.',
    labelNames: LABELS,
    buckets: BUCKETS,
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Orders waiting in each watched status and how long the oldest has waited, read from the app's
   * database at each scrape (one grouped query): `commerce_orders_in_status{status}` and
   * `commerce_orders_oldest_in_status_seconds{status}`, 0 when none waits. A failed read leaves
   * the last values and says so in `commerce_orders_read_failed`.
   */
  watchOrders(waiting: (statuses: readonly OrderStatus[]) => Promise<WaitingOrders[]>, now = Date.now): void {
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
      registers: [this.registry],
      collect: readOnce,
    });
    const oldest = new Gauge({
      name: 'commerce_orders_oldest_in_status_seconds',
      help: 'Seconds since the oldest order in a waiting status was last recorded; 0 when none waits.',
      labelNames: ['status'],
      registers: [this.registry],
      collect: readOnce,
    });
    const readFailed = new Gauge({
      name: 'commerce_orders_read_failed',
      help: '1 when the last scrape could not read the waiting orders from the database.',
      registers: [this.registry],
      collect: readOnce,
    });
  }

  /** Records every response once it is sent, labelled by the route pattern (not the raw path). */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const stop = this.duration.startTimer();
      res.once('finish', () => {
        const route = (req.route as { path?: string } | undefined)?.path;
        const labels = {
          method: req.method,
          route: route ? `${req.baseUrl}${route}` : 'unmatched',
          status: res.statusCode,
        };
        stop(labels);
        this.requests.inc(labels);
      });
      next();
    };
  }

  record(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status };
    this.requests.inc(labels);
    this.duration.observe(labels, seconds);
  }

  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
