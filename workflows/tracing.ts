/**
 * The workflow interceptors that carry a trace through a workflow (bundled into the workflow code:
 * infrastructure/workflow-code.ts). A workflow started with a trace context (the API's request, in
 * the header Temporal's OpenTelemetry client interceptor writes) gets a `RunWorkflow` span, a child
 * of that request's span; each activity it schedules (local ones too) gets a `StartActivity` span
 * and the context in its headers, which the history keeps, so the activity's own span (Temporal's
 * activity interceptor, on whichever worker runs it, after a crash too) joins the same trace; each signal
 * or update sent with a context gets its `HandleSignal`/`HandleUpdate` span in the sender's trace.
 * The spans leave the sandbox through the `exporter` sink, in the shape of Temporal's own
 * (observability/temporal-tracing.ts turns them into the worker's spans).
 *
 * Written here rather than taken from Temporal's package, for two measured reasons:
 * - Cost. Temporal's workflow interceptors load OpenTelemetry's SDK into the workflow sandbox; the
 *   benchmark measured half again the worker CPU per checkout with them in the bundle, whether
 *   tracing was on or off. This module imports nothing but the workflow API: a workflow without a
 *   trace context does no tracing work at all.
 * - Replay. Each call returns the very promise the next interceptor returned, so tracing adds no
 *   `await` to any path. Temporal's add some (unless the history carries a flag their worker
 *   records): a stored history of an order a manager authorized then replayed as non-deterministic,
 *   its update handler finishing a step later than it had (test/replay caught it).
 *
 * Workflow spans carry workflow time (the same on replay); their ids are a hash of the run id and
 * the span's place in the workflow (not the workflow's random numbers, which its own code may
 * use), so a span begun before a crash and ended after it on another worker keeps its id.
 */
