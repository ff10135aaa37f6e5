/**
 * The outage scenario (docs/incidents.md): `dist/worker.js` and `dist/api/server.js` as production
 * runs them, against the FAKE Stripe with state, which keeps Stripe's sandbox limit (25 requests a
 * second, 429 beyond) and can have an outage (every charge declined with processing_error).
 *
 *  1. Quiet: new orders at BENCH_OUTAGE_NEW_PER_SECOND (1 a second); click to charge, no backlog.
 *  2. Outage: BENCH_OUTAGE_ORDERS orders (2,000; fewer in CI) placed and declined: PaymentFailed.
 *  3. Stripe back: support's bulk retry of all of them, while new orders keep arriving at the same
 *     pace. Measured: new orders' click to charge during the drain against the quiet figure, the
 *     drain rate against Stripe's limit, the 429s the fake answered, every order charged exactly
 *     once (the fake's successful charges per PaymentIntent), and the server CPU per order retried.
 *  4. Beside the orders, in both phases: a customer signs up every PROBE_EVERY_MS (click to the
 *     confirmation link's email) and a manager decides a leave request (the decision's round
 *     trip): a person's work must not wait behind the bulk action.
 *
 * The app keeps to STRIPE_MAX_REQUESTS_PER_SECOND = the fake's limit, as production would with a
 * test key; nothing here passes or fails on time, the goals are reported as met or not.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signToken } from '../../api/auth';
import { openLeaveStore } from '../../store';
import { SEED_ORGANISATION } from '../../store/seed-organisation';
import {
  appStackEnv,
  startApiProcess,
  startWorkerProcess,
  until,
  type RunningProcess,
} from '../../scripts/processes';
import { startStatefulFakeStripe, type StatefulFakeStripe } from '../../scripts/http-fakes';
import { BUNDLE, COMPILED, say, SECRET, tuning } from '../settings';
import { freshTemporal, latencySummary, SERVER_WORDS, type BenchServer } from '../harness';

/** Stripe's sandbox limit, which the fake keeps and the app is configured to. */
export const STRIPE_LIMIT = 25;
export const OUTAGE_ORDERS = Number(process.env.BENCH_OUTAGE_ORDERS ?? 2000);
const NEW_PER_SECOND = Number(process.env.BENCH_OUTAGE_NEW_PER_SECOND ?? 1);
const QUIET_ORDERS = Number(process.env.BENCH_OUTAGE_QUIET_ORDERS ?? 30);
/** How often a customer signs up and a manager decides a leave request, in both phases. */
const PROBE_EVERY_MS = Number(process.env.BENCH_OUTAGE_PROBE_EVERY_MS ?? 2_000);

export interface OutageRun {
  /** When it ran (it may join an earlier run's results: bench/outage.ts). */
  at?: string;
  server: string;
  failed: number;
  stripeLimit: number;
  newOrdersPerSecond: number;
  /** New orders' click (POST /orders sent) to charge (the fake took the money), ms. */
  quietClickToChargeMs: { p50: number; p95: number; p99: number; n: number };
  drainClickToChargeMs: { p50: number; p95: number; p99: number; n: number };
  drainSeconds: number;
  drainPerSecond: number;
  /** Stripe requests a second during the drain, every kind, against the limit. */
  stripeRequestsPerSecond: number;
  rateLimited: number;
  chargedExactlyOnce: boolean;
  charges: number;
  expectedCharges: number;
  refused: number;
  serverCpuMsPerOrder: number;
  /** A sign-up's click (POST /registrations sent) to its confirmation link's email, ms. */
  quietSignUpToLinkMs?: Latencies;
  drainSignUpToLinkMs?: Latencies;
  /** A manager's decision on a leave request (POST /leave-requests/:id/reject), round trip, ms. */
  quietLeaveDecisionMs?: Latencies;
  drainLeaveDecisionMs?: Latencies;
}

type Latencies = OutageRun['quietClickToChargeMs'];
const summary = (values: number[]): Latencies => ({ ...latencySummary(values), n: values.length });

