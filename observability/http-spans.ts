/**
 * Names each API request's server span by its route, as the metrics label it (`POST /orders`,
 * `GET /orders/:orderId`), instead of the instrumentation's bare method, and tags it with the
 * business ids the path names (`order.id`, `leave.request_id`, `registration.id`), so Zipkin finds
 * the requests about an order by `order.id=<id>` (its placement, by `temporalWorkflowId=order-<id>`
 * on the workflow start). With tracing off there is no span and this does nothing.
 */
import { context, trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';

const PATH_IDS: readonly [RegExp, string][] = [
  [/^\/orders\/([^/]+)/, 'order.id'],
  [/^\/leave-requests\/([^/]+)/, 'leave.request_id'],
  [/^\/registrations\/([^/]+)/, 'registration.id'],
];

/** A path segment as text; a malformed escape stays as it came (the route answers it with 400). */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function requestSpanNames(): RequestHandler {
  return (req, res, next) => {
    const span = trace.getSpan(context.active());
    if (!span) return next();
    for (const [pattern, attribute] of PATH_IDS) {
      const match = pattern.exec(req.path);
      if (match) span.setAttribute(attribute, decoded(match[1]!).slice(0, 200));
    }
    res.once('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      const name = route ? `${req.baseUrl}${route}` : undefined;
      if (name) {
        span.updateName(`${req.method} ${name}`);
        span.setAttribute('http.route', name);
      }
    });
    next();
  };
}
