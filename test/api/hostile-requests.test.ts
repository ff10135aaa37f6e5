/**
 * Hostile requests, generated (fast-check) over every route of the route table, sent as raw bytes
 * on a socket to the real API process (`api/server.ts`), in both of its modes: a browser session
 * with its CSRF token, and bearer tokens. Header values with bytes 0x80–0xFF, control characters
 * and 16 KiB lengths, repeated headers, malformed cookies, wrong or missing `Content-Type`,
 * truncated and oversized bodies, odd query strings and path segments. Whatever arrives:
 *
 * - the answer is a 4xx (or the route's own 2xx/3xx), never a 5xx but 503 `unavailable` with
 *   `Retry-After`; a JSON 4xx has the contract's error shape;
 * - the process is still there and answers `/healthz` after each request;
 * - a refused request starts nothing and signals nothing (the workflows and the seeded order's
 *   history are counted against the requests that were accepted).
 *
 * The first test is the request that once ended the process: 43 bytes of 0xE9 as the CSRF token.
 * Bounded: a fixed number of runs, on 127.0.0.1, against a dev server with no worker.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import { signToken } from '../../api/auth';
import { ROUTES, ROLES, type Role, type Route } from '../../api/contract';
import { openSqliteSessionStore } from '../../store/session-store';
import { checkoutWorkflowId } from '../../workflows/checkout/messages';
import {
  appStackEnv,
  killLeftovers,
  startApiProcess,
  until,
  type RunningProcess,
} from '../helpers/processes';
import { devServerEnv } from '../helpers/temporal';
import { freePort } from '../../scripts/net';

const SECRET = 'hostile-requests-secret-long-enough-hs256';
const SEED_ORDER = 'hostile-seed';
const RUNS = Number(process.env.HOSTILE_RUNS ?? 1000);

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request as bytes on a fresh connection (nothing re-encoded on the way), its answer parsed. */
function sendRaw(port: number, bytes: Buffer, timeoutMs = 10_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined); // the server may close while we still write: the answer decides
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf('\r\n\r\n');
      if (split < 0) {
        reject(new Error(`no HTTP answer: ${JSON.stringify(raw.toString('latin1').slice(0, 200))}`));
        return;
      }
      const [statusLine, ...lines] = raw.subarray(0, split).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const at = line.indexOf(':');
        headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
      }
      let body: Buffer = raw.subarray(split + 4);
      if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: body.toString('utf8') });
    });
    socket.write(bytes);
  });
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const end = body.indexOf('\r\n', at);
    if (end < 0) break;
    const size = parseInt(body.subarray(at, end).toString('latin1'), 16);
    if (!size) break;
    parts.push(body.subarray(end + 2, end + 2 + size));
    at = end + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** A request as parts; `bytes()` lays it out as HTTP/1.1. */
interface Request {
  method: string;
  target: string;
  headers: [string, Buffer | string][];
  body?: Buffer;
}

function bytes(request: Request): Buffer {
  const head: Buffer[] = [Buffer.from(`${request.method} ${request.target} HTTP/1.1\r\n`, 'latin1')];
  for (const [name, value] of [
    ['host', '127.0.0.1'] as [string, string],
    ['connection', 'close'] as [string, string],
    ...request.headers,
  ]) {
    head.push(Buffer.from(`${name}: `, 'latin1'), Buffer.from(value as string), Buffer.from('\r\n'));
  }
  if (request.body) head.push(Buffer.from(`content-length: ${request.body.length}\r\n`));
  head.push(Buffer.from('\r\n'));
  return Buffer.concat([...head, request.body ?? Buffer.alloc(0)]);
}

/** Header values no well-behaved client sends: high bytes, control characters, huge, empty. */
const hostileValue: fc.Arbitrary<Buffer> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .uint8Array({ minLength: 1, maxLength: 64 })
      .map((a) => Buffer.from(Array.from(a, (b) => 0x80 | b))),
  },
  { weight: 2, arbitrary: fc.constant(Buffer.alloc(43, 0xe9)) },
  // Control characters and 16 KiB values: most are refused by the HTTP parser itself (400, 431).
  {
    weight: 1,
    arbitrary: fc
      .array(fc.integer({ min: 0, max: 31 }), { minLength: 1, maxLength: 8 })
      .map((codes) => Buffer.from(codes.filter((c) => c !== 10 && c !== 13).concat([0x61]))),
  },
  { weight: 1, arbitrary: fc.constantFrom(16 * 1024, 8 * 1024, 1).map((n) => Buffer.alloc(n, 0x41)) },
  {
    weight: 3,
    arbitrary: fc
      .string({ unit: 'binary', maxLength: 40 })
      .map((s) => Buffer.from(s.replace(/[\r\n]/g, ''), 'utf8')),
  },
  { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) },
);

