/**
 * Tracing wired into this app's Temporal clients and workers. The client (Temporal's
 * OpenTelemetry interceptor) writes the active trace context into every start, signal, update and
 * query it sends; the workflow interceptors (workflows/tracing.ts, bundled with the workflows)
 * continue it in workflow spans and hand it to each activity in the activity's headers, which live
 * in the workflow's history; Temporal's activity interceptor opens the activity's span from those
 * headers. So one trace covers the API request, the workflow and its activities, also when an
 * activity is retried on another worker after a crash. Workflow spans leave the sandbox through
 * the `exporter` sink into this process's span processor. With tracing off, none of it is
 * installed: no header is written, so workflows trace nothing either.
 */
import { createTraceState, type Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type {
  DescribeWorkflowExecutionResponse,
  Next,
  WorkflowClientInterceptor,
  WorkflowDescribeInput,
  WorkflowQueryInput,
} from '@temporalio/client';
import type { InjectedSinks, WorkerOptions } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { ExportedSpan } from '../workflows/tracing';
import type { Tracing } from './tracing';

/** The workflow-side interceptors, bundled into the workflow code (infrastructure/workflow-code.ts). */
export const WORKFLOW_TRACING_MODULE = require.resolve('../workflows/tracing');

/**
 * Temporal's client interceptor, tracing what changes a workflow (a start, a signal, an update, a
 * cancel) and not its reads. A query or a describe is no step of the workflow's story, and each
 * would be a trace tagged with its workflow id: support's order page polls every two seconds, so
 * the order's own trace (the request that placed it, its charge, its email) was buried in the
 * trace viewer's search under the page's reads. A read's request keeps its own HTTP span.
 */
class WritesTracingInterceptor extends OpenTelemetryWorkflowClientInterceptor {
  override query(
    input: WorkflowQueryInput,
    next: Next<WorkflowClientInterceptor, 'query'>,
  ): Promise<unknown> {
    return next(input);
  }

  override describe(
    input: WorkflowDescribeInput,
    next: Next<WorkflowClientInterceptor, 'describe'>,
  ): Promise<DescribeWorkflowExecutionResponse> {
    return next(input);
  }
}

/** For a `Client`'s `interceptors.workflow`: none when tracing is off. */
export function clientTracingInterceptors(tracing: Tracing): WorkflowClientInterceptor[] {
  return tracing.enabled ? [new WritesTracingInterceptor()] : [];
}

/** A workflow's finished span as the worker's span processor takes it. */
export function readableSpan(span: ExportedSpan, info: WorkflowInfo, tracing: Tracing): ReadableSpan {
  const { spanContext, ...rest } = span;
  const attributes: Attributes = {
    ...span.attributes,
    workflowType: info.workflowType,
    taskQueue: info.taskQueue,
  };
  const context = { ...spanContext, traceState: createTraceState() };
  return {
    ...rest,
    attributes,
    spanContext: () => context,
    resource: tracing.resource,
    instrumentationLibrary: span.instrumentationLibrary,
  };
}

/**
 * What a worker adds for tracing: the activity interceptors and the workflow span sink (the
 * workflow interceptors come with the workflow code). With tracing off the sink drops what a
 * workflow started by a traced caller elsewhere sends.
 */
export function workerTracingOptions(tracing: Tracing): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  const processor = tracing.spanProcessor;
  const sinks: InjectedSinks<{ exporter: { export(spans: ExportedSpan[]): void } }> = {
    exporter: {
      export: {
        fn: (info, spans) => {
          for (const span of spans) processor?.onEnd(readableSpan(span, info, tracing));
        },
      },
    },
  };
  if (!tracing.enabled) return { sinks };
  return {
    interceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks,
  };
}
