/**
 * `npm run bench`: the app against the engine it runs on, in one run on this machine (127.0.0.1).
 *
 *  1. Engine baseline: a no-op workflow with as many no-op activities as a checkout, started with
 *     the raw client, on a fresh dev server: file-backed (SQLite, WAL) and in memory (the ceiling).
 *  2. Checkout through the API: `dist/worker.js` and `dist/api/server.js` as production runs them
 *     (compiled, the prebuilt workflow bundle), with stripe-mock,
 *     a RabbitMQ broker and the FAKE SendGrid endpoint; remorse window 0. A checkout is done when
 *     its confirmation email reached SendGrid and its `order.paid` event reached RabbitMQ.
 *  3. Open processes: 1k, 5k and 10k orders waiting in their remorse window; worker and server
 *     resident memory at each step.
 *
 * Throughput is measured in a burst (clients placing orders back to back: the most the stack
 * completes per second). Start latency and schedule-to-start are measured at a sustained rate:
 * orders paced at BENCH_PACED_SHARE (0.7) of the checkout's burst throughput, the same rate for the
 * baseline, so a backlog from the burst does not count as latency. In the checkout's paced run every
 * other order is started with the raw client instead of the API, with the request the API sends
 * (`checkoutStartOptions`): the API's latency is judged against that, same server, same load.
 *
 * Every run uses the same worker tuning (BENCH_TUNING below; WORKER_* in the environment wins).
 * Results: bench/results/latest.{json,md,svg} (BENCH_NAME names another set). Nothing here passes or fails on time;
 * the goals are reported as met or not.
 *
 * Sizes: BENCH_WORKFLOWS (default 400), BENCH_CLIENTS (16), BENCH_ROUNDS (3: steps 2 and 1 run
 * that many times, alternately, each on a fresh server, and the goals take the median round),
 * BENCH_OPEN_STEPS (1000,5000,10000; empty skips step 3). BENCH_TUNING=sdk leaves the worker at the SDK's defaults, for comparison.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import amqp from 'amqplib';
import { Client, Connection } from '@temporalio/client';
import { signToken } from '../api/auth';
import { checkoutStartOptions, requestFingerprint } from '../api/orders/routes';
import type { PlaceOrderBody } from '../api/orders/contract';
import { ensureSearchAttributes } from '../infrastructure/search-attributes';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/search-attributes';
import { orderTotal, type PlacedOrder } from '../domain/order';
import { freePort } from '../scripts/net';
import {
  appStackEnv,
  cpuMs,
  devServerProcess,
  machineBusyMs,
  residentBytes,
  startApiProcess,
  startNodeProcess,
  startWorkerProcess,
  until,
  type DevServer,
  type RunningProcess,
} from '../scripts/processes';
import { startBroker } from '../scripts/rabbitmq';
import { startFakeSendGrid } from '../test/helpers/http-fakes';
import { startStripeMock } from '../test/helpers/stripe-mock';
import { BENCH_TUNING } from './tuning';
import {
  bucketsBetween,
  counterValue,
  goals,
  histogramBuckets,
  histogramQuantile,
  markdownReport,
  medianRound,
  percentile,
  svgChart,
  type BenchResults,
  type MemoryStep,
  type Round,
  type ThroughputRun,
} from './report';

const WORKFLOWS = Number(process.env.BENCH_WORKFLOWS ?? 400);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
/** Rounds of checkout-then-baseline; the goals take the median round's ratios. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1)
  throw new Error(`BENCH_ROUNDS: "${process.env.BENCH_ROUNDS}" is not a whole number ≥ 1`);
const WARM_UP = 20;
const PACED_SHARE = Number(process.env.BENCH_PACED_SHARE ?? 0.7);
/** Seconds of paced traffic. */
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 30);
const COMPILED = {
  worker: 'dist/worker.js',
  api: 'dist/api/server.js',
  noopWorker: 'dist/bench/noop-worker.js',
  memoryProbe: 'dist/bench/memory-probe.js',
};
const BUNDLE = path.resolve(__dirname, '..', 'dist', 'workflow-bundle.js');
const OPEN_STEPS = (process.env.BENCH_OPEN_STEPS ?? '1000,5000,10000').split(',').filter(Boolean).map(Number);
const SECRET = 'bench-secret-long-enough-for-hs256-signing';
const RESULTS = path.join(__dirname, 'results');
/** The results' file name: bench/results/<BENCH_NAME>.{json,md,svg}. */
const NAME = process.env.BENCH_NAME ?? 'latest';
if (!/^[\w.-]+$/.test(NAME)) throw new Error(`BENCH_NAME: "${NAME}" is not a plain file name`);

