/**
 * The API's own metrics in Prometheus' text format, served at GET /metrics, through prom-client:
 * requests by method, route and status, their duration as a histogram, and Node's process metrics
 * (CPU, memory, event-loop lag). One registry per app, so two apps in one process never mix.
 */
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

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
