/**
 * OpenTelemetry tracing for one process (the API or a worker), configured by the standard `OTEL_*`
 * variables and nothing else:
 *
 * - `OTEL_TRACES_EXPORTER`: `otlp`, `zipkin`, `console` or `none`. Unset, the exporter follows the
 *   endpoint that is set (`OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` →
 *   OTLP over HTTP, `OTEL_EXPORTER_ZIPKIN_ENDPOINT` → Zipkin); with no endpoint, tracing is off
 *   (a production process without a collector sends nothing anywhere).
 * - `OTEL_SDK_DISABLED=true`: off, whatever else is set.
 * - `OTEL_SERVICE_NAME`: the service in every span (default: the process's own name, `api` or
 *   `worker`, prefixed `temporal-commerce-`).
 * - `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`: read by the SDK itself (default
 *   `parentbased_always_on`: every request traced, a child follows its parent's decision).
 *
 * When on, the process's tracer provider is registered globally with W3C trace-context propagation;
 * the HTTP instrumentation (observability/instrument.ts, loaded first) sends it server spans for the API's requests, client spans for every outgoing
 * HTTP call: Stripe, SendGrid, the identity provider). Temporal's interceptors
 * (observability/temporal-tracing.ts) carry the context through workflows and activities.
 */
import {
  context,
  trace,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { RedactingSpanProcessor } from './redaction';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export type TraceExporterKind = 'otlp' | 'zipkin' | 'console' | 'none';

export interface TracingSettings {
  exporter: TraceExporterKind;
  /** The exporter's endpoint as configured (OTLP's base or traces URL, Zipkin's spans URL). */
  endpoint?: string;
  serviceName: string;
}

type Env = Record<string, string | undefined>;

const KINDS: readonly TraceExporterKind[] = ['otlp', 'zipkin', 'console', 'none'];

/** Reads the standard variables; throws, naming the variable, on a value it cannot use. */
export function tracingSettingsFrom(env: Env, processName: string): TracingSettings {
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || `temporal-commerce-${processName}`;
  const otlp = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const zipkin = env.OTEL_EXPORTER_ZIPKIN_ENDPOINT?.trim();
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return { exporter: 'none', serviceName };
  const named = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (named) {
    // The standard allows a list; one exporter is what a process here sends to.
    const first = named.split(',')[0]!.trim() as TraceExporterKind;
    if (!KINDS.includes(first)) {
      throw new Error(`OTEL_TRACES_EXPORTER: "${named}" is not one of ${KINDS.join(', ')}`);
    }
    return {
      exporter: first,
      endpoint: first === 'otlp' ? otlp : first === 'zipkin' ? zipkin : undefined,
      serviceName,
    };
  }
  if (otlp) return { exporter: 'otlp', endpoint: otlp, serviceName };
  if (zipkin) return { exporter: 'zipkin', endpoint: zipkin, serviceName };
  return { exporter: 'none', serviceName };
}

function exporterFor(settings: TracingSettings): SpanExporter | undefined {
  switch (settings.exporter) {
    case 'otlp':
      // The exporter reads OTEL_EXPORTER_OTLP_* (endpoint, headers, timeout) itself.
      return new OTLPTraceExporter();
    case 'zipkin':
      return new ZipkinExporter(settings.endpoint ? { url: settings.endpoint } : {});
    case 'console':
      return new ConsoleSpanExporter();
    case 'none':
      return undefined;
  }
}

/**
 * W3C trace context, written and never read: for the API. It writes the context into every
 * outgoing request and Temporal header, and takes none from a request it answers. The API is
 * called from the internet; a caller's `traceparent` would choose the trace id of its spans and, by
 * its flags, whether its order is traced at all. Each request the API answers starts a trace of
 * its own. (Telling a request's headers from Temporal's by their `Host` was not enough: an
 * HTTP/1.0 request may come without one.)
 */
export class WriteOnlyPropagator implements TextMapPropagator {
  private readonly w3c = new W3CTraceContextPropagator();

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    this.w3c.inject(context, carrier, setter);
  }

  extract(context: Context, _carrier?: unknown, _getter?: TextMapGetter): Context {
    return context;
  }

  fields(): string[] {
    return this.w3c.fields();
  }
}

/**
 * Whether a process continues the trace context it receives. A worker does: an activity's context
 * comes in its Temporal headers, and a worker answers no HTTP request. The API does not.
 */
export type TraceContextFrom = 'temporal' | 'nowhere';

export interface Tracing {
  enabled: boolean;
  settings: TracingSettings;
  resource: Resource;
  /** What the workflow span sink hands its spans to (batched, as the process's own). */
  spanProcessor?: SpanProcessor;
  /** Sends what is buffered, then stops: call before the process exits. */
  shutdown(): Promise<void>;
  /** One line for the start-up log. */
  summary: string;
}

/**
 * Starts tracing for this process, or returns a handle that does nothing when it is off. The entry
 * point imports observability/instrument.ts first, so the HTTP modules are instrumented.
 */
export function startTracing(
  env: Env,
  processName: string,
  contextFrom: TraceContextFrom,
  version = '0.1.0',
): Tracing {
  const settings = tracingSettingsFrom(env, processName);
  const resource = new Resource({
    [ATTR_SERVICE_NAME]: settings.serviceName,
    [ATTR_SERVICE_VERSION]: version,
  });
  const exporter = exporterFor(settings);
  if (!exporter) {
    return {
      enabled: false,
      settings,
      resource,
      shutdown: async () => undefined,
      summary:
        'tracing off (set OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_ZIPKIN_ENDPOINT to send traces)',
    };
  }
  // Every span redacted before it is batched (observability/redaction.ts).
  const spanProcessor = new RedactingSpanProcessor(new BatchSpanProcessor(exporter));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register({
    propagator: contextFrom === 'nowhere' ? new WriteOnlyPropagator() : new W3CTraceContextPropagator(),
  });
  return {
    enabled: true,
    settings,
    resource,
    spanProcessor,
    shutdown: () => provider.shutdown(),
    summary: `traces to ${settings.exporter}${settings.endpoint ? ` at ${settings.endpoint}` : ''} as service ${settings.serviceName}`,
  };
}

/** The trace and span ids of the span active here, if any (for log lines). */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  const span = trace.getSpan(context.active());
  const ids = span?.spanContext();
  if (!ids || !trace.isSpanContextValid(ids)) return undefined;
  return { trace_id: ids.traceId, span_id: ids.spanId };
}
