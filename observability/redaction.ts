/**
 * What never leaves a process in a span. The HTTP instrumentation records each request's URL with
 * its query string, the caller's address and user agent; here a query can carry a registration's
 * confirmation token or a sign-in's authorization code, and an address is personal data. Every
 * span passes through `redactSpanAttributes` before it is exported: URLs keep their path, and the
 * caller's address and user agent are dropped.
 */
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Attributes that name the person calling (old and stable HTTP semantic conventions). */
const DROPPED = [
  'net.peer.ip',
  'net.sock.peer.addr',
  'http.client_ip',
  'client.address',
  'network.peer.address',
  'http.user_agent',
  'user_agent.original',
  'url.query',
];

/** Attributes holding a URL or a target whose query string is dropped. */
const URLS = ['http.url', 'http.target', 'url.full'];

export function redactSpanAttributes(attributes: Record<string, unknown>): void {
  for (const key of DROPPED) delete attributes[key];
  for (const key of URLS) {
    const value = attributes[key];
    if (typeof value === 'string' && value.includes('?'))
      attributes[key] = value.slice(0, value.indexOf('?'));
  }
}

/** A span processor that redacts each span, then hands it on. */
export class RedactingSpanProcessor implements SpanProcessor {
  constructor(private readonly next: SpanProcessor) {}

  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    redactSpanAttributes(span.attributes);
    this.next.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}
