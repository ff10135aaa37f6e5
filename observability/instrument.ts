/**
 * Imported first by each process's entry point (`worker.ts`, `api/server.ts`), before Express,
 * `http` or any client library is loaded: OpenTelemetry's HTTP instrumentation patches Node's `http`
 * module only as it is loaded. The spans go to the tracer provider `startTracing` registers once the
 * process has read its configuration; with tracing off nothing is patched.
 */
import { ClientRequest, IncomingMessage } from 'node:http';
import type { Span } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { tracingSettingsFrom } from './tracing';

function tracingWanted(): boolean {
  try {
    return tracingSettingsFrom(process.env, 'process').exporter !== 'none';
  } catch {
    return false; // a bad OTEL_* value: the process's configuration check names it and stops
  }
}

const pathOnly = (target: string): string => target.split('?')[0]!.slice(0, 512);

/**
 * The instrumentation records each request's URL with its query string; queries here can carry
 * what must never sit in a trace viewer: a registration's confirmation token, a sign-in's
 * authorization code and state. Spans keep the path alone.
 */
export function withoutQuery(span: Span, request: IncomingMessage | ClientRequest): void {
  if (request instanceof IncomingMessage) {
    const path = pathOnly(request.url ?? '/');
    span.setAttribute('http.target', path);
    span.setAttribute('http.url', path);
  } else if (request instanceof ClientRequest) {
    const path = pathOnly(request.path);
    span.setAttribute('http.target', path);
    span.setAttribute('http.url', `${request.protocol}//${request.host}${path}`);
  }
}

if (tracingWanted()) {
  registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({
        // Health checks and scrapes every few seconds would bury the requests people make.
        ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)(\?|$)/.test(req.url ?? ''),
        requestHook: withoutQuery,
      }),
    ],
  });
}
