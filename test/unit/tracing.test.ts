/**
 * Tracing's rules that need no server: which exporter the standard OTEL_* variables choose (and
 * that nothing is sent without one), and how a workflow reads and passes on a trace context.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Span } from '@opentelemetry/api';
import { defaultPayloadConverter } from '@temporalio/common';
import { withoutQuery } from '../../observability/instrument';
import { tracingSettingsFrom } from '../../observability/tracing';
import { contextOf, spanIdOf, TRACE_HEADER, withContext } from '../../workflows/tracing';

describe('tracing settings (the standard OTEL_* variables)', () => {
  it('is off with no exporter or endpoint configured, or when the SDK is disabled', () => {
    assert.equal(tracingSettingsFrom({}, 'api').exporter, 'none');
    assert.equal(
      tracingSettingsFrom({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, 'api')
        .exporter,
      'none',
    );
  });

  it('follows the endpoint that is set, or the exporter named, and names the service', () => {
    assert.deepEqual(tracingSettingsFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, 'worker'), {
      exporter: 'otlp',
      endpoint: 'http://c:4318',
      serviceName: 'temporal-commerce-worker',
    });
    const zipkin = tracingSettingsFrom(
      { OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://z:9411/api/v2/spans', OTEL_SERVICE_NAME: 'shop' },
      'api',
    );
    assert.deepEqual(zipkin, {
      exporter: 'zipkin',
      endpoint: 'http://z:9411/api/v2/spans',
      serviceName: 'shop',
    });
    assert.equal(tracingSettingsFrom({ OTEL_TRACES_EXPORTER: 'console' }, 'api').exporter, 'console');
    assert.equal(tracingSettingsFrom({ OTEL_TRACES_EXPORTER: 'zipkin,otlp' }, 'api').exporter, 'zipkin');
    assert.throws(
      () => tracingSettingsFrom({ OTEL_TRACES_EXPORTER: 'jaeger' }, 'api'),
      /OTEL_TRACES_EXPORTER/,
    );
  });
});

describe("a workflow's trace context", () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const header = (traceparent: unknown) => ({
    [TRACE_HEADER]: defaultPayloadConverter.toPayload({ traceparent }),
  });

  it("reads the W3C context Temporal's client interceptor writes, and ignores a malformed one", () => {
    assert.deepEqual(contextOf(header(`00-${traceId}-00f067aa0ba902b7-01`)), {
      traceId,
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
    });
    assert.equal(contextOf({}), undefined, 'no header: no tracing');
    for (const bad of [
      '',
      'garbage',
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `00-${traceId}-${'0'.repeat(16)}-01`,
      42,
    ]) {
      assert.equal(contextOf(header(bad)), undefined, String(bad));
    }
    assert.equal(contextOf({ [TRACE_HEADER]: { data: Buffer.from('not json') } }), undefined);
  });

  it('passes a span on to an activity in the same header, and span ids replay the same', () => {
    const passed = withContext(
      { other: defaultPayloadConverter.toPayload('kept') },
      {
        traceId,
        spanId: 'a1b2c3d4e5f60718',
        traceFlags: 1,
      },
    );
    assert.equal(defaultPayloadConverter.fromPayload(passed.other!), 'kept');
    assert.deepEqual(contextOf(passed), { traceId, spanId: 'a1b2c3d4e5f60718', traceFlags: 1 });
    assert.equal(spanIdOf('run-1:1:RunWorkflow'), spanIdOf('run-1:1:RunWorkflow'));
    assert.notEqual(spanIdOf('run-1:1:RunWorkflow'), spanIdOf('run-1:2:RunWorkflow'));
    assert.match(spanIdOf('x'), /^[0-9a-f]{16}$/);
  });
});

describe("HTTP spans' URLs", () => {
  it('keep the path and drop the query string (a confirmation token, a sign-in code)', () => {
    const set: Record<string, unknown> = {};
    const span = { setAttribute: (k: string, v: unknown) => (set[k] = v) } as unknown as Span;
    const incoming = new IncomingMessage(new Socket());
    incoming.url = '/registrations/confirm?token=secret-token&x=1';
    withoutQuery(span, incoming);
    assert.deepEqual(set, { 'http.target': '/registrations/confirm', 'http.url': '/registrations/confirm' });
  });
});