import type { Headers } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import {
  proxySinks,
  workflowInfo,
  type ActivityInput,
  type ContinueAsNewInput,
  type LocalActivityInput,
  type SignalWorkflowInput,
  type Next,
  type SignalInput,
  type Sinks,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

/** The header Temporal's OpenTelemetry interceptors carry the W3C trace context in. */
export const TRACE_HEADER = '_tracer-data';

interface SpanIds {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

/** A finished workflow span as Temporal's `exporter` sink takes it (its SerializableSpan). */
export interface ExportedSpan {
  name: string;
  kind: 0;
  spanContext: SpanIds;
  parentSpanId?: string;
  startTime: [number, number];
  endTime: [number, number];
  duration: [number, number];
  status: { code: 1 | 2; message?: string };
  attributes: Record<string, string>;
  links: [];
  events: [];
  ended: true;
  droppedAttributesCount: 0;
  droppedLinksCount: 0;
  droppedEventsCount: 0;
  instrumentationLibrary: { name: string };
}

interface TracingSinks extends Sinks {
  exporter: { export(spans: ExportedSpan[]): void };
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The trace context a message's headers carry, if any (a malformed one is ignored). */
export function contextOf(headers: Headers): SpanIds | undefined {
  const payload = headers[TRACE_HEADER];
  if (!payload) return undefined;
  let carrier: unknown;
  try {
    carrier = defaultPayloadConverter.fromPayload(payload);
  } catch {
    return undefined;
  }
  const parent = (carrier as { traceparent?: unknown } | null)?.traceparent;
  const match = typeof parent === 'string' ? TRACEPARENT.exec(parent) : null;
  if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return undefined;
  return { traceId: match[1]!, spanId: match[2]!, traceFlags: parseInt(match[3]!, 16) };
}

/** Headers with `ids` as the trace context, for an activity to continue. */
export function withContext(headers: Headers, ids: SpanIds): Headers {
  const traceparent = `00-${ids.traceId}-${ids.spanId}-${ids.traceFlags.toString(16).padStart(2, '0')}`;
  return { ...headers, [TRACE_HEADER]: defaultPayloadConverter.toPayload({ traceparent }) };
}

/** 64 bits of FNV-1a over `text`, as 16 hex digits: a span id that replays the same. */
export function spanIdOf(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return (hash || 1n).toString(16).padStart(16, '0');
}

const hrTime = (ms: number): [number, number] => [Math.floor(ms / 1000), (ms % 1000) * 1_000_000];

class WorkflowSpan {
  readonly ids: SpanIds;
  private readonly start = Date.now();

  constructor(
    private readonly name: string,
    private readonly parent: SpanIds,
    private readonly attributes: Record<string, string>,
    /** The span's place among this workflow's spans (or among its local activities'). */
    seq: number | string,
  ) {
    const spanId = spanIdOf(`${workflowInfo().runId}:${seq}:${name}`);
    this.ids = { traceId: parent.traceId, spanId, traceFlags: parent.traceFlags };
  }

  /** Ends the span and hands it to the worker (a sink: not called again when replayed). */
  end(error?: unknown): void {
    if (!(this.parent.traceFlags & 1)) return; // not sampled: the caller's decision stands
    const end = Date.now();
    // Continue-as-new ends a run, and a local activity's backoff ends one round of its attempts
    // (the next round has a span of its own): neither is a failure.
    const failed =
      error !== undefined &&
      !(error instanceof Error && ['ContinueAsNew', 'LocalActivityDoBackoff'].includes(error.name));
    proxySinks<TracingSinks>().exporter.export([
      {
        name: this.name,
        kind: 0,
        spanContext: this.ids,
        parentSpanId: this.parent.spanId,
        startTime: hrTime(this.start),
        endTime: hrTime(end),
        duration: hrTime(end - this.start),
        status: failed
          ? { code: 2, message: error instanceof Error ? error.message : 'failed' }
          : { code: 1 },
        attributes: this.attributes,
        links: [],
        events: [],
        ended: true,
        droppedAttributesCount: 0,
        droppedLinksCount: 0,
        droppedEventsCount: 0,
        instrumentationLibrary: { name: 'temporal-commerce/workflows' },
      },
    ]);
  }
}

/** Runs `call` inside `span` and returns the promise `call` returned, unchanged. */
function within<T>(span: WorkflowSpan, call: () => Promise<T>): Promise<T> {
  const result = call();
  // Tracing must never fail a workflow task: a span that cannot be ended is dropped.
  const end = (error?: unknown) => {
    try {
      span.end(error);
    } catch {
      // nothing to do: the workflow goes on without this span
    }
  };
  result.then(
    () => end(),
    (err: unknown) => end(err ?? 'failed'),
  );
  return result;
}

/** One workflow's tracing: its `RunWorkflow` span, the parent of what it schedules. */
export const interceptors = (): WorkflowInterceptors => {
  let run: WorkflowSpan | undefined;
  let made = 0;
  let local = 0;
  const span = (name: string, parent: SpanIds, attributes: Record<string, string>) =>
    new WorkflowSpan(name, parent, attributes, (made += 1));

  const inbound: WorkflowInboundCallsInterceptor = {
    execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>) {
      const parent = contextOf(input.headers);
      if (!parent) return next(input);
      const { workflowType, workflowId, runId } = workflowInfo();
      run = span(`RunWorkflow:${workflowType}`, parent, {
        temporalWorkflowId: workflowId,
        temporalRunId: runId,
      });
      return within(run, () => next(input));
    },
    handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>) {
      const parent = contextOf(input.headers);
      if (!parent) return next(input);
      const handled = span(`HandleSignal:${input.signalName}`, parent, {
        temporalWorkflowId: workflowInfo().workflowId,
      });
      return within(handled, () => next(input));
    },
    handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>) {
      const parent = contextOf(input.headers);
      if (!parent) return next(input);
      const handled = span(`HandleUpdate:${input.name}`, parent, {
        temporalWorkflowId: workflowInfo().workflowId,
        temporalUpdateId: input.updateId,
      });
      return within(handled, () => next(input));
    },
  };

  const outbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
      if (!run) return next(input);
      const started = span(`StartActivity:${input.activityType}`, run.ids, {
        temporalWorkflowId: workflowInfo().workflowId,
      });
      return within(started, () => next({ ...input, headers: withContext(input.headers, started.ids) }));
    },
    /**
     * A local activity (settings, the order's own record) joins the trace as an activity does. Its
     * spans count apart from the others', so the ids of a run's other spans stay what they were
     * before local activities were traced.
     */
    scheduleLocalActivity(
      input: LocalActivityInput,
      next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
    ) {
      if (!run) return next(input);
      const started = new WorkflowSpan(
        `StartActivity:${input.activityType}`,
        run.ids,
        { temporalWorkflowId: workflowInfo().workflowId, local: 'true' },
        `local:${(local += 1)}`,
      );
      return within(started, () => next({ ...input, headers: withContext(input.headers, started.ids) }));
    },
    /** Continued as new: the next run continues the trace (no span of its own: the run's ends). */
    continueAsNew(input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>) {
      if (!run) return next(input);
      return next({ ...input, headers: withContext(input.headers, run.ids) });
    },
    /** A signal to another workflow carries the trace on to its handler there. */
    signalWorkflow(
      input: SignalWorkflowInput,
      next: Next<WorkflowOutboundCallsInterceptor, 'signalWorkflow'>,
    ) {
      if (!run) return next(input);
      return next({ ...input, headers: withContext(input.headers, run.ids) });
    },
    /** A traced workflow's log lines carry its trace and span ids, as its activities' do. */
    getLogAttributes(
      input: Record<string, unknown>,
      next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>,
    ): Record<string, unknown> {
      if (!run) return next(input);
      return next({ trace_id: run.ids.traceId, span_id: run.ids.spanId, ...input });
    },
  };

  return { inbound: [inbound], outbound: [outbound] };
};
