/**
 * Local HTTP servers for tests: a FAKE SendGrid Mail Send endpoint (SendGrid has no runnable local
 * counterpart), a FAKE Stripe that answers one scripted error, a FAKE Stripe with state (what
 * stateless stripe-mock cannot show), and a recording proxy in front of stripe-mock. Each speaks
 * the real wire format of the API it stands for.
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
  /** The recording proxy: the requests `script` and `hold` apply to; all of them without it. */
  only?: (request: RecordedRequest) => boolean;
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
    const applies = fake.only?.(req) ?? true;
    if (fake.hold && applies) await fake.hold;
    const scripted = applies ? fake.script.shift() : undefined;
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

/** A charge as Stripe sees it: a confirmation of the order's PaymentIntent (`only` for Stripe's fakes). */
export function confirmsPaymentIntent(request: { method: string; path: string }): boolean {
  return request.method === 'POST' && /^\/v1\/payment_intents\/[^/]+\/confirm$/.test(request.path);
}

/** What the stateful fake Stripe does with the next new charge or refund (not with a replayed key). */
export type FakeChargeBehaviour = 'succeed' | 'charge-then-500' | 'processing';
export type FakeRefundBehaviour = 'succeed' | 'already-refunded';

/** Money the fake took: a confirm that made a PaymentIntent succeed (or start processing). */
export interface FakeCharge {
  paymentIntentId: string;
  paymentMethod: string;
  status: 'succeeded' | 'processing';
  at: number;
}

export interface StatefulFakeStripe extends FakeServer {
  intents: Map<string, Record<string, unknown>>;
  refunds: Map<string, Record<string, unknown>>;
  /** Every charge taken, in order: a PaymentIntent succeeds at most once, so one per paid intent. */
  charges: FakeCharge[];
  charge: FakeChargeBehaviour;
  refund: FakeRefundBehaviour;
  /**
   * How long (real ms) a change to a PaymentIntent takes to reach search: Stripe documents search
   * as eventually consistent (under a minute usually, up to an hour in an outage). Until then a
   * search answers the intent as it was before the change, or not at all. 0: at once.
   */
  searchDelayMs: number;
  /**
   * Stripe's rate limit (25 requests a second in a sandbox, 100 live): a request beyond it within
   * any one second is answered 429, as Stripe does, and counted. 0: no limit.
   */
  maxRequestsPerSecond: number;
  /** The 429s answered so far. */
  rateLimited: number;
  /** Sent with each 429 as Retry-After, when set (Stripe may send none). */
  retryAfterSeconds?: number;
  /**
   * An outage at the card networks: while set, every confirm is declined with `processing_error`
   * ("try again in a little bit"), the intent back to `requires_payment_method`, nothing charged.
   */
  outage: boolean;
}

/** A PaymentIntent can be confirmed only in these states; in any other Stripe refuses the confirm. */
const CONFIRMABLE = ['requires_payment_method', 'requires_confirmation', 'requires_action'];

/**
 * FAKE Stripe with state, for what stripe-mock (stateless) cannot show, as Stripe documents it:
 * PaymentIntents that stay created; a confirm with a payment method that takes the money
 * (`succeeded`, or `processing`), or declines the card (402 `card_error`, the intent back to
 * `requires_payment_method` with its `last_payment_error`, a payment method containing "declin");
 * a confirm of an intent that already succeeded (or is processing) refused with 400
 * `payment_intent_unexpected_state`, so an intent succeeds at most once; retrieval by id that sees
 * every change at once, and search by metadata that sees it only after `searchDelayMs`; idempotency
 * keys that replay the first answer, "including 500 errors" (a charge that took the money but
 * answered 500 answers 500 to every retry under its key), and refuse a key reused with other
 * parameters; and, when set, Stripe's rate limit (429 beyond `maxRequestsPerSecond`). Speaks
 * Stripe's wire format (form-encoded requests, JSON answers, `Idempotent-Replayed`).
 */
