/**
 * The workflow interceptors that carry a trace through a workflow (bundled into the workflow code:
 * infrastructure/workflow-code.ts): the workflow's run, each activity it schedules, each signal and
 * update it handles, as spans in the caller's trace, and the trace context passed on to each
 * activity in its headers (kept in the history, so a retry on another worker continues the trace).
 *
 * Built on Temporal's OpenTelemetry interceptors (their tracer, sink and log attributes), but each
 * call here returns the very promise the next interceptor returned, so tracing adds no `await` to
 * any path of the workflow. Temporal's own versions do (`await instrument(…)`, and an extra
 * `await` unless the history carries the flag their worker records): a handler that awaited an
 * activity then finished a step later than it did in a history written without tracing, another
 * coroutine's command came first, and the replay failed as non-deterministic (test/replay caught
 * it). Here histories from before tracing and after it replay alike.
 */
import * as otel from '@opentelemetry/api';
import {
  extractContextFromHeaders,
  headersWithContext,
} from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import {
  ContinueAsNew,
  workflowInfo,
  type ActivityInput,
  type ContinueAsNewInput,
  type Next,
  type SignalInput,
  type SignalWorkflowInput,
  type StartChildWorkflowExecutionInput,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

/**
 * Runs `call` inside a new span (a child of `parent`, else of the active span) and returns the
 * promise `call` returned, unchanged: the span ends in a reaction registered before the workflow's
 * own, which runs no workflow code and sends no command.
 */
function traced<T>(
  tracer: otel.Tracer,
  name: string,
  parent: otel.Context | undefined,
  call: () => Promise<T>,
  attributes: otel.Attributes = {},
): Promise<T> {
  const base = parent ?? otel.context.active();
  const span = tracer.startSpan(name, { attributes }, base);
  const result = otel.context.with(otel.trace.setSpan(base, span), call);
  result.then(
    () => span.end(),
    (err: unknown) => {
      if (!(err instanceof ContinueAsNew)) {
        span.recordException(err instanceof Error ? err : String(err));
        span.setStatus({
          code: otel.SpanStatusCode.ERROR,
          message: err instanceof Error ? err.message : String(err),
        });
      }
      span.end();
    },
  );
  return result;
}

class InboundTracing extends OpenTelemetryInboundInterceptor {
  override execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>) {
    const { workflowType, workflowId } = workflowInfo();
    return traced(
      this.tracer,
      `RunWorkflow:${workflowType}`,
      extractContextFromHeaders(input.headers),
      () => next(input),
      { temporalWorkflowId: workflowId },
    );
  }

  override handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>) {
    return traced(
      this.tracer,
      `HandleSignal:${input.signalName}`,
      extractContextFromHeaders(input.headers),
      () => next(input),
    );
  }

  override handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>) {
    return traced(
      this.tracer,
      `HandleUpdate:${input.name}`,
      extractContextFromHeaders(input.headers),
      () => next(input),
      { temporalUpdateId: input.updateId },
    );
  }

  // Queries change nothing and validators run synchronously: both as Temporal left them untraced.
  override handleQuery(...[input, next]: Parameters<OpenTelemetryInboundInterceptor['handleQuery']>) {
    return next(input);
  }

  override validateUpdate(...[input, next]: Parameters<OpenTelemetryInboundInterceptor['validateUpdate']>) {
    next(input);
  }
}

class OutboundTracing extends OpenTelemetryOutboundInterceptor {
  override scheduleActivity(
    input: ActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>,
  ) {
    return traced(this.tracer, `StartActivity:${input.activityType}`, undefined, () =>
      next({ ...input, headers: headersWithContext(input.headers) }),
    );
  }

  /** Local activities (the settings a workflow loads at its start) stay untraced. */
  override scheduleLocalActivity(
    ...[input, next]: Parameters<OpenTelemetryOutboundInterceptor['scheduleLocalActivity']>
  ) {
    return next(input);
  }

  override startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ) {
    return traced(this.tracer, `StartChildWorkflow:${input.workflowType}`, undefined, () =>
      next({ ...input, headers: headersWithContext(input.headers) }),
    );
  }

  override continueAsNew(
    input: ContinueAsNewInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>,
  ) {
    return traced(this.tracer, `ContinueAsNew:${input.options.workflowType}`, undefined, () =>
      next({ ...input, headers: headersWithContext(input.headers) }),
    );
  }

  override signalWorkflow(
    input: SignalWorkflowInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'signalWorkflow'>,
  ) {
    return traced(this.tracer, `SignalWorkflow:${input.signalName}`, undefined, () =>
      next({ ...input, headers: headersWithContext(input.headers) }),
    );
  }
}

export const interceptors = (): WorkflowInterceptors => ({
  inbound: [new InboundTracing()],
  outbound: [new OutboundTracing()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
