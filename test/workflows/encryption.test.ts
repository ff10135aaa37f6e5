/**
 * Personal data at rest in Temporal: with PAYLOAD_ENCRYPTION_KEYS set, the history the server
 * keeps holds no plaintext email or payment method in any payload, while the worker and a client
 * with the keys work as before, and the codec server opens the payloads for an authorised engineer.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { signToken } from '../../api/auth';
import { dataConverterFor, ENCRYPTED_ENCODING } from '../../infrastructure/encryption';
import { openOrderStore } from '../../store';
import { checkoutWorkflow } from '../../workflows';
import { orderStatusQuery } from '../../workflows/checkout/messages';
import { CheckoutScenario, placedOrder, settle } from '../helpers/checkout-scenario';
import { serveApi, type RunningApi } from '../helpers/api-server';
import { timeSkippingEnv } from '../helpers/temporal';

const SECRET = 'codec-test-secret-long-enough-for-hs256!!!';
const keys = [{ id: 'k1', key: crypto.randomBytes(32) }];
const dataConverter = dataConverterFor(keys);

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
  /** Where it sits in the history, e.g. `activityTaskScheduledEventAttributes.input.payloads`. */
  path: string;
}

/** Every payload in a history (JSON as the UI exports it), wherever it sits. */
function payloadsIn(node: unknown, path = '', found: JsonPayload[] = []): JsonPayload[] {
  if (Array.isArray(node)) node.forEach((n) => payloadsIn(n, path, found));
  else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (record.metadata && typeof record.metadata === 'object' && 'encoding' in record.metadata) {
      found.push({ ...(record as Omit<JsonPayload, 'path'>), path });
    }
    for (const [key, value] of Object.entries(record))
      payloadsIn(value, path ? `${path}.${key}` : key, found);
  }
  return found;
}

const encodingOf = (p: JsonPayload) => Buffer.from(p.metadata!.encoding!, 'base64').toString();
/** Search attributes must stay readable for the server to index them; SDK markers hold ids and patch names. */
const mayBePlain = (p: JsonPayload) => /searchAttributes|markerRecordedEventAttributes/.test(p.path);

describe('payload encryption through Temporal', () => {
  let env: TestWorkflowEnvironment;
  let api: RunningApi;
  before(async () => {
    env = await timeSkippingEnv();
    api = await serveApi({
      client: env.client,
      store: openOrderStore({ dataDir: '', databaseUrl: 'sqlite::memory:' }),
      taskQueue: 'unused',
      jwtSecret: SECRET,
      codec: { codec: dataConverter.payloadCodecs![0]!, corsOrigins: ['http://localhost:8233'] },
    });
  });
  after(async () => {
    await api?.close();
    await env?.teardown();
  });

  it('the server keeps no plaintext email or payment method; the codec server opens them for support', async () => {
    const order = placedOrder({ paymentMethod: 'pm_card_secret_visa' });
    const scenario = new CheckoutScenario();
    const taskQueue = `encrypted-${order.orderId}`;
    const worker = await scenario.worker(env, taskQueue, { dataConverter });
    const withKeys = new Client({ connection: env.connection, dataConverter });
    const raw = await worker.runUntil(async () => {
      const handle = await withKeys.workflow.start(checkoutWorkflow, {
        workflowId: `order-${order.orderId}`,
        taskQueue,
        args: [order],
      });
      await settle(handle);
      await env.sleep('1h'); // accepted and charged: emails, events and the charge all carry personal data
      await settle(handle);
      assert.equal(
        (await handle.query(orderStatusQuery)).status,
        'Paid',
        'the worker and a client with the keys work as before',
      );
      return historyToJSON(await env.client.workflow.getHandle(handle.workflowId).fetchHistory());
    });
    assert.deepEqual(
      scenario.called('emailCustomer')[0]?.to,
      'ada@example.com',
      'the activities saw the real values',
    );

    const payloads = payloadsIn(JSON.parse(raw));
    assert.ok(payloads.length > 10, `payloads found: ${payloads.length}`);
    const plain = payloads.filter((p) => encodingOf(p) !== ENCRYPTED_ENCODING && !mayBePlain(p));
    assert.deepEqual(
      plain.map((p) => p.path),
      [],
      'every payload of the process is encrypted',
    );
    for (const where of [
      'workflowExecutionStartedEventAttributes.input',
      'activityTaskScheduledEventAttributes.input',
      'activityTaskCompletedEventAttributes.result',
    ]) {
      assert.ok(
        payloads.some((p) => p.path.includes(where) && encodingOf(p) === ENCRYPTED_ENCODING),
        `${where} encrypted`,
      );
    }
    for (const p of payloads) {
      const bytes = Buffer.from(p.data ?? '', 'base64').toString('latin1');
      for (const secret of ['ada@example.com', 'pm_card_secret_visa'])
        assert.ok(!bytes.includes(secret), `${secret} in the history`);
    }
    assert.ok(!raw.includes('ada@example.com'));

    const input = payloads.find((p) => p.path.includes('workflowExecutionStartedEventAttributes.input'))!;
    const decode = (token?: string) =>
      fetch(`${api.base}/codec/decode`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          origin: 'http://localhost:8233',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ payloads: [{ metadata: input.metadata, data: input.data }] }),
      });
    assert.equal((await decode()).status, 401);
    assert.equal((await decode(await signToken(SECRET, { role: 'storefront', sub: 'shop' }))).status, 403);
    const opened = await decode(await signToken(SECRET, { role: 'support', sub: 'sam' }));
    assert.equal(opened.status, 200);
    assert.equal(opened.headers.get('access-control-allow-origin'), 'http://localhost:8233');
    const preflight = (origin: string) =>
      fetch(`${api.base}/codec/decode`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    const allowed = await preflight('http://localhost:8233');
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'http://localhost:8233');
    assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    const other = await preflight('https://evil.example');
    assert.equal(other.headers.get('access-control-allow-origin'), null, 'no CORS for an unlisted origin');
    const { payloads: decoded } = (await opened.json()) as { payloads: JsonPayload[] };
    assert.equal(Buffer.from(decoded[0]!.metadata!.encoding!, 'base64').toString(), 'json/plain');
    assert.match(Buffer.from(decoded[0]!.data!, 'base64').toString(), /ada@example\.com/);
  });
});