/** Node flags for the app's worker process only (e.g. --max-old-space-size=1024). */
const WORKER_NODE_OPTIONS = process.env.BENCH_WORKER_NODE_OPTIONS;
const tuning: Record<string, string> =
  process.env.BENCH_TUNING === 'sdk'
    ? {}
    : Object.fromEntries(Object.entries(BENCH_TUNING).map(([k, v]) => [k, process.env[k] ?? v]));

const say = (line: string): void => console.log(`[bench] ${line}`);
const MiB = (bytes: number): number => bytes / 2 ** 20;

/** Runs `work` for each of `count` items with at most `clients` at once; returns each item's latency. */
async function closedLoop(
  count: number,
  clients: number,
  work: (i: number) => Promise<void>,
): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        await work(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return latencies;
}

/** Starts `work(i)` at `perSecond` (open loop: not waiting for earlier ones). */
async function pacedLoop(
  count: number,
  perSecond: number,
  work: (i: number) => Promise<void>,
): Promise<void> {
  const inFlight: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = t0 + (i * 1000) / perSecond - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(work(i));
  }
  await Promise.all(inFlight);
}

async function scrape(metricsAddress: string): Promise<string> {
  return (await fetch(`http://${metricsAddress}/metrics`)).text();
}

const SCHEDULE_TO_START = 'temporal_workflow_task_schedule_to_start_latency';

interface Temporal {
  server: DevServer;
  client: Client;
  close(): Promise<void>;
}

async function freshTemporal(fileBacked: boolean): Promise<Temporal> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-temporal-'));
  const server = await devServerProcess(fileBacked ? path.join(dir, 'temporal.db') : undefined);
  const connection = await Connection.connect({ address: server.address });
  await ensureSearchAttributes(connection, 'default', SEARCH_ATTRIBUTE_KEYS);
  const client = new Client({ connection, namespace: 'default' });
  return {
    server,
    client,
    close: async () => {
      await connection.close();
      await server.stop();
    },
  };
}

function order(id: string): PlacedOrder {
  return {
    orderId: id,
    customer: { id: 'bench', email: `${id}@example.com` },
    items: [{ sku: 'book', quantity: 1, unitPrice: 1_500 }],
    currency: 'usd',
    paymentMethod: 'pm_card_visa',
    total: 1_500,
    placedAt: new Date().toISOString(),
  };
}

const latencySummary = (values: number[]) => ({
  p50: percentile(values, 0.5),
  p95: percentile(values, 0.95),
  p99: percentile(values, 0.99),
});

/**
 * Burst, then paced: `start(id)` begins one workflow, `doneCount()` says how many have completed
 * the measured work. Shared by the baseline and the checkout so both are measured alike.
 */
