/**
 * Imported first by each process's entry point (`worker.ts`, `api/server.ts`), before Express,
 * `http` or any client library is loaded: OpenTelemetry's HTTP instrumentation patches Node's `http`
 * module only as it is loaded. The spans go to the tracer provider `startTracing` registers once the
 * process has read its configuration; with tracing off nothing is patched.
 */
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

if (tracingWanted()) {
  registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({
        // Health checks and scrapes every few seconds would bury the requests people make.
        ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)(\?|$)/.test(req.url ?? ''),
      }),
    ],
  });
}