/** `work` over `items`, `limit` at once. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

export async function outage(server: BenchServer): Promise<OutageRun> {
  const failed = OUTAGE_ORDERS;
  say(
    `outage (${SERVER_WORDS[server]}): ${failed} orders declined, then one bulk retry at Stripe's ${STRIPE_LIMIT}/s`,
  );
  const temporal = await freshTemporal(server);
  const stripe: StatefulFakeStripe = await startStatefulFakeStripe();
  stripe.maxRequestsPerSecond = STRIPE_LIMIT;
  const processes: RunningProcess[] = [];
  try {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-outage-'));
    const leaveStore = openLeaveStore({ dataDir });
    await leaveStore.seedIfEmpty(SEED_ORGANISATION);
    await leaveStore.close();
    const stack = await appStackEnv({
      temporalAddress: temporal.server.address,
      taskQueue: 'bench-outage',
      dataDir,
      jwtSecret: SECRET,
    });
    const env = {
      ...tuning,
      ...stack.env,
      ORDER_REMORSE_WINDOW: '0s',
      STRIPE_SECRET_KEY: 'sk_test_bench',
      STRIPE_API_BASE: stripe.url,
      STRIPE_MAX_REQUESTS_PER_SECOND: String(STRIPE_LIMIT),
      WORKFLOW_BUNDLE: BUNDLE,
    };
    processes.push(await startWorkerProcess(env, COMPILED.worker));
    processes.push(await startApiProcess(env, COMPILED.api));
    const storefront = await signToken(SECRET, { role: 'storefront', sub: 'bench' });
    const support = await signToken(SECRET, { role: 'support', sub: 'sam', name: 'Sam Sato' });
    const ella = await signToken(SECRET, { role: 'employee', sub: 'ella' });
    const mia = await signToken(SECRET, { role: 'manager', sub: 'mia' });
    const call = async (method: string, url: string, token: string, body?: unknown) => {
      const response = await fetch(`${stack.base}${url}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (response.status >= 300)
        throw new Error(`${method} ${url} answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as Record<string, unknown>;
    };
    const clickedAt = new Map<string, number>();
    const place = async (orderId: string, customerId: string) => {
      clickedAt.set(orderId, Date.now());
      await call('POST', '/orders', storefront, {
        orderId,
        customer: { id: customerId, email: `${orderId}@example.com` },
        items: [{ sku: 'book', quantity: 1, unitPrice: 1_500 }],
        currency: 'usd',
        paymentMethod: 'pm_card_visa',
      });
    };
    /** When the fake took each order's money, by order id. */
    const chargedAt = () =>
      new Map(
        stripe.charges.map((c) => [
          String((stripe.intents.get(c.paymentIntentId)?.metadata as Record<string, string>).orderId),
          c.at,
        ]),
      );
    const clickToCharge = async (ids: string[]): Promise<Latencies> => {
      await until('the new orders to be charged', () => ids.every((id) => chargedAt().has(id)), 120_000);
      const charged = chargedAt();
      return summary(ids.map((id) => charged.get(id)! - clickedAt.get(id)!));
    };
    const paced = async (prefix: string, keepGoing: (i: number) => boolean): Promise<string[]> => {
      const ids: string[] = [];
      const t0 = Date.now();
      const inFlight: Promise<void>[] = [];
      for (let i = 0; keepGoing(i); i++) {
        const wait = t0 + (i * 1000) / NEW_PER_SECOND - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const id = `${prefix}-${i}`;
        ids.push(id);
        inFlight.push(place(id, 'new'));
      }
      await Promise.all(inFlight);
      return ids;
    };

    /** When each address's confirmation link was emailed (the dev mailer's record), by address. */
    const linkEmailedAt = () => {
      const file = path.join(dataDir, 'dev-outbox', 'emails.jsonl');
      const sent = new Map<string, number>();
      if (!fs.existsSync(file)) return sent;
      for (const line of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
        const email = JSON.parse(line) as { to: string; category: string; recordedAt: string };
        if (email.category === 'registration_confirmation_link')
          sent.set(email.to, Date.parse(email.recordedAt));
      }
      return sent;
    };
    /**
     * A person's work while `running()`: every PROBE_EVERY_MS a sign-up, and a leave request Mia
     * then refuses (26 days: more than Ella has, so it waits for her). The sign-ups' click to link
     * and the decisions' round trips.
     */
    const people = async (prefix: string, running: () => boolean) => {
      const signedUp = new Map<string, number>();
      const decisions: number[] = [];
      const startDate = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
      for (let i = 0; PROBE_EVERY_MS > 0 && running(); i++) {
        const next = Date.now() + PROBE_EVERY_MS;
        const email = `${prefix}-${i}@example.com`;
        signedUp.set(email, Date.now());
        await call('POST', '/registrations', storefront, {
          email,
          name: `Probe ${i}`,
          password: 'correct horse battery staple',
        });
        const { requestId } = await call('POST', '/leave-requests', ella, { days: 26, startDate });
        const asked = Date.now();
        await call('POST', `/leave-requests/${String(requestId)}/reject`, mia, { note: 'probe' });
        decisions.push(Date.now() - asked);
        await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
      }
      await until(
        'every probe’s link to be emailed',
        () => [...signedUp.keys()].every((e) => linkEmailedAt().has(e)),
        120_000,
      );
      const emailed = linkEmailedAt();
      return {
        signUpToLink: summary([...signedUp].map(([email, at]) => emailed.get(email)! - at)),
        decision: summary(decisions),
      };
    };

    // 1. Quiet.
    let quietRunning = true;
    const quietPeople = people('quiet', () => quietRunning);
    const quietIds = await paced('quiet', (i) => i < QUIET_ORDERS);
    quietRunning = false;
    const quietProbes = await quietPeople;
    const quiet = await clickToCharge(quietIds);
    say(`  quiet: click to charge p99 ${quiet.p99.toFixed(0)} ms`);

    // 2. The outage.
    stripe.outage = true;
    const failedIds = Array.from({ length: failed }, (_, i) => `fail-${i}`);
    await pool(failedIds, 8, (id) => place(id, 'outage'));
    const filter = { reason: 'payment_failed', customerId: 'outage' };
    await until(
      'every order of the outage to be declined',
      async () =>
        (await call('POST', '/bulk-actions/preview', support, { action: 'payment-retry', filter }))
          .matched === failed,
      30 * 60_000,
    );
    stripe.outage = false;
    say(`  outage: ${failed} orders PaymentFailed`);

    // 3. Stripe is back: one bulk retry, new orders arriving meanwhile.
    const requestsBefore = stripe.requests.length;
    const cpuBefore = temporal.cpu['Temporal server']!() + (temporal.cpu.PostgreSQL?.() ?? 0);
    const started = Date.now();
    const { bulkActionId } = (await call('POST', '/bulk-actions', support, {
      action: 'payment-retry',
      filter,
    })) as {
      bulkActionId: string;
    };
    let completed = false;
    const watching = until(
      'the bulk retry to complete',
      async () => {
        completed = (await call('GET', `/bulk-actions/${bulkActionId}`, support)).state === 'Completed';
        return completed;
      },
      60 * 60_000,
    );
    const drainPeople = people('drain', () => !completed);
    const drainIds = await paced('drain', () => !completed);
    await watching;
    const drainProbes = await drainPeople;
    await until(
      'every declined order to be charged',
      () => failedIds.every((id) => chargedAt().has(id)),
      10 * 60_000,
    );
    const charged = chargedAt();
    const lastCharge = Math.max(...failedIds.map((id) => charged.get(id)!));
    const drainSeconds = (lastCharge - started) / 1000;
    const cpuAfter = temporal.cpu['Temporal server']!() + (temporal.cpu.PostgreSQL?.() ?? 0);
    const drain = await clickToCharge(drainIds);
    const bulk = await call('GET', `/bulk-actions/${bulkActionId}`, support);
    const intents = stripe.charges.map((c) => c.paymentIntentId);
    const expectedCharges = quietIds.length + failed + drainIds.length;
    const run: OutageRun = {
      server: SERVER_WORDS[server],
      failed,
      stripeLimit: STRIPE_LIMIT,
      newOrdersPerSecond: NEW_PER_SECOND,
      quietClickToChargeMs: quiet,
      drainClickToChargeMs: drain,
      drainSeconds,
      drainPerSecond: failed / drainSeconds,
      stripeRequestsPerSecond: (stripe.requests.length - requestsBefore) / drainSeconds,
      rateLimited: stripe.rateLimited,
      chargedExactlyOnce: intents.length === expectedCharges && new Set(intents).size === intents.length,
      charges: intents.length,
      expectedCharges,
      refused: Number(bulk.refused),
      serverCpuMsPerOrder: (cpuAfter - cpuBefore) / failed,
      quietSignUpToLinkMs: quietProbes.signUpToLink,
      drainSignUpToLinkMs: drainProbes.signUpToLink,
      quietLeaveDecisionMs: quietProbes.decision,
      drainLeaveDecisionMs: drainProbes.decision,
    };
    say(
      `  a person's work, quiet → drain: sign-up to link p99 ${quietProbes.signUpToLink.p99.toFixed(0)} → ${drainProbes.signUpToLink.p99.toFixed(0)} ms, a manager's leave decision p99 ${quietProbes.decision.p99.toFixed(0)} → ${drainProbes.decision.p99.toFixed(0)} ms`,
    );
    say(
      `  drain: ${run.drainPerSecond.toFixed(1)} orders/s (limit ${STRIPE_LIMIT}), new orders' click to charge p99 ${drain.p99.toFixed(0)} ms, ${run.rateLimited} 429s`,
    );
    return run;
  } finally {
    for (const p of processes.reverse()) await p.stop().catch(() => undefined);
    await stripe.close();
    await temporal.close();
  }
}