async function measure(options: {
  label: string;
  pacedPerSecond: (burstPerSecond: number) => number;
  start: (id: string) => Promise<void>;
  /** The same start sent with the raw client; paced starts alternate between the two. */
  rawStart?: (id: string) => Promise<void>;
  doneCount: () => Promise<number>;
  metricsAddress: string;
  /** Events in the history of the workflow started as `id`. */
  historyEvents: (id: string) => Promise<number>;
  /** The processes whose CPU time to account for, by name. */
  pids: Record<string, number | undefined>;
}): Promise<ThroughputRun> {
  const { label, start, doneCount, metricsAddress } = options;
  const waitFor = (n: number, what: string) => until(what, async () => (await doneCount()) >= n, 900_000);
  await closedLoop(WARM_UP, CLIENTS, (i) => start(`warm-${i}`));
  await waitFor(WARM_UP, 'the warm-up to finish');

  const cpu = (): Record<string, number> => {
    const byProcess: Record<string, number> = Object.fromEntries(
      Object.entries(options.pids).map(([name, pid]) => [name, pid ? cpuMs(pid) : 0]),
    );
    return { ...byProcess, machine: machineBusyMs() };
  };
  const cpuBefore = cpu();
  const t0 = performance.now();
  await closedLoop(WORKFLOWS, CLIENTS, (i) => start(`burst-${i}`));
  await waitFor(WARM_UP + WORKFLOWS, 'the burst to finish');
  const seconds = (performance.now() - t0) / 1000;
  const perSecond = WORKFLOWS / seconds;
  const cpuAfter = cpu();
  const cpuMsPerWorkflow: Record<string, number> = {};
  let accounted = 0;
  for (const name of Object.keys(options.pids)) {
    const used = cpuAfter[name]! - cpuBefore[name]!;
    accounted += used;
    cpuMsPerWorkflow[name] = used / WORKFLOWS;
  }
  cpuMsPerWorkflow.other = Math.max(0, cpuAfter.machine! - cpuBefore.machine! - accounted) / WORKFLOWS;

  const rate = options.pacedPerSecond(perSecond);
  const paced = Math.max(20, Math.round(rate * PACED_SECONDS));
  const before = histogramBuckets(await scrape(metricsAddress), SCHEDULE_TO_START);
  const rawLatencies: number[] = [];
  const latencies: number[] = [];
  const rawStart = options.rawStart;
  await pacedLoop(paced, rate, async (i) => {
    const raw = rawStart !== undefined && i % 2 === 1;
    const t = performance.now();
    await (raw ? rawStart : start)(`paced-${i}`);
    (raw ? rawLatencies : latencies).push(performance.now() - t);
  });
  await waitFor(WARM_UP + WORKFLOWS + paced, 'the paced run to finish');
  const after = histogramBuckets(await scrape(metricsAddress), SCHEDULE_TO_START);
  return {
    label,
    workflows: WORKFLOWS,
    clients: CLIENTS,
    seconds,
    perSecond,
    pacedPerSecond: rate,
    historyEvents: await options.historyEvents('burst-0'),
    cpuMsPerWorkflow,
    startLatencyMs: latencySummary(latencies),
    ...(rawLatencies.length ? { rawStartLatencyMs: latencySummary(rawLatencies) } : {}),
    scheduleToStartP95Ms: histogramQuantile(bucketsBetween(before, after), 0.95),
    scheduleToStartBuckets: bucketsBetween(before, after).map((b) => ({
      le: b.le === Infinity ? '+Inf' : String(b.le),
      count: b.count,
    })),
  };
}

/** (1) The no-op workflow, `activities` no-op activities each, started with the raw client. */
async function baseline(
  fileBacked: boolean,
  activities: number,
  pacedPerSecond: number,
): Promise<ThroughputRun> {
  const label = `engine baseline (${fileBacked ? 'SQLite file, WAL' : 'in memory'})`;
  say(
    `${label}: ${WORKFLOWS} workflows × ${activities} activities, ${CLIENTS} clients; then ${pacedPerSecond.toFixed(1)}/s paced`,
  );
  const temporal = await freshTemporal(fileBacked);
  const metricsAddress = `127.0.0.1:${await freePort()}`;
  const worker = await startNodeProcess(
    COMPILED.noopWorker,
    {
      ...tuning,
      TEMPORAL_ADDRESS: temporal.server.address,
      TEMPORAL_TASK_QUEUE: 'bench-noop',
      WORKER_METRICS_ADDRESS: metricsAddress,
    },
    'polling task queue',
  );
  try {
    return await measure({
      label,
      pacedPerSecond: () => pacedPerSecond,
      metricsAddress,
      start: async (id) => {
        await temporal.client.workflow.start('noopWorkflow', {
          taskQueue: 'bench-noop',
          workflowId: id,
          args: [activities],
        });
      },
      doneCount: async () => counterValue(await scrape(metricsAddress), 'temporal_workflow_completed'),
      pids: { 'Temporal server': temporal.server.pid(), worker: worker.child.pid },
      historyEvents: async (id) =>
        (await temporal.client.workflow.getHandle(id).fetchHistory()).events?.length ?? 0,
    });
  } finally {
    await worker.stop();
    await temporal.close();
  }
}