/** Cookies as a browser would never send them. */
const hostileCookie: fc.Arbitrary<Buffer> = fc
  .oneof(
    fc.constantFrom('tc_session', 'tc_session=', '=tc_session', 'tc_session=%zz%', ';;;;', 'a=b; tc_session'),
    fc.string({ unit: 'binary', maxLength: 60 }).map((s) => `tc_session=${s.replace(/[\r\n]/g, '')}`),
    fc.constant(`tc_session=${'%'.repeat(3000)}`),
  )
  .map((s) => Buffer.from(s, 'utf8'));

const hostileQuery: fc.Arbitrary<string> = fc.oneof(
  fc.constant(''),
  fc.constantFrom(
    '?%',
    '?%zz=1',
    '?a=%E9',
    '?limit=1&limit=2',
    '?needs=support&needs=shipment',
    '?cursor=%00%00',
    '?limit=-1',
    '?limit=1e3',
    '?status[]=Paid',
    '?returnTo=%2F%2Fevil.example',
    '?awaiting=me&employeeId=ella',
    '?email=%FF%FE',
    `?returnTo=${'x'.repeat(3000)}`,
    '?token=' + 'A'.repeat(43),
    '?__proto__[x]=1',
  ),
  fc
    .array(fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 20 })), { maxLength: 4 })
    .map(
      (pairs) => `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`,
    ),
);

const hostileBody: fc.Arbitrary<Buffer | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant(Buffer.from('{"orderId":"x","items":[{"sku":')), // truncated
  fc.constant(Buffer.alloc(70 * 1024, 0x61)), // over 64 KiB
  fc.constant(Buffer.from(`{"a":"${'b'.repeat(70 * 1024)}"}`)),
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.constant(Buffer.from('{"__proto__":{"admin":true},"constructor":{"prototype":{}}}')),
);

const contentType: fc.Arbitrary<Buffer | undefined> = fc.oneof(
  fc.constant(undefined),
  fc
    .constantFrom(
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
      'application/json; charset=koi8-r',
    )
    .map((s) => Buffer.from(s)),
  hostileValue,
);

/** A path parameter: the seeded order's id (so a signal would reach it), or something odd. */
const pathParameter: fc.Arbitrary<string> = fc.oneof(
  fc.constant(SEED_ORDER),
  fc.constantFrom('%E9%E9', '..%2F..%2Fetc', '%00', 'a'.repeat(300), '%', 'ella', 'me', '__proto__'),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/),
);

type Mode =
  | { kind: 'none' }
  | { kind: 'bearer'; role: Role; token?: Buffer }
  | { kind: 'session'; role: Role; csrf: 'right' | 'missing' | Buffer; origin?: Buffer }
  | { kind: 'cookie'; cookie: Buffer };

const mode: fc.Arbitrary<Mode> = fc.oneof(
  fc.constant<Mode>({ kind: 'none' }),
  fc.record({ kind: fc.constant('bearer' as const), role: fc.constantFrom(...ROLES) }),
  fc.record({
    kind: fc.constant('bearer' as const),
    role: fc.constantFrom(...ROLES),
    token: hostileValue,
  }),
  fc.record({
    kind: fc.constant('session' as const),
    role: fc.constantFrom(...ROLES),
    csrf: fc.oneof(fc.constantFrom<'right' | 'missing'>('right', 'missing'), hostileValue),
  }),
  fc.record({
    kind: fc.constant('session' as const),
    role: fc.constantFrom(...ROLES),
    csrf: fc.constant<'right'>('right'),
    origin: fc.oneof(hostileValue, fc.constant(Buffer.from('https://evil.example'))),
  }),
  fc.record({ kind: fc.constant('cookie' as const), cookie: hostileCookie }),
);

