/**
 * Tracing's rules that need no server: which exporter the standard OTEL_* variables choose (and
 * that nothing is sent without one), and how a workflow reads and passes on a trace context.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { defaultPayloadConverter } from '@temporalio/common';
import { redactSpanAttributes } from '../../observability/redaction';
import { errorForSpan, traced } from '../../observability/spans';
import { tracingSettingsFrom, WriteOnlyPropagator } from '../../observability/tracing';
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

describe('what a span never carries out of the process', () => {
  it("keeps a URL's path and drops its query, the caller's address and user agent", () => {
    const attributes: Record<string, unknown> = {
      'http.url': 'http://127.0.0.1:3000/registrations/confirm?token=secret-token',
      'http.target': '/registrations/confirm?token=secret-token',
      'url.full': 'https://api.stripe.com/v1/payment_intents/search?query=x',
      'url.query': 'token=secret-token',
      'net.peer.ip': '203.0.113.9',
      'http.client_ip': '203.0.113.9',
      'http.user_agent': 'Mozilla/5.0',
      'http.method': 'GET',
    };
    redactSpanAttributes(attributes);
    assert.deepEqual(attributes, {
      'http.url': 'http://127.0.0.1:3000/registrations/confirm',
      'http.target': '/registrations/confirm',
      'url.full': 'https://api.stripe.com/v1/payment_intents/search',
      'http.method': 'GET',
    });
  });

  it("the API's propagator takes no trace context from any headers, with or without a Host, and writes its own", () => {
    const propagator = new WriteOnlyPropagator();
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    for (const carrier of [{ host: 'shop', traceparent }, { traceparent }]) {
      const extracted = propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
      assert.equal(trace.getSpanContext(extracted), undefined, 'a caller chooses no trace id');
    }
    const ours = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
    });
    const written: Record<string, string> = {};
    propagator.inject(ours, written, defaultTextMapSetter);
    assert.equal(written.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });
});

describe('client spans around a port', () => {
  it('leave the object as it was: the same answers and errors, one wrapper per method, its own `this`', async () => {
    class Store {
      #rows = ['a'];
      get size() {
        return this.#rows.length;
      }
      async first() {
        return this.#rows[0];
      }
      count() {
        return this.#rows.length;
      }
      async broken(): Promise<never> {
        throw new Error('refused for ada@example.com');
      }
    }
    const store = traced(new Store(), 'db test');
    assert.equal(store.size, 1, 'a getter on a private field');
    assert.equal(await store.first(), 'a');
    assert.equal(store.count(), 1, 'a method that returns no promise');
    // eslint-disable-next-line @typescript-eslint/unbound-method -- the identity of the method is what is checked
    assert.equal(store.first, store.first, 'one wrapper per method');
    await assert.rejects(store.broken(), /refused for ada@example.com/, 'the error itself is unchanged');
    assert.deepEqual(errorForSpan(new Error('refused for ada@example.com')), {
      name: 'Error',
      message: 'refused for <address>',
    });
  });
});
