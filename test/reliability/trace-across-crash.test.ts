/**
 * The on-call engineer's view of a crash: an order's worker is killed (SIGKILL) while the order
 * waits in its remorse window, another worker process takes it over and charges it. Zipkin still
 * holds one trace for the order: the API's request, the first worker's steps and the second
 * worker's charge, because the trace context lives in the workflow's history (each activity's
 * headers), not in a process. The order's JSON log lines in the API and in the second worker carry
 * that trace's id.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signToken } from '../../api/auth';
import { freePort, waitForPort } from '../../scripts/net';
import { resolveZipkin, startZipkin } from '../../scripts/servers';
import { callApi } from '../helpers/api-server';
import {
  appStackEnv,
  devServerProcess,
  killLeftovers,
  startApiProcess,
  startWorkerProcess,
  until,
  type DevServer,
  type RunningProcess,
} from '../helpers/processes';
import { has, waitForTrace } from '../helpers/zipkin';

const SECRET = 'trace-crash-secret-long-enough-for-hs256!!';

/** The JSON lines a process wrote that name `orderId`. */
function linesOf(proc: RunningProcess, orderId: string): Record<string, unknown>[] {
  return proc
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.orderId === orderId);
}

describe('a trace across a worker crash', () => {
  let zipkinProcess: ChildProcess;
  let zipkin: string;
  let server: DevServer;
  let api: RunningProcess;
  let first: RunningProcess;
  let second: RunningProcess | undefined;
  let env: NodeJS.ProcessEnv;
  let base: string;

  before(async () => {
    const jar = resolveZipkin();
    assert.ok(jar, 'Zipkin is needed (Java and Maven fetch it: npm run servers)');
    const port = await freePort();
    zipkinProcess = startZipkin(jar.path, port);
    zipkin = `http://127.0.0.1:${port}`;
    server = await devServerProcess();
    const stack = await appStackEnv({
      temporalAddress: server.address,
      taskQueue: 'trace-crash',
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'trace-crash-')),
      jwtSecret: SECRET,
    });
    base = stack.base;
    env = {
      ...stack.env,
      LOG_FORMAT: 'json',
      ORDER_REMORSE_WINDOW: '15s',
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${zipkin}/api/v2/spans`,
    };
    assert.ok(await waitForPort(port, 90_000), 'Zipkin answers');
    [first, api] = await Promise.all([
      startWorkerProcess({ ...env, OTEL_SERVICE_NAME: 'commerce-worker-first' }),
      startApiProcess(env),
    ]);
  });

  after(async () => {
    await Promise.allSettled([api?.stop(), first?.stop(), second?.stop()]);
    await server?.stop();
    zipkinProcess?.kill('SIGKILL');
    killLeftovers();
  });

  it("one trace holds the request, the killed worker's steps and the next worker's charge", async () => {
    const token = await signToken(SECRET, { role: 'storefront', sub: 'trace-crash' });
    const placed = await callApi(base, 'POST', '/orders', {
      token,
      body: {
        orderId: 'crash-1',
        customer: { id: 'cust-crash', email: 'ada@example.com' },
        items: [{ sku: 'lamp', quantity: 1, unitPrice: 4999 }],
        currency: 'usd',
        paymentMethod: 'pm_card_visa',
      },
    });
    assert.equal(placed.status, 202);
    // The first worker records the order and starts its window; its spans leave in the exporter's
    // next batch (every 5 s), then it is killed without a chance to flush anything more.
    await until(
      'the first worker records the order',
      () => linesOf(first, 'crash-1').some((l) => l.status === 'Received'),
      30_000,
    );
    await new Promise((r) => setTimeout(r, 6_000));
    await first.stop('SIGKILL');
    second = await startWorkerProcess({ ...env, OTEL_SERVICE_NAME: 'commerce-worker-second' });
    await until(
      'the order is paid by the second worker',
      () => linesOf(second!, 'crash-1').some((l) => l.status === 'Paid'),
      60_000,
    );

    const spans = await waitForTrace(
      zipkin,
      'order-crash-1',
      (t) =>
        has(t, /^temporal-commerce-api$/, /^post \/orders$/) &&
        has(t, /^commerce-worker-first$/, /^runactivity:/) &&
        has(t, /^commerce-worker-second$/, /^payments \(development\) confirmpaymentintent$/),
    );
    assert.equal(new Set(spans.map((s) => s.traceId)).size, 1, 'one trace');
    const traceId = spans[0]!.traceId;
    assert.ok(has(spans, /^temporal-commerce-api$/, /^post \/orders$/), "the API's request");
    assert.ok(has(spans, /^commerce-worker-second$/, /^runactivity:confirmpaymentintent$/));

    const secondLines = linesOf(second, 'crash-1');
    assert.ok(
      secondLines.some((l) => l.trace_id === traceId),
      `the second worker's lines of the order carry the trace id: ${JSON.stringify(secondLines)}`,
    );
    assert.ok(
      linesOf(api, 'crash-1').some((l) => l.message === 'request' && l.trace_id === traceId),
      "the API's request line carries it too",
    );
  });
});
