/**
 * The measuring parts the experiments share: a fresh dev server, closed and paced loops, a scrape
 * of the worker's metrics, and `measure`, the burst-then-paced run each experiment is judged by.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ensureSearchAttributes } from '../infrastructure/search-attributes';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/search-attributes';
import { type PlacedOrder } from '../domain/checkout';
import {
  cpuMs,
  devServerProcess,
  machineBusyMs,
  machineStolenMs,
  treeCpuMs,
  until,
  type DevServer,
} from '../scripts/processes';
import { startTemporalOnPostgres } from '../scripts/production/stack';
import {
  BENCH_PROCESS,
  bucketsBetween,
  histogramBuckets,
  histogramQuantile,
  percentile,
  type ThroughputRun,
} from './report';

import { CLIENTS, PACED_SECONDS, say, WARM_UP, WORKFLOWS } from './settings';

/** The machine counts as quiet when under this share of all its cores is busy for QUIET_SECONDS in a row. */
const QUIET_SHARE = 0.15;
const QUIET_SECONDS = 3;
const QUIET_LIMIT_MS = 30_000;

/**
 * Waits until what the run before left behind has settled: its files written back (`sync`) and
 * the machine quiet (under QUIET_SHARE of all cores busy for QUIET_SECONDS in a row), for at most
 * QUIET_LIMIT_MS. A full run once showed the workflow run right after the checkout 13-17 % slower
 * than the same workflow run after it (bench/TUNING.md). Returns how the wait went, for the log.
 */
export async function quietMachine(): Promise<{ waitedMs: number; busyShare: number; quiet: boolean }> {
  const started = performance.now();
  spawnSync('sync');
  const cores = os.cpus().length;
  let quietFor = 0;
  let busyShare = 1;
  let before = machineBusyMs();
  while (performance.now() - started < QUIET_LIMIT_MS) {
    await new Promise((r) => setTimeout(r, 1_000));
    const now = machineBusyMs();
    busyShare = (now - before) / (1_000 * cores);
    before = now;
    quietFor = busyShare < QUIET_SHARE ? quietFor + 1 : 0;
    if (quietFor >= QUIET_SECONDS) break;
  }
  return { waitedMs: performance.now() - started, busyShare, quiet: quietFor >= QUIET_SECONDS };
}

