/**
 * Local HTTP servers for tests: a FAKE SendGrid Mail Send endpoint (SendGrid has no runnable local
 * counterpart), a FAKE Stripe that answers one scripted error, and a recording proxy in front of
 * stripe-mock. Each speaks the real wire format of the API it stands for.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Date.now() when the request arrived, and when (and with what status) it was answered. */
  at: number;
  answeredAt?: number;
  status?: number;
  /** Recording proxy: the status the upstream (stripe-mock) gave, even if the caller had gone. */
  upstreamStatus?: number;
}

export interface ScriptedAnswer {
  /** Without a status (the recording proxy only): pass the request on after `delayMs`. */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering: past a client's timeout, it is a timeout. */
  delayMs?: number;
}

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  /** Answers to give, in order; when empty, the default answer. */
  script: ScriptedAnswer[];
  /** While set, requests wait for it before they are answered (to hold a call in flight). */
  hold?: Promise<void>;
  close(): Promise<void>;
}

async function serve(
  handler: (req: RecordedRequest, res: http.ServerResponse, server: FakeServer) => void | Promise<void>,
): Promise<FakeServer> {
  const fake: FakeServer = { url: '', requests: [], script: [], close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      fake.requests.push(recorded);
      res.once('finish', () => {
        recorded.answeredAt = Date.now();
        recorded.status = res.statusCode;
      });
      void handler(recorded, res, fake);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

async function answer(res: http.ServerResponse, a: ScriptedAnswer): Promise<void> {
  if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
  if (res.destroyed) return;
  res.writeHead(a.status ?? 500, { 'content-type': 'application/json', ...a.headers });
  res.end(a.body === undefined ? '' : JSON.stringify(a.body));
}

/** FAKE SendGrid: `POST /v3/mail/send` answers 202 (or the scripted status); records every request. */
export function startFakeSendGrid(): Promise<FakeServer> {
  return serve((req, res, fake) => {
    if (req.method !== 'POST' || req.path !== '/v3/mail/send') {
      return answer(res, { status: 404, body: { errors: [{ message: 'not found' }] } });
    }
    return answer(res, fake.script.shift() ?? { status: 202 });
  });
}

/** FAKE Stripe: answers every request with the scripted answer (e.g. a 402 card_error). */
export function startFakeStripe(defaultAnswer: ScriptedAnswer): Promise<FakeServer> {
  return serve((_req, res, fake) => answer(res, fake.script.shift() ?? defaultAnswer));
}

/**
 * A recording proxy to `target` (stripe-mock) that can answer scripted failures first. A scripted
 * answer without a status is a slow upstream: the request is passed on after its delay, so the
 * caller may have given up on an answer the server did give (Stripe charged, the client timed out).
 */
export function startRecordingProxy(target: string): Promise<FakeServer> {
  return serve(async (req, res, fake) => {
    if (fake.hold) await fake.hold;
    const scripted = fake.script.shift();
    if (scripted?.status !== undefined) return answer(res, scripted);
    if (scripted?.delayMs) await new Promise((r) => setTimeout(r, scripted.delayMs));
    const upstream = await fetch(`${target}${req.path}`, {
      method: req.method,
      headers: Object.fromEntries(
        Object.entries(req.headers).filter(
          ([k, v]) => typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k),
        ),
      ) as Record<string, string>,
      body: req.method === 'GET' ? undefined : req.body,
    });
    req.upstreamStatus = upstream.status;
    res.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'application/json',
    });
    res.end(await upstream.text());
  });
}