/** (2) Checkouts placed through the API, with stripe-mock, RabbitMQ and the SendGrid fake. */
async function checkout(): Promise<{ run: ThroughputRun; activitiesPerCheckout: number }> {
  const label = 'checkout (through the API)';
  say(`${label}: ${WORKFLOWS} orders, ${CLIENTS} clients, remorse window 0`);
  const temporal = await freshTemporal(true);
  const stripeMock = await startStripeMock('succeed');
  const sendgrid = await startFakeSendGrid();
  const broker = await startBroker();
  const processes: RunningProcess[] = [];
  try {
    const admin = await amqp.connect(broker.url);
    const channel = await admin.createChannel();
    await channel.assertExchange('commerce', 'topic', { durable: true });
    await channel.assertQueue('bench-paid', { durable: false });
    await channel.bindQueue('bench-paid', 'commerce', 'order.paid');

    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-app-'));
    const metricsAddress = `127.0.0.1:${await freePort()}`;
    const stack = await appStackEnv({
      temporalAddress: temporal.server.address,
      taskQueue: 'bench-checkout',
      dataDir,
      jwtSecret: SECRET,
    });
    const env = {
      ...tuning,
      ...stack.env,
      ORDER_REMORSE_WINDOW: '0s',
      STRIPE_SECRET_KEY: 'sk_test_bench',
      STRIPE_API_BASE: stripeMock.url,
      SENDGRID_API_KEY: 'SG.bench',
      SENDGRID_BASE_URL: sendgrid.url,
      AMQP_URL: broker.url,
      WORKER_METRICS_ADDRESS: metricsAddress,
      WORKFLOW_BUNDLE: BUNDLE,
    };
    processes.push(
      await startWorkerProcess(
        { ...env, ...(WORKER_NODE_OPTIONS ? { NODE_OPTIONS: WORKER_NODE_OPTIONS } : {}) },
        COMPILED.worker,
      ),
    );
    processes.push(await startApiProcess(env, COMPILED.api));
    const token = await signToken(SECRET, { role: 'storefront', sub: 'bench' });
    const body = (id: string): PlaceOrderBody => ({
      orderId: id,
      customer: { id: 'bench', email: `${id}@example.com` },
      items: [{ sku: 'book', quantity: 1, unitPrice: 1_500 }],
      currency: 'usd',
      paymentMethod: 'pm_card_visa',
    });
    const place = async (id: string) => {
      const response = await fetch(`${stack.base}/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body(id)),
      });
      if (response.status !== 202)
        throw new Error(`POST /orders answered ${response.status}: ${await response.text()}`);
    };
    // What the API does for that order, minus the API: the raw client sends the same request.
    const placeRaw = async (id: string) => {
      const placed = body(id);
      await temporal.client.workflow.start(
        'checkoutWorkflow',
        checkoutStartOptions(
          { ...order(id), ...placed, total: orderTotal(placed.items) },
          requestFingerprint(placed),
          'bench-checkout',
        ),
      );
    };
    // Done: the confirmation accepted by SendGrid and order.paid in RabbitMQ, for each order.
    const confirmed = () =>
      sendgrid.requests.filter((r) => r.status === 202 && r.body.includes('order_confirmation')).length;
    const doneCount = async () =>
      Math.min(confirmed(), (await channel.checkQueue('bench-paid')).messageCount);
    const run = await measure({
      label,
      pacedPerSecond: (burst) => burst * PACED_SHARE,
      metricsAddress,
      start: place,
      rawStart: placeRaw,
      doneCount,
      pids: {
        'Temporal server': temporal.server.pid(),
        worker: processes[0]!.child.pid,
        API: processes[1]!.child.pid,
      },
      historyEvents: async (id) =>
        (await temporal.client.workflow.getHandle(`order-${id}`).fetchHistory()).events?.length ?? 0,
    });
    // How many activities a checkout ran up to this point, from one order's history.
    const history = await temporal.client.workflow.getHandle('order-burst-0').fetchHistory();
    const activitiesPerCheckout = (history.events ?? []).filter(
      (e) => e.activityTaskScheduledEventAttributes,
    ).length;
    await admin.close();
    return { activitiesPerCheckout, run };
  } finally {
    for (const p of processes.reverse()) await p.stop();
    await broker.stop();
    await sendgrid.close();
    await stripeMock.stop();
    await temporal.close();
  }
}

/** What bench/memory-probe.ts writes. */
type Probe = NodeJS.MemoryUsage & {
  at: number;
  collections: number;
  /** The workflow thread's isolate (and any other worker thread's). */
  threadHeaps: { usedSize: number; totalSize: number }[];
};

/** (3) Orders left waiting in a one-hour remorse window, 1k then 5k then 10k: memory at each. */
async function openProcesses(): Promise<MemoryStep[]> {
  say(`open processes: ${OPEN_STEPS.join(', ')} orders waiting in their remorse window`);
  const temporal = await freshTemporal(true);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-open-'));
  // The worker's own view of its memory (V8 heap, buffers) beside its resident size.
  const probeFile = path.join(dataDir, 'worker-memory.json');
  const probe = path.resolve(__dirname, '..', COMPILED.memoryProbe);
  const metricsAddress = `127.0.0.1:${await freePort()}`;
  const worker = await startWorkerProcess(
    {
      ...tuning,
      TEMPORAL_ADDRESS: temporal.server.address,
      TEMPORAL_TASK_QUEUE: 'bench-open',
      DATA_DIR: dataDir,
      ORDER_REMORSE_WINDOW: '1h',
      WORKFLOW_BUNDLE: BUNDLE,
      MEMORY_PROBE_FILE: probeFile,
      WORKER_METRICS_ADDRESS: metricsAddress,
      NODE_OPTIONS: [WORKER_NODE_OPTIONS, '--expose-gc', `--require ${probe}`].filter(Boolean).join(' '),
    },
    COMPILED.worker,
  );
  const events = path.join(dataDir, 'dev-outbox', 'events.jsonl');
  const received = () => (fs.existsSync(events) ? fs.readFileSync(events, 'utf8').split('\n').length - 1 : 0);
  const steps: MemoryStep[] = [];
  const alive = (): true => {
    if (worker.child.exitCode === null && worker.child.signalCode === null) return true;
    throw new Error(
      `the worker stopped (${worker.child.exitCode ?? worker.child.signalCode}):\n${worker.output().slice(-3000)}`,
    );
  };
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const probed = (): Probe => JSON.parse(fs.readFileSync(probeFile, 'utf8')) as Probe;
  const sample = async () => {
    const taken: { worker: number; server: number; heap: number; heapTotal: number; external: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const seen = probed();
      taken.push({
        worker: residentBytes(worker.child.pid!),
        server: residentBytes(temporal.server.pid()!),
        // Every isolate: the main thread's and the workflow thread's.
        heap: seen.heapUsed + sum(seen.threadHeaps.map((h) => h.usedSize)),
        heapTotal: seen.heapTotal + sum(seen.threadHeaps.map((h) => h.totalSize)),
        external: seen.external,
      });
      await new Promise((r) => setTimeout(r, 500));
    }
    const median = (pick: (s: (typeof taken)[number]) => number) => MiB(percentile(taken.map(pick), 0.5));
    return {
      worker: median((s) => s.worker),
      server: median((s) => s.server),
      heap: median((s) => s.heap),
      heapTotal: median((s) => s.heapTotal),
      external: median((s) => s.external),
    };
  };
  try {
    let open = 0;
    for (const target of OPEN_STEPS) {
      const from = open;
      await closedLoop(target - from, 32, async (i) => {
        await temporal.client.workflow.start('checkoutWorkflow', {
          taskQueue: 'bench-open',
          workflowId: `order-open-${from + i}`,
          args: [order(`open-${from + i}`)],
        });
      });
      open = target;
      // Each has saved its order and published order.received, and now waits on its timer.
      await until(`${target} orders to wait in their window`, () => alive() && received() >= target, 900_000);
      await new Promise((r) => setTimeout(r, 3_000));
      // As found, garbage and all; then after a full collection: what the worker keeps.
      const found = await sample();
      const collected = probed().collections;
      fs.writeFileSync(`${probeFile}.gc`, '');
      await until(
        'the worker to collect its garbage',
        () => alive() && probed().collections > collected,
        30_000,
      );
      await new Promise((r) => setTimeout(r, 1_000));
      const kept = await sample();
      // The workflows the worker holds in its cache (the SDK's gauge): full, and no more than its size.
      const cached = counterValue(await scrape(metricsAddress), 'temporal_sticky_cache_size');
      const step: MemoryStep = {
        openWorkflows: target,
        cachedWorkflows: cached,
        workerRssMiB: found.worker,
        serverRssMiB: found.server,
        workerRssAfterGcMiB: kept.worker,
        workerHeapUsedMiB: kept.heap,
        workerHeapTotalMiB: kept.heapTotal,
        workerExternalMiB: kept.external,
      };
      say(
        `  ${target} open (${cached} in the worker's cache): worker ${found.worker.toFixed(0)} MiB as found (V8 heap used ${found.heap.toFixed(0)}), ${kept.worker.toFixed(0)} MiB after a full GC (heap used ${kept.heap.toFixed(0)} of ${kept.heapTotal.toFixed(0)}, external ${kept.external.toFixed(0)}); server ${found.server.toFixed(0)} MiB`,
      );
      steps.push(step);
    }
    return steps;
  } finally {
    await worker.stop();
    await temporal.close();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  fs.mkdirSync(RESULTS, { recursive: true });
  for (const entry of [...Object.values(COMPILED), BUNDLE]) {
    if (!fs.existsSync(path.resolve(__dirname, '..', entry)))
      throw new Error(`${entry} is missing: \`npm run bench\` builds first (npm run build)`);
  }

  if (WORKFLOWS === 0) {
    // An experiment on memory alone (BENCH_WORKFLOWS=0): printed, no results written.
    await openProcesses();
    return;
  }
  // Rounds of checkout then baseline, so a slow spell of the machine shows as one odd round
  // instead of deciding the ratio; the goals are judged on the median round.
  const rounds: Round[] = [];
  let activitiesPerCheckout = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    say(`round ${round} of ${ROUNDS}`);
    const app = await checkout();
    activitiesPerCheckout = app.activitiesPerCheckout;
    say(`  ${app.run.perSecond.toFixed(1)} checkouts/s; ${app.activitiesPerCheckout} activities each`);
    const baselineFile = await baseline(true, app.activitiesPerCheckout, app.run.pacedPerSecond);
    say(`  ${baselineFile.perSecond.toFixed(1)} workflows/s`);
    rounds.push({ checkout: app.run, baselineFile });
  }
  const middle = rounds[medianRound(rounds)]!;
  const baselineMemory = await baseline(false, activitiesPerCheckout, middle.checkout.pacedPerSecond);
  say(`  ${baselineMemory.perSecond.toFixed(1)} workflows/s`);
  const memory = OPEN_STEPS.length ? await openProcesses() : [];

  const results: BenchResults = {
    at: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    tuning,
    activitiesPerCheckout,
    baselineFile: middle.baselineFile,
    baselineMemory,
    checkout: middle.checkout,
    rounds,
    memory,
  };
  fs.writeFileSync(
    path.join(RESULTS, `${NAME}.json`),
    `${JSON.stringify({ ...results, goals: goals(results) }, null, 2)}\n`,
  );
  fs.writeFileSync(path.join(RESULTS, `${NAME}.md`), markdownReport(results));
  fs.writeFileSync(path.join(RESULTS, `${NAME}.svg`), svgChart(results));
  console.log(markdownReport(results));
  say(
    `done in ${((Date.now() - started) / 1000).toFixed(0)} s; results in ${path.relative(process.cwd(), RESULTS)}/`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