/** Runs `work` for each of `count` items with at most `clients` at once; returns each item's latency. */
export async function closedLoop(
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
export async function pacedLoop(
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

export async function scrape(metricsAddress: string): Promise<string> {
  return (await fetch(`http://${metricsAddress}/metrics`)).text();
}

export const SCHEDULE_TO_START = 'temporal_workflow_task_schedule_to_start_latency';

/**
 * Which Temporal a run measures: the dev server on a SQLite file (WAL), in memory (the ceiling),
 * or Temporal's own server on PostgreSQL as the production shape runs it (scripts/production/).
 */
export type BenchServer = 'file' | 'memory' | 'postgres';

export const SERVER_WORDS: Record<BenchServer, string> = {
  file: 'dev server, SQLite file, WAL',
  memory: 'dev server, in memory',
  postgres: 'Temporal server on PostgreSQL',
};

export interface Temporal {
  server: { address: string; pid(): number | undefined };
  /** CPU milliseconds so far of the server's processes, by name (PostgreSQL counted apart). */
  cpu: Record<string, () => number>;
  client: Client;
  close(): Promise<void>;
}

async function startServer(
  kind: BenchServer,
  dir: string,
): Promise<Omit<Temporal, 'client' | 'close'> & { stop(): Promise<void> }> {
  if (kind !== 'postgres') {
    const server: DevServer = await devServerProcess(
      kind === 'file' ? path.join(dir, 'temporal.db') : undefined,
    );
    return { server, cpu: { 'Temporal server': () => cpuMs(server.pid()!) }, stop: () => server.stop() };
  }
  fs.chmodSync(dir, 0o755); // PostgreSQL's own user reaches its folder inside
  const started: (() => Promise<void>)[] = [];
  const { postgres, temporal } = await startTemporalOnPostgres(dir, started);
  return {
    server: temporal,
    cpu: { 'Temporal server': () => cpuMs(temporal.pid()!), PostgreSQL: () => treeCpuMs(postgres.pid()!) },
    stop: async () => {
      for (const stop of started.reverse()) await stop().catch(() => undefined);
    },
  };
}

export async function freshTemporal(kind: BenchServer): Promise<Temporal> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-temporal-'));
  const { server, cpu, ...started } = await startServer(kind, dir);
  const connection = await Connection.connect({ address: server.address });
  await ensureSearchAttributes(connection, 'default', SEARCH_ATTRIBUTE_KEYS);
  const client = new Client({ connection, namespace: 'default' });
  return {
    server,
    cpu,
    client,
    close: async () => {
      await connection.close();
      await started.stop();
    },
  };
}

export function order(id: string): PlacedOrder {
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

export const latencySummary = (values: number[]) => ({
  p50: percentile(values, 0.5),
  p95: percentile(values, 0.95),
  p99: percentile(values, 0.99),
});

/** From each order's `POST /orders` answer to its charge and to its confirmation email. */
function clickLatencies(
  answeredAt: Map<string, number>,
  at: { charge: Map<string, number>; confirmation: Map<string, number> },
): Pick<ThroughputRun, 'clickToChargeMs' | 'clickToConfirmationMs'> {
  const since = (reached: Map<string, number>) =>
    [...answeredAt].flatMap(([id, answered]) => {
      const t = reached.get(id);
      return t === undefined ? [] : [Math.max(0, t - answered)];
    });
  return {
    clickToChargeMs: latencySummary(since(at.charge)),
    clickToConfirmationMs: latencySummary(since(at.confirmation)),
  };
}

/**
 * Burst, then paced: `start(id)` begins one workflow, `doneCount()` says how many have completed
 * the measured work. Shared by the baseline and the checkout so both are measured alike.
 */
export async function measure(options: {
  label: string;
  pacedPerSecond: (burstPerSecond: number) => number;
  start: (id: string) => Promise<void>;
  /** The same start sent with the raw client; paced starts alternate between the two. */
  rawStart?: (id: string) => Promise<void>;
  doneCount: () => Promise<number>;
  metricsAddress: string;
  /** Events in the history of the workflow started as `id`. */
  historyEvents: (id: string) => Promise<number>;
  /** The id the workflow started as `id` has (to read its history's size). */
  workflowIdOf?: (id: string) => string;
  client: Client;
  /**
   * The checkout only: when each paced order's charge reached Stripe and its confirmation reached
   * SendGrid (Date.now() by order id), to measure from `POST /orders` answered.
   */
  sideEffectsAt?: () => { charge: Map<string, number>; confirmation: Map<string, number> };
  /** The processes whose CPU time to account for, by name: their CPU milliseconds so far. */
  cpu: Record<string, () => number>;
}): Promise<ThroughputRun> {
  const { label, start, doneCount, metricsAddress } = options;
  const waitFor = (n: number, what: string) => until(what, async () => (await doneCount()) >= n, 900_000);
  await closedLoop(WARM_UP, CLIENTS, (i) => start(`warm-${i}`));
  await waitFor(WARM_UP, 'the warm-up to finish');
  const settled = await quietMachine();
  say(
    `  ${settled.quiet ? 'quiet' : 'still busy'} after ${(settled.waitedMs / 1000).toFixed(0)} s (${(settled.busyShare * 100).toFixed(0)} % of the cores busy); the burst starts`,
  );

  // The bench's own process is counted apart: the load clients, and for the checkout the SendGrid
  // fake and the recording proxy in front of stripe-mock (instruments, not the product).
  const processes = { ...options.cpu, [BENCH_PROCESS]: () => cpuMs(process.pid) };
  const cpu = (): Record<string, number> => {
    const byProcess: Record<string, number> = Object.fromEntries(
      Object.entries(processes).map(([name, used]) => [name, used()]),
    );
    return { ...byProcess, machine: machineBusyMs(), stolen: machineStolenMs() };
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
  for (const name of Object.keys(processes)) {
    const used = cpuAfter[name]! - cpuBefore[name]!;
    accounted += used;
    cpuMsPerWorkflow[name] = used / WORKFLOWS;
  }
  // Time the hypervisor gave the cores to other machines ran nothing here: it is not "other".
  const stolen = cpuAfter.stolen! - cpuBefore.stolen!;
  cpuMsPerWorkflow.other =
    Math.max(0, cpuAfter.machine! - cpuBefore.machine! - stolen - accounted) / WORKFLOWS;
  const stolenShare = stolen / (seconds * 1000 * os.cpus().length);

  const rate = options.pacedPerSecond(perSecond);
  const paced = Math.max(20, Math.round(rate * PACED_SECONDS));
  const before = histogramBuckets(await scrape(metricsAddress), SCHEDULE_TO_START);
  const rawLatencies: number[] = [];
  const latencies: number[] = [];
  const answeredAt = new Map<string, number>();
  const rawStart = options.rawStart;
  await pacedLoop(paced, rate, async (i) => {
    const raw = rawStart !== undefined && i % 2 === 1;
    const t = performance.now();
    await (raw ? rawStart : start)(`paced-${i}`);
    (raw ? rawLatencies : latencies).push(performance.now() - t);
    if (!raw) answeredAt.set(`paced-${i}`, Date.now());
  });
  await waitFor(WARM_UP + WORKFLOWS + paced, 'the paced run to finish');
  const clicks = options.sideEffectsAt && clickLatencies(answeredAt, options.sideEffectsAt());
  const after = histogramBuckets(await scrape(metricsAddress), SCHEDULE_TO_START);
  return {
    label,
    workflows: WORKFLOWS,
    clients: CLIENTS,
    seconds,
    perSecond,
    pacedPerSecond: rate,
    historyEvents: await options.historyEvents('burst-0'),
    historyBytes: (
      await options.client.workflow.getHandle((options.workflowIdOf ?? ((id) => id))('burst-0')).describe()
    ).historySize,
    cpuMsPerWorkflow,
    stolenShare,
    startLatencyMs: latencySummary(latencies),
    ...(rawLatencies.length ? { rawStartLatencyMs: latencySummary(rawLatencies) } : {}),
    ...(clicks ?? {}),
    scheduleToStartP95Ms: histogramQuantile(bucketsBetween(before, after), 0.95),
    scheduleToStartBuckets: bucketsBetween(before, after).map((b) => ({
      le: b.le === Infinity ? '+Inf' : String(b.le),
      count: b.count,
    })),
  };
}
