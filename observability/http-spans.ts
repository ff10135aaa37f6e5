/**
 * Each API request as the on-call engineer finds it: its server span named by its route, as the
 * metrics label it (`POST /orders`, `GET /orders/:orderId`), instead of the instrumentation's bare
 * method, and tagged with the business ids it names (`order.id`, `leave.request_id`,
 * `registration.id`); and, with a request log, one line when it is answered (route, status, time
 * taken, the business id, and the span's `trace_id`), so an order's lines in the API join its
 * lines in the workers. Probes and scrapes (`/healthz`, `/readyz`, `/metrics`) are left out.
 */
import { context, trace, type Span } from '@opentelemetry/api';
import type { Logger } from '@temporalio/common';
import type { Request, RequestHandler } from 'express';

/** Where a path names a business id (`/orders/batch` and `/registrations/confirm` name none). */
const PATH_IDS: readonly [RegExp, string, string][] = [
  [/^\/orders\/(?!batch(?:\/|$))([^/]+)/, 'order.id', 'orderId'],
  [/^\/leave-requests\/([^/]+)/, 'leave.request_id', 'requestId'],
  [/^\/registrations\/(?!confirm(?:\/|$))([^/]+)/, 'registration.id', 'registrationId'],
];

const PROBES = /^\/(healthz|readyz|metrics)$/;

/** A path segment as text; a malformed escape stays as it came (the route answers it with 400). */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The business ids a request names: in its path, or (a new order) in its body. */
function businessIds(req: Request): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const [pattern, , key] of PATH_IDS) {
    const match = pattern.exec(req.path);
    if (match) ids[key] = decoded(match[1]!).slice(0, 200);
  }
  const body = req.body as { orderId?: unknown } | undefined;
  if (req.method === 'POST' && req.path === '/orders' && typeof body?.orderId === 'string') {
    ids.orderId = body.orderId.slice(0, 200);
  }
  return ids;
}

function tagSpan(span: Span, ids: Record<string, string>): void {
  for (const [, attribute, key] of PATH_IDS) if (ids[key]) span.setAttribute(attribute, ids[key]);
}

export function requestObservability(log?: Logger): RequestHandler {
  return (req, res, next) => {
    if (PROBES.test(req.path)) return next();
    const span = trace.getSpan(context.active());
    const started = performance.now();
    const route = (): string | undefined => {
      const path = (req.route as { path?: string } | undefined)?.path;
      return path ? `${req.baseUrl}${path}` : undefined;
    };
    // Named on `finish`: the instrumentation ends the span as the response ends, and a span
    // renamed after that keeps its bare method.
    res.once('finish', () => {
      const name = route();
      if (!span) return;
      if (name) {
        span.updateName(`${req.method} ${name}`);
        span.setAttribute('http.route', name);
      }
      tagSpan(span, businessIds(req));
    });
    // Logged on `close`: answered, or given up by the client; either way one line.
    res.once('close', () => {
      const spanContext = span?.spanContext();
      log?.info('request', {
        method: req.method,
        route: route() ?? 'unmatched',
        status: res.writableFinished ? res.statusCode : 'aborted',
        ms: Math.round(performance.now() - started),
        ...businessIds(req),
        ...(spanContext ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : {}),
      });
    });
    next();
  };
}
