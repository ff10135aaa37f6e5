/**
 * Reading traces back from Zipkin's API, as an engineer's search does: the traces that touch one
 * workflow (by the `temporalWorkflowId` tag its spans carry), waited for while the processes'
 * batch exporters send them (every few seconds).
 */
import assert from 'node:assert/strict';

export interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  kind?: string;
  duration?: number;
  localEndpoint: { serviceName: string };
  tags?: Record<string, string>;
}

export async function tracesOf(zipkin: string, workflowId: string): Promise<ZipkinSpan[][]> {
  const query = new URLSearchParams({
    annotationQuery: `temporalWorkflowId=${workflowId}`,
    lookback: String(24 * 3600_000),
    limit: '100',
  });
  const response = await fetch(`${zipkin}/api/v2/traces?${query.toString()}`);
  assert.equal(response.status, 200, `Zipkin answered ${response.status}`);
  return (await response.json()) as ZipkinSpan[][];
}

/** The whole trace with this id (every span Zipkin holds of it). */
export async function traceById(zipkin: string, traceId: string): Promise<ZipkinSpan[]> {
  const response = await fetch(`${zipkin}/api/v2/trace/${traceId}`);
  assert.equal(response.status, 200, `Zipkin answered ${response.status} for trace ${traceId}`);
  return (await response.json()) as ZipkinSpan[];
}

/**
 * Waits (at most 45 s) until the trace in which `workflowId` was started holds spans that satisfy
 * `complete`, and returns it.
 */
export async function waitForTrace(
  zipkin: string,
  workflowId: string,
  complete: (spans: ZipkinSpan[]) => boolean,
): Promise<ZipkinSpan[]> {
  let last: ZipkinSpan[] = [];
  for (let i = 0; i < 90; i++) {
    const traces = await tracesOf(zipkin, workflowId);
    const started = traces.find((t) => t.some((s) => s.name === 'startworkflow:checkoutworkflow'));
    if (started) {
      last = await traceById(zipkin, started[0]!.traceId);
      if (complete(last)) return last;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(
    `no complete trace of ${workflowId} in Zipkin; the last one had: ${last.map((s) => `${s.localEndpoint.serviceName}/${s.name}`).join(', ')}`,
  );
}

/** Whether the trace holds a span of `service` named `name` (Zipkin lower-cases names). */
export function has(spans: ZipkinSpan[], service: RegExp, name: RegExp): boolean {
  return spans.some((s) => service.test(s.localEndpoint.serviceName) && name.test(s.name));
}

/** The name of a trace's root span (a span whose parent is not in the trace). */
export function rootName(trace: ZipkinSpan[]): string | undefined {
  return trace.find((span) => !span.parentId || !trace.some((other) => other.id === span.parentId))?.name;
}
