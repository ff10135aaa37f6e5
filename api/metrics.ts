/**
 * The API's own metrics in Prometheus' text format, served at GET /metrics: requests by method,
 * route and status, and their duration as a histogram. Small enough to need no client library.
 */
import type { RequestHandler } from 'express';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Series {
  labels: string;
  count: number;
  sum: number;
  buckets: number[];
}

export class HttpMetrics {
  private readonly series = new Map<string, Series>();

  /** Records every response once it is sent, labelled by the route pattern (not the raw path). */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const started = process.hrtime.bigint();
      res.once('finish', () => {
        const route = (req.route as { path?: string } | undefined)?.path;
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        this.record(req.method, route ? `${req.baseUrl}${route}` : 'unmatched', res.statusCode, seconds);
      });
      next();
    };
  }

  record(method: string, route: string, status: number, seconds: number): void {
    const labels = `method="${method}",route="${route.replace(/"/g, '\\"')}",status="${status}"`;
    let series = this.series.get(labels);
    if (!series) {
      series = { labels, count: 0, sum: 0, buckets: BUCKETS.map(() => 0) };
      this.series.set(labels, series);
    }
    series.count += 1;
    series.sum += seconds;
    BUCKETS.forEach((bound, i) => {
      if (seconds <= bound) series.buckets[i]! += 1;
    });
  }

  exposition(): string {
    const lines = [
      '# HELP http_requests_total HTTP requests answered, by method, route and status.',
      '# TYPE http_requests_total counter',
      ...[...this.series.values()].map((s) => `http_requests_total{${s.labels}} ${s.count}`),
      '# HELP http_request_duration_seconds Time to answer an HTTP request.',
      '# TYPE http_request_duration_seconds histogram',
      ...[...this.series.values()].flatMap((s) => [
        ...BUCKETS.map(
          (bound, i) => `http_request_duration_seconds_bucket{${s.labels},le="${bound}"} ${s.buckets[i]}`,
        ),
        `http_request_duration_seconds_bucket{${s.labels},le="+Inf"} ${s.count}`,
        `http_request_duration_seconds_sum{${s.labels}} ${s.sum}`,
        `http_request_duration_seconds_count{${s.labels}} ${s.count}`,
      ]),
    ];
    return `${lines.join('\n')}\n`;
  }
}
