/**
 * Temporal's OpenTelemetry interceptors, wired into this app's clients and workers: the client
 * writes the active trace context into every start, signal, update and query it sends; the
 * workflow interceptors (inside the workflow bundle) continue it in workflow spans and hand it to
 * each activity through the activity's headers, which live in the workflow's history; the activity
 * interceptor opens the activity's span from those headers. So one trace covers the API request,
 * the workflow and its activities, also when an activity is retried on another worker after a crash.
 * Workflow spans leave the sandbox through the `exporter` sink into this process's span processor.
 */
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';
import type { Tracing } from './tracing';

/**
 * The workflow-side interceptors, bundled into the workflow code (infrastructure/workflow-code.ts):
 * Temporal's, adjusted so that tracing changes no workflow's path (workflows/tracing.ts).
 */
export const WORKFLOW_TRACING_MODULE = require.resolve('../workflows/tracing');

/** For a `Client`'s `interceptors.workflow`. */
export function clientTracingInterceptors(): WorkflowClientInterceptor[] {
  return [new OpenTelemetryWorkflowClientInterceptor()];
}

/**
 * What a worker adds for tracing: the activity interceptors and the workflow span sink (the
 * workflow interceptors come with the workflow code: infrastructure/workflow-code.ts). With
 * tracing off they stay in place (the trace context still travels) and the sink drops the spans.
 */
export function workerTracingOptions(tracing: Tracing): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  return {
    interceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: tracing.spanProcessor
      ? { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) }
      : { exporter: { export: { fn: () => undefined } } },
  };
}
