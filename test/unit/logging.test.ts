/** The log format and the observability settings. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createLogger } from '../../infrastructure/logging';
import { loadConfig } from '../../config/settings';
import { HttpMetrics } from '../../api/metrics';
import { READ_EVERY_MS, READ_TIMEOUT_MS, watchWaitingOrders } from '../../api/checkout/waiting-orders';

describe('logs', () => {
  it('writes one JSON object per line, at or above the level, errors with their stack', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'INFO', format: 'json' }, 'api', (l) => lines.push(l));
    logger.debug('not written');
    logger.info('listening', { port: 3000 });
    logger.error('unexpected error', { error: new Error('boom') });
    assert.equal(lines.length, 2);
    const [info, error] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      { ...info, time: undefined },
      { time: undefined, level: 'INFO', component: 'api', message: 'listening', port: 3000 },
    );
    assert.equal((error!.error as { message: string }).message, 'boom');
    assert.match((error!.error as { stack: string }).stack, /boom/);
  });

  it('or one readable line', () => {
    const lines: string[] = [];
    createLogger({ level: 'INFO', format: 'pretty' }, 'worker', (l) => lines.push(l)).warn('slow', {
      workflowId: 'order-1',
    });
    assert.match(lines[0]!, /^\S+Z WARN {2}\[worker\] slow workflowId=order-1 orderId=1$/);
  });

  it('names the business id a workflow id carries: the order, the leave request, the registration', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ level: 'INFO', format: 'json' }, 'worker', (l) =>
      lines.push(JSON.parse(l) as Record<string, unknown>),
    );
    logger.info('a', { workflowId: 'order-7f3' });
    logger.info('b', { workflowId: 'leave-r1' });
    logger.info('c', { workflowId: 'registration-x9' });
    logger.info('d', { workflowId: 'bulk-action-1' });
    logger.info('e', { workflowId: 'order-2', orderId: 'given' });
    assert.deepEqual(
      lines.map((l) => [l.orderId, l.requestId, l.registrationId]),
      [
        ['7f3', undefined, undefined],
        [undefined, 'r1', undefined],
        [undefined, undefined, 'x9'],
        [undefined, undefined, undefined],
        ['given', undefined, undefined],
      ],
    );
  });

  it("carries the active span's trace and span ids, and keeps those a workflow line brings", async () => {
    const provider = new BasicTracerProvider();
    const tracer = provider.getTracer('test');
    const contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    try {
      const lines: Record<string, unknown>[] = [];
      const logger = createLogger({ level: 'INFO', format: 'json' }, 'api', (l) =>
        lines.push(JSON.parse(l) as Record<string, unknown>),
      );
      logger.info('outside');
      const ids = await tracer.startActiveSpan('request', async (span) => {
        await new Promise((r) => setTimeout(r, 1));
        logger.info('inside');
        logger.info('from a workflow', { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) });
        span.end();
        return span.spanContext();
      });
      assert.equal(lines[0]!.trace_id, undefined, 'no span, no trace id');
      assert.equal(lines[1]!.trace_id, ids.traceId);
      assert.equal(lines[1]!.span_id, ids.spanId);
      assert.equal(lines[2]!.trace_id, 'a'.repeat(32), "the workflow span's own ids win");
    } finally {
      context.disable();
    }
  });

  it('reads LOG_LEVEL, LOG_FORMAT and WORKER_METRICS_ADDRESS, refusing nonsense by name', () => {
    assert.deepEqual(loadConfig({}).log, { level: 'INFO', format: 'json' });
    assert.deepEqual(loadConfig({ LOG_LEVEL: 'debug', LOG_FORMAT: 'pretty' }).log, {
      level: 'DEBUG',
      format: 'pretty',
    });
    assert.equal(loadConfig({ WORKER_METRICS_ADDRESS: '0.0.0.0:9464' }).workerMetricsAddress, '0.0.0.0:9464');
    assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL/);
    assert.throws(() => loadConfig({ WORKER_METRICS_ADDRESS: '9464' }), /WORKER_METRICS_ADDRESS/);
  });
});

describe('API metrics', () => {
  it('counts requests by method, route and status, with a duration histogram', async () => {
    const metrics = new HttpMetrics();
    metrics.record('POST', '/orders', 202, 0.02);
    metrics.record('POST', '/orders', 202, 0.3);
    const text = await metrics.exposition();
    assert.match(text, /^http_requests_total\{method="POST",route="\/orders",status="202"\} 2$/m);
    assert.match(
      text,
      /^http_request_duration_seconds_bucket\{le="0.025",method="POST",route="\/orders",status="202"\} 1$/m,
    );
    assert.match(
      text,
      /^http_request_duration_seconds_bucket\{le="\+Inf",method="POST",route="\/orders",status="202"\} 2$/m,
    );
    assert.match(text, /# TYPE http_request_duration_seconds histogram/);
  });
});

describe('waiting-order gauges', () => {
  it('serve the count and the oldest wait of each watched status, 0 for none, and say when the read failed', async () => {
    const metrics = new HttpMetrics();
    let now = Date.parse('2026-12-03T12:00:00Z');
    let fail = false;
    let reads = 0;
    watchWaitingOrders(
      metrics.registry,
      async (statuses) => {
        reads += 1;
        assert.ok(statuses.includes('PaymentUnconfirmed'));
        if (fail) throw new Error('database gone');
        return [{ status: 'PaymentUnconfirmed', count: 3, oldestUpdatedAt: '2026-12-03T10:00:00Z' }];
      },
      () => now,
    );
    const text = await metrics.exposition();
    assert.match(text, /^commerce_orders_in_status\{status="PaymentUnconfirmed"\} 3$/m);
    assert.match(text, /^commerce_orders_oldest_in_status_seconds\{status="PaymentUnconfirmed"\} 7200$/m);
    assert.match(text, /^commerce_orders_in_status\{status="PaymentFailed"\} 0$/m);
    assert.match(text, /^commerce_orders_oldest_in_status_seconds\{status="Received"\} 0$/m);
    assert.match(text, /^commerce_orders_read_failed 0$/m);
    assert.equal(reads, 1, 'one query for the three gauges');
    await Promise.all([metrics.exposition(), metrics.exposition()]);
    assert.equal(reads, 1, 'scrapes within the interval are answered from the last read');
    fail = true;
    now += READ_EVERY_MS;
    assert.match(await metrics.exposition(), /^commerce_orders_read_failed 1$/m);
    assert.match(
      await metrics.exposition(),
      /^commerce_orders_in_status\{status="PaymentUnconfirmed"\} 3$/m,
      'the last values stand',
    );
  });

  it('answer the scrape when the database hangs, saying the read failed', async () => {
    const metrics = new HttpMetrics();
    watchWaitingOrders(metrics.registry, () => new Promise(() => undefined));
    const started = Date.now();
    assert.match(await metrics.exposition(), /^commerce_orders_read_failed 1$/m);
    assert.ok(Date.now() - started < READ_TIMEOUT_MS + 1_000);
  });
});

describe('readable lines', () => {
  it('quote a value with spaces or control characters, so no value forges a line', () => {
    const lines: string[] = [];
    createLogger({ level: 'INFO', format: 'pretty' }, 'api', (l) => lines.push(l)).info('request\nFAKE', {
      orderId: 'x\n2026-01-01T00:00:00.000Z ERROR [api] forged',
      route: '/orders',
    });
    assert.equal(lines.length, 1);
    assert.ok(!lines[0]!.includes('\n'), lines[0]);
    assert.match(lines[0]!, / request\\nFAKE orderId="x\\n2026.* route=\/orders$/);
  });
});