export async function startStatefulFakeStripe(): Promise<StatefulFakeStripe> {
  const stored = new Map<string, { request: string; status: number; body: unknown }>();
  /** Each intent's versions as search will see them, with when each was made. */
  const indexed = new Map<string, { at: number; intent: Record<string, unknown> }[]>();
  let sequence = 0;
  const reply = (res: http.ServerResponse, status: number, body: unknown, replayed = false): void => {
    res.writeHead(status, {
      'content-type': 'application/json',
      'request-id': `req_fake_${++sequence}`,
      ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
    });
    res.end(JSON.stringify(body));
  };
  const notFound = (what: string) => ({
    error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${what}` },
  });
  const changed = (intent: Record<string, unknown>): void => {
    const id = String(intent.id);
    indexed.set(id, [...(indexed.get(id) ?? []), { at: Date.now(), intent: structuredClone(intent) }]);
  };

  /** Confirms `intent` with `paymentMethod`, as Stripe does; the answer to give. */
  const confirm = (
    state: StatefulFakeStripe,
    intent: Record<string, unknown>,
    paymentMethod: string | null,
  ): { status: number; body: unknown } => {
    if (!CONFIRMABLE.includes(String(intent.status))) {
      return {
        status: 400,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'payment_intent_unexpected_state',
            message: `You cannot confirm this PaymentIntent because it has a status of ${String(intent.status)}. Only a PaymentIntent with one of the following statuses may be confirmed: ${CONFIRMABLE.join(', ')}.`,
            payment_intent: intent,
          },
        },
      };
    }
    const method = paymentMethod ?? (intent.payment_method as string | null);
    if (!method) {
      return {
        status: 400,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'payment_intent_unexpected_state',
            message: 'You cannot confirm this PaymentIntent because it is missing a payment method.',
            payment_intent: intent,
          },
        },
      };
    }
    intent.payment_method = method;
    if (/declin/i.test(method) || state.outage) {
      const error = state.outage
        ? {
            type: 'card_error',
            code: 'processing_error',
            message: 'An error occurred while processing your card. Try again in a little bit.',
            payment_method: { id: method, object: 'payment_method' },
          }
        : {
            type: 'card_error',
            code: 'card_declined',
            decline_code: 'generic_decline',
            message: 'Your card was declined.',
            payment_method: { id: method, object: 'payment_method' },
          };
      Object.assign(intent, { status: 'requires_payment_method', last_payment_error: error });
      changed(intent);
      return { status: 402, body: { error: { ...error, payment_intent: intent } } };
    }
    const status = state.charge === 'processing' ? 'processing' : 'succeeded';
    Object.assign(intent, { status, last_payment_error: null });
    changed(intent);
    state.charges.push({ paymentIntentId: String(intent.id), paymentMethod: method, status, at: Date.now() });
    if (state.charge === 'charge-then-500') {
      // The money moved; the answer was lost to an error, and that error is what the key keeps.
      return { status: 500, body: { error: { type: 'api_error', message: 'An unknown error occurred' } } };
    }
    return { status: 200, body: intent };
  };

  /** When each request of the last second arrived, for the rate limit. */
  let lastSecond: number[] = [];
  const fake = await serve((req, res, server) => {
    const state = server as StatefulFakeStripe;
    const url = new URL(req.path, 'http://stripe.local');
    if (state.maxRequestsPerSecond > 0) {
      const now = Date.now();
      lastSecond = lastSecond.filter((at) => at > now - 1_000);
      if (lastSecond.length >= state.maxRequestsPerSecond) {
        state.rateLimited += 1;
        res.writeHead(429, {
          'content-type': 'application/json',
          'request-id': `req_fake_${++sequence}`,
          ...(state.retryAfterSeconds ? { 'retry-after': String(state.retryAfterSeconds) } : {}),
        });
        res.end(
          JSON.stringify({
            error: {
              type: 'invalid_request_error',
              code: 'rate_limit',
              message:
                'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.',
            },
          }),
        );
        return;
      }
      lastSecond.push(now);
    }
    const form = new URLSearchParams(req.body);
    const key =
      typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
    const once = (answer: () => { status: number; body: unknown }): void => {
      const earlier = key ? stored.get(key) : undefined;
      if (earlier) {
        if (earlier.request !== `${req.method} ${url.pathname} ${req.body}`) {
          return reply(res, 400, {
            error: {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
            },
          });
        }
        return reply(res, earlier.status, earlier.body, true);
      }
      const fresh = answer();
      if (key) stored.set(key, { request: `${req.method} ${url.pathname} ${req.body}`, ...fresh });
      reply(res, fresh.status, fresh.body);
    };

    if (req.method === 'POST' && url.pathname === '/v1/payment_intents') {
      return once(() => {
        const metadata: Record<string, string> = {};
        for (const [name, value] of form) {
          const m = /^metadata\[(.+)\]$/.exec(name);
          if (m) metadata[m[1]!] = value;
        }
        const intent: Record<string, unknown> = {
          id: `pi_fake_${++sequence}`,
          object: 'payment_intent',
          amount: Number(form.get('amount')),
          currency: form.get('currency'),
          payment_method: form.get('payment_method'),
          status: form.get('payment_method') ? 'requires_confirmation' : 'requires_payment_method',
          metadata,
          last_payment_error: null,
        };
        state.intents.set(String(intent.id), intent);
        changed(intent);
        if (form.get('confirm') === 'true') return confirm(state, intent, null);
        return { status: 200, body: intent };
      });
    }
    if (req.method === 'GET' && url.pathname === '/v1/payment_intents/search') {
      const wanted = /metadata\['orderId'\]:'([^']*)'/.exec(url.searchParams.get('query') ?? '')?.[1];
      const seenBy = Date.now() - state.searchDelayMs;
      const data = [...indexed.values()]
        .flatMap((versions) => versions.filter((v) => v.at <= seenBy).slice(-1))
        .map((v) => v.intent)
        .filter((i) => (i.metadata as Record<string, string>).orderId === wanted);
      return reply(res, 200, {
        object: 'search_result',
        url: url.pathname,
        has_more: false,
        next_page: null,
        data,
      });
    }
    const confirming = /^\/v1\/payment_intents\/([^/]+)\/confirm$/.exec(url.pathname);
    if (req.method === 'POST' && confirming) {
      return once(() => {
        const intent = state.intents.get(confirming[1]!);
        if (!intent) return { status: 404, body: notFound(`payment_intent: '${confirming[1]}'`) };
        return confirm(state, intent, form.get('payment_method'));
      });
    }
    const intent = /^\/v1\/payment_intents\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && intent) {
      const found = state.intents.get(intent[1]!);
      return found ? reply(res, 200, found) : reply(res, 404, notFound(`payment_intent: '${intent[1]}'`));
    }
    if (req.method === 'POST' && url.pathname === '/v1/refunds') {
      return once(() => {
        if (state.refund === 'already-refunded') {
          return {
            status: 400,
            body: {
              error: {
                type: 'invalid_request_error',
                code: 'charge_already_refunded',
                message: `Charge for ${form.get('payment_intent')} has already been refunded.`,
              },
            },
          };
        }
        const refund = {
          id: `re_fake_${++sequence}`,
          object: 'refund',
          amount: Number(form.get('amount')),
          payment_intent: form.get('payment_intent'),
          status: 'succeeded',
        };
        state.refunds.set(refund.id, refund);
        return { status: 200, body: refund };
      });
    }
    const refund = /^\/v1\/refunds\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && refund) {
      const found = state.refunds.get(refund[1]!);
      return found ? reply(res, 200, found) : reply(res, 404, notFound(`refund: '${refund[1]}'`));
    }
    reply(res, 404, notFound(`route ${req.method} ${url.pathname}`));
  });
  return Object.assign(fake, {
    intents: new Map(),
    refunds: new Map(),
    charges: [],
    charge: 'succeed',
    refund: 'succeed',
    searchDelayMs: 0,
    maxRequestsPerSecond: 0,
    rateLimited: 0,
    outage: false,
  }) as StatefulFakeStripe;
}