/** Routes whose answers are pages for a person, not JSON for a client. */
const PAGE_ROUTES = [
  '/registrations/confirm',
  '/session/sign-in',
  '/session/callback',
  '/password-resets/confirm',
  '/customer-identity/interaction/{uid}',
  '/customer-identity/interaction/{uid}/login',
  '/customer-identity/forgot',
];
/** Routes that start a process when they are accepted. */
const STARTS = new Set([
  'post /orders',
  'post /leave-requests',
  'post /registrations',
  'post /password-resets',
  'post /customer-identity/forgot',
]);

describe('hostile requests over every route', () => {
  let env: TestWorkflowEnvironment;
  let api: RunningProcess;
  let port: number;
  const tokens = new Map<Role, string>();
  const sessions = new Map<Role, { cookie: string; csrf: string }>();

  before(async () => {
    env = await devServerEnv();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-'));
    const stack = await appStackEnv({
      temporalAddress: env.address,
      // No worker: a start or a signal that got through stays in the history for the count below.
      taskQueue: 'hostile-no-worker',
      dataDir,
      jwtSecret: SECRET,
    });
    port = Number(new URL(stack.base).port);
    // Traced as in production (every request through the HTTP instrumentation, the propagator and
    // the redaction), exporting to a port nothing listens on: a lost batch is no request's business.
    api = await startApiProcess({
      ...stack.env,
      OTEL_TRACES_EXPORTER: 'zipkin',
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: `http://127.0.0.1:${await freePort()}/api/v2/spans`,
    });
    // A browser session per role, as the sign-in would leave it in the database.
    const store = openSqliteSessionStore(path.join(dataDir, 'app.db'));
    for (const role of ROLES) {
      tokens.set(role, await signToken(SECRET, { role, sub: `${role}-1` }));
      const id = crypto.randomBytes(32).toString('base64url');
      const csrf = crypto.randomBytes(32).toString('base64url');
      await store.saveSession(crypto.createHash('sha256').update(id).digest('base64url'), {
        sub: `${role}-1`,
        name: role,
        roles: [role],
        csrfToken: csrf,
        expiresAt: Date.now() + 3_600_000,
      });
      sessions.set(role, { cookie: `tc_session=${id}`, csrf });
    }
    await store.close();
    const seeded = await sendRaw(
      port,
      bytes({
        method: 'POST',
        target: '/orders',
        headers: [
          ['authorization', `Bearer ${tokens.get('storefront')}`],
          ['content-type', 'application/json'],
        ],
        body: Buffer.from(
          JSON.stringify({
            orderId: SEED_ORDER,
            customer: { id: 'c-hostile', email: 'hostile@example.com' },
            items: [{ sku: 'mug', quantity: 1, unitPrice: 900 }],
            currency: 'eur',
            paymentMethod: 'pm_card_visa',
          }),
        ),
      }),
    );
    assert.equal(seeded.status, 202, seeded.body);
  });

  after(async () => {
    await api?.stop();
    killLeftovers();
    await env?.teardown();
  });

  function authHeaders(m: Mode): [string, Buffer | string][] {
    switch (m.kind) {
      case 'none':
        return [];
      case 'bearer':
        return [
          [
            'authorization',
            m.token ? Buffer.concat([Buffer.from('Bearer '), m.token]) : `Bearer ${tokens.get(m.role)}`,
          ],
        ];
      case 'session': {
        const { cookie, csrf } = sessions.get(m.role)!;
        return [
          ['cookie', cookie],
          ...(m.csrf === 'missing'
            ? []
            : [['x-csrf-token', m.csrf === 'right' ? csrf : m.csrf] as [string, Buffer | string]]),
          ...(m.origin ? [['origin', m.origin] as [string, Buffer]] : []),
        ];
      }
      case 'cookie':
        return [['cookie', m.cookie]];
    }
  }

  async function stillServing(): Promise<void> {
    assert.equal(api.child.exitCode, null, `the API exited:\n${api.output().slice(-2000)}`);
    const health = await sendRaw(port, bytes({ method: 'GET', target: '/healthz', headers: [] }));
    assert.equal(health.status, 200);
  }

  /** The answer as the contract allows it: no 5xx but 503 unavailable; a JSON 4xx in the error shape. */
  function assertAcceptable(route: Route, request: Request, answer: RawAnswer): void {
    const what = `${request.method} ${request.target.slice(0, 120)} → ${answer.status} ${answer.body.slice(0, 300)}`;
    if (answer.status >= 500) {
      assert.equal(answer.status, 503, `${what}\nthe API logged:\n${api.output().slice(-1500)}`);
      assert.ok(answer.headers['retry-after'], `a 503 says when to try again: ${what}`);
      assert.equal((JSON.parse(answer.body) as { error: { code: string } }).error.code, 'unavailable', what);
      return;
    }
    assert.ok(answer.status >= 200 && answer.status < 500, what);
    if (answer.status < 400 || !answer.body) return;
    if ((answer.headers['content-type'] ?? '').startsWith('application/json')) {
      const body = JSON.parse(answer.body) as { error?: { code?: unknown; message?: unknown } };
      assert.equal(typeof body.error?.code, 'string', `the error shape: ${what}`);
      assert.equal(typeof body.error?.message, 'string', `the error shape: ${what}`);
    } else {
      assert.ok(
        PAGE_ROUTES.includes(route.path) && (answer.headers['content-type'] ?? '').startsWith('text/html'),
        `only a page route answers a page: ${what}`,
      );
    }
  }

  it('43 bytes of 0xE9 as the CSRF token of a signed-in person: 403, and the process goes on', async () => {
    for (const role of ['employee', 'support', 'storefront'] as const) {
      const { cookie } = sessions.get(role)!;
      const answer = await sendRaw(
        port,
        bytes({
          method: 'POST',
          target: `/orders/${SEED_ORDER}/cancel`,
          headers: [
            ['cookie', cookie],
            ['x-csrf-token', Buffer.alloc(43, 0xe9)],
            ['content-type', 'application/json'],
          ],
          body: Buffer.from('{}'),
        }),
      );
      assert.equal(answer.status, 403, answer.body);
      assert.match(answer.body, /CSRF token is missing or wrong/);
      await stillServing();
    }
  });

  it("a caller's traceparent chooses no trace id, over HTTP/1.0 without a Host too: the request's log line carries the API's own", async () => {
    assert.match(api.output(), /traces to zipkin at/, 'the API traces as in production');
    const theirs = '4bf92f3577b34da6a3ce929d0e0e4736';
    const before = api.output().length;
    for (const [version, host] of [
      ['1.0', ''],
      ['1.1', 'host: 127.0.0.1\r\n'],
    ]) {
      const head =
        `GET /orders?needs=support HTTP/${version}\r\n${host}` +
        `authorization: Bearer ${tokens.get('support')}\r\n` +
        `traceparent: 00-${theirs}-00f067aa0ba902b7-01\r\nconnection: close\r\n\r\n`;
      const answer = await sendRaw(port, Buffer.from(head, 'latin1'));
      assert.equal(answer.status, 200, `HTTP/${version}: ${answer.body}`);
    }
    // The processes' readable log lines: `[api] request method=GET route=/orders … trace_id=…`.
    const lines = () =>
      api
        .output()
        .slice(before)
        .split('\n')
        .filter((line) => /\[api\] request .*route=\/orders /.test(line));
    await until('both request lines', () => lines().length >= 2, 10_000);
    for (const line of lines()) {
      const traceId = /trace_id=([0-9a-f]+)/.exec(line)?.[1];
      assert.match(traceId ?? '', /^[0-9a-f]{32}$/, `a trace of the API's own: ${line}`);
      assert.notEqual(traceId, theirs, line);
    }
  });

  it('bodies the server cannot read, and addresses it does not serve: 4xx, never 5xx, nothing of its insides', async () => {
    const gzipped = (await import('node:zlib')).gzipSync(Buffer.from('{"orderId":"x"}'));
    const requests: Request[] = [];
    for (const encoding of ['gzip', 'deflate', 'br', 'identity, gzip', 'x-unknown']) {
      for (const body of [Buffer.from('abcde'), gzipped.subarray(0, 10), gzipped]) {
        for (const target of ['/orders', '/healthz', '/nowhere', '/registrations/confirm']) {
          requests.push({
            method: 'POST',
            target,
            headers: [
              ['authorization', `Bearer ${tokens.get('storefront')}`],
              [
                'content-type',
                target.includes('confirm') ? 'application/x-www-form-urlencoded' : 'application/json',
              ],
              ['content-encoding', encoding],
            ],
            body,
          });
        }
      }
    }
    for (const target of [
      '/assets/nope.js',
      '/assets/%zz',
      '/assets/%E9',
      '/assets/..%2f..%2fpackage.json',
      '/assets/',
      '/%zz',
      '/orders/%zz',
    ]) {
      requests.push({
        method: 'GET',
        target,
        headers: [['authorization', `Bearer ${tokens.get('support')}`]],
      });
    }
    for (const request of requests) {
      const answer = await sendRaw(port, bytes(request));
      const what = `${request.method} ${request.target} ${JSON.stringify(request.headers.slice(2))} → ${answer.status} ${answer.body.slice(0, 200)}`;
      assert.ok(answer.status >= 400 && answer.status < 500, what);
      assert.doesNotMatch(
        answer.body,
        /ENOENT|zlib|incorrect header|\/work\/|node_modules|Decompression/i,
        what,
      );
      await stillServing();
    }
  });

  it('every route, both modes: no 5xx, the error shape, the process serving, nothing started or signalled by a refusal', async () => {
    const accepted: { key: string; target: string; body: string }[] = [];
    /** How the answers fell, printed so a run shows how much reached the app past the HTTP parser. */
    const tally = new Map<string, number>();
    const routes = ROUTES.filter((r) => r.path !== '/metrics');
    const request = fc.record({
      route: fc.constantFrom(...routes.map((r) => `${r.method} ${r.path}`)),
      mode,
      param: pathParameter,
      query: hostileQuery,
      extra: fc.array(
        fc.tuple(
          fc.constantFrom(
            'x-csrf-token',
            'authorization',
            'cookie',
            'origin',
            'x-forwarded-for',
            'traceparent',
            'tracestate',
            'baggage',
            'accept',
            'idempotency-key',
            'content-encoding',
            'x-anything',
          ),
          hostileValue,
        ),
        { maxLength: 3 },
      ),
      contentType,
      body: hostileBody,
    });
    await fc.assert(
      fc.asyncProperty(request, async (sample) => {
        const route = routes.find((r) => `${r.method} ${r.path}` === sample.route)!;
        const method = route.method.toUpperCase();
        const target = route.path.replace(/\{[^}]+\}/g, sample.param) + sample.query;
        const raw: Request = {
          method,
          target,
          headers: [
            ...authHeaders(sample.mode),
            ...(sample.contentType ? [['content-type', sample.contentType] as [string, Buffer]] : []),
            ...sample.extra,
          ],
          body: method === 'POST' ? sample.body : undefined,
        };
        const answer = await sendRaw(port, bytes(raw));
        const seen = `${answer.status}${answer.body ? '' : ' (no body)'}`;
        tally.set(seen, (tally.get(seen) ?? 0) + 1);
        assertAcceptable(route, raw, answer);
        if (answer.status >= 200 && answer.status < 300 && method === 'POST') {
          accepted.push({ key: `${route.method} ${route.path}`, target, body: answer.body });
        }
        await stillServing();
      }),
      { numRuns: RUNS, endOnFailure: true },
    );

    console.log(
      `[hostile] answers: ${[...tally]
        .sort()
        .map(([k, n]) => `${k}: ${n}`)
        .join(', ')}`,
    );
    // Nothing but what was accepted reached Temporal: the workflows are the seed and the accepted
    // starts; the seed's history holds no more messages than the accepted requests aimed at it.
    const workflows: string[] = [];
    for await (const execution of env.client.workflow.list({ query: `TaskQueue = 'hostile-no-worker'` })) {
      workflows.push(execution.workflowId);
    }
    const starts = accepted.filter((a) => STARTS.has(a.key));
    assert.ok(workflows.includes(checkoutWorkflowId(SEED_ORDER)));
    assert.ok(
      workflows.length <= 1 + starts.length,
      `workflows ${workflows.join(', ')} beyond the accepted starts ${JSON.stringify(starts)}`,
    );
    const history = await env.client.workflow.getHandle(checkoutWorkflowId(SEED_ORDER)).fetchHistory();
    const messages = (history.events ?? []).filter(
      (e) => e.workflowExecutionSignaledEventAttributes || e.workflowExecutionUpdateAcceptedEventAttributes,
    );
    const aimedAtSeed = accepted.filter(
      (a) => a.target.includes(`/${SEED_ORDER}`) || a.key === 'post /orders/batch',
    );
    assert.ok(
      messages.length <= aimedAtSeed.length,
      `${messages.length} messages reached the seeded order; ${aimedAtSeed.length} requests for it were accepted`,
    );
  });
});
