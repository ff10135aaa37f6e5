/**
 * The benchmark's arithmetic and its reports, as pure functions: percentiles, quantiles from the
 * SDK's Prometheus histograms, the goals' verdicts, and the markdown table and SVG chart written to
 * bench/results/. Speed is judged here, as ratios to a baseline measured in the same run.
 */
import type { OutageRun } from './experiments/outage';
import { outageLines } from './outage-report';
import type { TracingCost } from './experiments/tracing';
import { tracingGoals, tracingLines } from './tracing-report';

/** The p-th percentile (0..1) of `values`, nearest rank; NaN for none. */
/** The bench's own process in the CPU tables: the load clients and the fakes and proxy it serves. */
export const BENCH_PROCESS = 'bench process';

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export interface Bucket {
  /** Upper bound; Infinity for `+Inf`. */
  le: number;
  /** Cumulative count of observations at or below `le`. */
  count: number;
}

/** The cumulative buckets of histogram `name` in Prometheus text, summed over every label set. */
export function histogramBuckets(prometheusText: string, name: string): Bucket[] {
  const sums = new Map<number, number>();
  const line = new RegExp(`^${name}_bucket\\{(.*)\\}\\s+(\\S+)`);
  for (const text of prometheusText.split('\n')) {
    const match = line.exec(text);
    if (!match) continue;
    const le = /le="([^"]+)"/.exec(match[1]!)?.[1];
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    sums.set(bound, (sums.get(bound) ?? 0) + Number(match[2]));
  }
  return [...sums.entries()].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/** The observations made between two scrapes of the same histogram. */
export function bucketsBetween(before: readonly Bucket[], after: readonly Bucket[]): Bucket[] {
  const earlier = new Map(before.map((b) => [b.le, b.count]));
  return after.map((b) => ({ le: b.le, count: b.count - (earlier.get(b.le) ?? 0) }));
}

/**
 * An upper bound of the q-quantile of a cumulative histogram: the smallest bucket bound that holds
 * it (Infinity when only `+Inf` does; NaN when empty). The SDK's buckets are coarse (100 ms,
 * 500 ms, 1 s, …), so a bound is what they can honestly say; interpolating would invent precision.
 */
export function histogramQuantile(buckets: readonly Bucket[], q: number): number {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return Number.NaN;
  return buckets.find((bucket) => bucket.count >= q * total)?.le ?? Infinity;
}

/** A counter's value in Prometheus text, summed over every label set. */
export function counterValue(prometheusText: string, name: string): number {
  const line = new RegExp(`^${name}(?:\\{.*\\})?\\s+(\\S+)`);
  return prometheusText
    .split('\n')
    .map((text) => line.exec(text)?.[1])
    .filter((v): v is string => v !== undefined)
    .reduce((sum, v) => sum + Number(v), 0);
}

export interface ThroughputRun {
  label: string;
  workflows: number;
  clients: number;
  seconds: number;
  /** Completed per second in the burst: the most the stack does. */
  perSecond: number;
  /** The sustained rate the latencies below were measured at (starts per second, paced). */
  pacedPerSecond: number;
  /** Start latency as the caller saw it at the paced rate: `POST /orders` or `client.workflow.start`. */
  startLatencyMs: { p50: number; p95: number; p99: number };
  /**
   * The checkout only: the same start request sent with the raw client straight to Temporal,
   * interleaved with the API's requests in the paced run, so both see the same server and load.
   */
  rawStartLatencyMs?: { p50: number; p95: number; p99: number };
  /** Workflow-task schedule-to-start p95 at the paced rate, from the worker's SDK metrics. */
  scheduleToStartP95Ms: number;
  /** CPU milliseconds per workflow in the burst, by process ('other': the rest of the machine). */
  cpuMsPerWorkflow?: Record<string, number>;
  /**
   * The share of the machine's cores the hypervisor gave to other machines during the burst (steal
   * time): a run slowed by its neighbours, not by the code. Not counted in 'other'.
   */
  stolenShare?: number;
  /** Events in one finished workflow's history: the engine's work per workflow. */
  historyEvents?: number;
  /** The size of that history, in bytes, as the server reports it. */
  historyBytes?: number;
  /**
   * The checkout only, at the paced rate, from `POST /orders` answered: to the charge request
   * reaching Stripe, and to the confirmation email reaching SendGrid (remorse window 0).
   */
  clickToChargeMs?: { p50: number; p95: number; p99: number };
  clickToConfirmationMs?: { p50: number; p95: number; p99: number };
  /** The histogram it was read from (cumulative counts by upper bound in ms; `+Inf` last). */
  scheduleToStartBuckets?: { le: string; count: number }[];
}

export interface MemoryStep {
  openWorkflows: number;
  workerRssMiB: number;
  serverRssMiB: number;
  /** Workflows in the worker's cache (the SDK's `sticky_cache_size` gauge). */
  cachedWorkflows?: number;
  /** The worker's resident memory right after a full garbage collection: what it keeps. */
  workerRssAfterGcMiB?: number;
  /**
   * After that collection: the worker's V8 heaps in use (the main thread's and the workflow
   * thread's isolates) and its memory outside the heap (buffers).
   */
  workerHeapUsedMiB?: number;
  /** The V8 heap's size, used or not: what V8 holds from the system for it. */
  workerHeapTotalMiB?: number;
  workerExternalMiB?: number;
  /** How fast the step brought new orders to their window, starts paced by what the stack took. */
  admittedPerSecond?: number;
}

/** One round: the checkout, then the file-backed baseline, one after the other on the same machine. */
export interface Round {
  checkout: ThroughputRun;
  baselineFile: ThroughputRun;
  /** The minimal-shape baseline: a no-op workflow with one activity per required side effect. */
  minimal?: ThroughputRun;
  /** The order the round's runs went in (runOrder). */
  order?: RunName[];
}

export type RunName = 'checkout' | 'same shape' | 'minimal shape';
const RUNS: readonly RunName[] = ['checkout', 'same shape', 'minimal shape'];

/** Round n's order: round 1 runs the checkout first; each next round turns the order by one. */
export function runOrder(round: number): RunName[] {
  const shift = (round - 1) % RUNS.length;
  return [...RUNS.slice(shift), ...RUNS.slice(0, shift)];
}

/** One message endpoint's round trips (bench/experiments/messages.ts). */
export interface EndpointLatency {
  endpoint: string;
  calls: number;
  statuses: Record<string, number>;
  p50: number;
  p95: number;
  p99: number;
}

export interface MessageResults {
  at: string;
  commit?: string;
  machine: string;
  endpoints: EndpointLatency[];
}

export interface BenchResults {
  at: string;
  machine: string;
  tuning: Record<string, string>;
  activitiesPerCheckout: number;
  /** The round whose throughput ratio is the median (the only one when there is one round). */
  baselineFile: ThroughputRun;
  baselineMemory: ThroughputRun;
  checkout: ThroughputRun;
  /** Every round, in the order run; the goals are judged on the median of their ratios. */
  rounds?: Round[];
  memory: MemoryStep[];
  /** The message endpoints' round trips in this run, beside those recorded before they were updates. */
  messages?: { after: MessageResults; before?: MessageResults };
  /** The checkout and the baseline again on Temporal's own server with PostgreSQL (one round). */
  onPostgres?: Round;
  /** The minimal-shape baseline of the median round, and what it counts as the required side effects. */
  minimal?: ThroughputRun;
  minimalSideEffects?: readonly string[];
  /** The outage scenario, on each server it ran on. */
  outage?: OutageRun[];
  /** The checkout traced against untraced (experiments/tracing.ts). */
  tracing?: TracingCost;
}

export interface Goal {
  goal: string;
  measured: string;
  met: boolean;
}

const fixed = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/**
 * A ratio against its goal's threshold, in two decimals unless those would print the threshold
 * itself on the wrong side of it (0.797 is not "0.80" when the goal is ≥ 0.8): then in three.
 */
export function ratioText(ratio: number, threshold: number): string {
  const short = fixed(ratio);
  const onTheLine = Number(short) === threshold && ratio !== threshold;
  return `${onTheLine ? fixed(ratio, 3) : short} ×`;
}

/** What the API's start latency is judged against: the raw client sending the API's own request. */
function rawStart(round: Round): { p50: number; p95: number; p99: number } {
  return round.checkout.rawStartLatencyMs ?? round.baselineFile.startLatencyMs;
}

/** A round's two ratios: checkout throughput to the baseline's, `POST /orders` p99 to the raw client's. */
export function roundRatios(round: Round): { throughput: number; latency: number } {
  return {
    throughput: round.checkout.perSecond / round.baselineFile.perSecond,
    latency: round.checkout.startLatencyMs.p99 / rawStart(round).p99,
  };
}

/** The median (the lower middle one for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

function allRounds(r: BenchResults): Round[] {
  return r.rounds?.length ? r.rounds : [{ checkout: r.checkout, baselineFile: r.baselineFile }];
}

/** The index of the round whose throughput ratio is the median: the one the main table shows. */
export function medianRound(rounds: readonly Round[]): number {
  const ratios = rounds.map((round) => roundRatios(round).throughput);
  const middle = median(ratios);
  return Math.max(0, ratios.indexOf(middle));
}

export function goals(r: BenchResults): Goal[] {
  const rounds = allRounds(r);
  const throughput = median(rounds.map((round) => roundRatios(round).throughput));
  const latency = median(rounds.map((round) => roundRatios(round).latency));
  const over = rounds.length > 1 ? `, the median of ${rounds.length} rounds` : '';
  const first = r.memory[0];
  const last = r.memory.at(-1);
  const growth = (pick: (m: MemoryStep) => number | undefined): number => {
    const from = first ? pick(first) : undefined;
    const to = last ? pick(last) : undefined;
    return from !== undefined && to !== undefined ? to / from : Number.NaN;
  };
  // Resident memory as found, garbage and all, and right after a full collection (what the worker
  // keeps); both must be flat. Results from before the probe have only the first.
  const asFound = growth((m) => m.workerRssMiB);
  const kept = growth((m) => m.workerRssAfterGcMiB);
  const memoryGrowth = Number.isNaN(kept) ? asFound : Math.max(asFound, kept);
  const measured: Goal[] = [
    {
      goal: `checkout throughput ≥ 0.8 × the engine baseline (file-backed${over})`,
      measured: ratioText(throughput, 0.8),
      met: throughput >= 0.8,
    },
    {
      goal: `\`POST /orders\` p99 ≤ 1.5 × the raw client's start p99 (${r.checkout.rawStartLatencyMs ? 'the same request, same run' : 'the baseline'}${over})`,
      measured: ratioText(latency, 1.5),
      met: latency <= 1.5,
    },
    {
      goal: 'workflow-task schedule-to-start p95 < 1 s at the sustained rate',
      measured: `≤ ${fixed(r.checkout.scheduleToStartP95Ms, 0)} ms`,
      met: r.checkout.scheduleToStartP95Ms < 1000,
    },
    {
      goal: `worker memory flat from ${first?.openWorkflows ?? '?'} to ${last?.openWorkflows ?? '?'} open workflows (resident, as found and after a full GC: each ≤ 1.25 ×)`,
      measured: Number.isNaN(kept)
        ? ratioText(asFound, 1.25)
        : `${ratioText(asFound, 1.25)} as found, ${ratioText(kept, 1.25)} after a full GC`,
      met: memoryGrowth <= 1.25,
    },
  ];
  // Without the open-processes step (BENCH_OPEN_STEPS empty) there is no memory goal to judge.
  return [
    ...(r.memory.length ? measured : measured.slice(0, 3)),
    ...floorGoals(r),
    ...tracingGoals(r.tracing),
  ];
}

const withMinimal = (round: Round): round is Round & { minimal: ThroughputRun } =>
  round.minimal !== undefined;
/**
 * Whether the same-shape baseline runs the minimal shape's workflow: the checkout schedules as many
 * activities as the business requires (5 since the lean checkout).
 */
const sameWorkflow = (r: BenchResults): boolean =>
  r.minimalSideEffects !== undefined && r.activitiesPerCheckout === r.minimalSideEffects.length;

/**
 * The engine's floor in a round: the minimal shape's rate or, when the same-shape baseline is the
 * same workflow, the mean of the two runs: two measurements of one thing, which differed by up to
 * a fifth between runs on this machine (bench/TUNING.md, item 18).
 */
const floorPerSecond = (r: BenchResults, round: Round & { minimal: ThroughputRun }): number =>
  sameWorkflow(r) ? (round.minimal.perSecond + round.baselineFile.perSecond) / 2 : round.minimal.perSecond;
const floorRatio = (r: BenchResults, round: Round & { minimal: ThroughputRun }): number =>
  round.checkout.perSecond / floorPerSecond(r, round);

/** The dev server's round whose checkout-to-minimal ratio is the median of the rounds'. */
function devFloorRound(r: BenchResults): (Round & { minimal: ThroughputRun }) | undefined {
  const rounds = (r.rounds ?? []).filter(withMinimal);
  if (!rounds.length)
    return r.minimal ? { checkout: r.checkout, baselineFile: r.baselineFile, minimal: r.minimal } : undefined;
  const ratios = rounds.map((round) => floorRatio(r, round));
  return rounds[Math.max(0, ratios.indexOf(median(ratios)))];
}

/** Each server's round with a minimal-shape baseline, by the server's name. */
function floorRounds(r: BenchResults): [string, Round & { minimal: ThroughputRun }][] {
  const found: [string, Round & { minimal: ThroughputRun }][] = [];
  const dev = devFloorRound(r);
  if (dev) found.push(['dev server', dev]);
  if (r.onPostgres?.minimal)
    found.push(['Temporal server on PostgreSQL', { ...r.onPostgres, minimal: r.onPostgres.minimal }]);
  return found;
}

const serverCpu = (run: ThroughputRun): number => run.cpuMsPerWorkflow?.['Temporal server'] ?? Number.NaN;

/** Issue 19's goals: the checkout near the engine's floor, and its side effects soon after the click. */
function floorGoals(r: BenchResults): Goal[] {
  return floorRounds(r).flatMap(([server, round]) => {
    const throughput = floorRatio(r, round);
    const cpu = serverCpu(round.checkout) / serverCpu(round.minimal);
    const charge = round.checkout.clickToChargeMs?.p99 ?? Number.NaN;
    const confirmation = round.checkout.clickToConfirmationMs?.p99 ?? Number.NaN;
    return [
      {
        goal: `${server}: checkout throughput ≥ 0.8 × the minimal shape${sameWorkflow(r) ? ' (the mean of both no-op runs of the round: the same workflow)' : ''}`,
        measured: ratioText(throughput, 0.8),
        met: throughput >= 0.8,
      },
      {
        goal: `${server}: the server's CPU per checkout ≤ 1.3 × the minimal shape's`,
        measured: ratioText(cpu, 1.3),
        met: cpu <= 1.3,
      },
      {
        goal: `${server}: click to charge p99 < 1 s and click to confirmation p99 < 2 s at the paced rate`,
        measured: `${fixed(charge, 0)} ms and ${fixed(confirmation, 0)} ms`,
        met: charge < 1000 && confirmation < 2000,
      },
    ];
  });
}

/** The checkout against the engine's floor on each server, and how soon its side effects follow the click. */
function floorLines(r: BenchResults): string[] {
  const rounds = floorRounds(r);
  if (!rounds.length) return [];
  const l = (s?: { p50: number; p95: number; p99: number }) =>
    s ? `${fixed(s.p50, 0)} / ${fixed(s.p95, 0)} / ${fixed(s.p99, 0)}` : 'n/a';
  return [
    `The engine's floor: a no-op workflow with one activity per side effect the business requires up to the customer's confirmation (${r.minimalSideEffects?.length ?? '?'}: ${(r.minimalSideEffects ?? []).join(', ')}), started with the raw client on the same server. Click to charge and to confirmation: from \`POST /orders\` answered to the charge request reaching Stripe and the email reaching SendGrid, remorse window 0, at the paced rate. The seed's design (an outbox polled once a minute) takes up to 60 s to the first side effect.`,
    '',
    ...(sameWorkflow(r)
      ? [
          `The checkout schedules ${r.activitiesPerCheckout} activities, as many as the minimal shape, so the same-shape baseline is the same workflow: the floor is the mean of both no-op runs.`,
          '',
        ]
      : []),
    '| server | floor per second | checkout per second | × floor | server CPU ms per workflow: minimal / checkout | history events: minimal / checkout | click to charge p50 / p95 / p99 (ms) | click to confirmation p50 / p95 / p99 (ms) | 60 s outbox ÷ click-to-charge p99 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rounds.map(([server, round]) => {
      const c = round.checkout;
      return `| ${server} | ${fixed(floorPerSecond(r, round), 1)} | ${fixed(c.perSecond, 1)} | ${fixed(floorRatio(r, round))} | ${fixed(serverCpu(round.minimal), 1)} / ${fixed(serverCpu(c), 1)} (${fixed(serverCpu(c) / serverCpu(round.minimal))} ×) | ${round.minimal.historyEvents ?? 'n/a'} / ${c.historyEvents ?? 'n/a'} | ${l(c.clickToChargeMs)} | ${l(c.clickToConfirmationMs)} | ${c.clickToChargeMs ? `${fixed(60_000 / c.clickToChargeMs.p99, 0)} ×` : 'n/a'} |`;
    }),
    '',
  ];
}

/** Which round devFloorRound picked (-1 for none). */
const devFloorIndex = (r: BenchResults): number => {
  const picked = devFloorRound(r);
  return picked ? (r.rounds ?? []).indexOf(picked) : -1;
};

/** Steal time during a run's burst, in % of the cores ('n/a' where the run or the reading is missing). */
const stolenText = (run: ThroughputRun | undefined): string =>
  run?.stolenShare === undefined ? 'n/a' : fixed(run.stolenShare * 100, 1);

function roundsTable(r: BenchResults): string[] {
  if (!r.rounds || r.rounds.length < 2) return [];
  return [
    `Every round on the dev server, each run on a fresh server after the machine went quiet, in the order shown (it turns by one each round); the same-shape tables above show round ${medianRound(r.rounds) + 1}, the median by × baseline, and the engine's floor round ${devFloorIndex(r) + 1}, the median by × floor:`,
    '',
    '| round | order | checkout per second | baseline per second | × baseline | minimal shape per second | × floor | `POST /orders` p99 (ms) | raw client p99 (ms) | p99 × raw | stolen by the hypervisor: checkout / baseline / minimal (% of the cores) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.rounds.map((round, i) => {
      const ratios = roundRatios(round);
      const minimal = withMinimal(round) ? fixed(round.minimal.perSecond, 1) : 'n/a';
      const toMinimal = withMinimal(round) ? fixed(floorRatio(r, round)) : 'n/a';
      const stolen = [round.checkout, round.baselineFile, round.minimal].map(stolenText).join(' / ');
      return `| ${i + 1} | ${round.order?.join(', ') ?? 'checkout, same shape, minimal shape'} | ${fixed(round.checkout.perSecond, 1)} | ${fixed(round.baselineFile.perSecond, 1)} | ${fixed(ratios.throughput)} | ${minimal} | ${toMinimal} | ${fixed(round.checkout.startLatencyMs.p99, 1)} | ${fixed(rawStart(round).p99, 1)} | ${fixed(ratios.latency)} | ${stolen} |`;
    }),
    '',
  ];
}

function startLatencyTable(r: BenchResults): string[] {
  const raw = rawStart({ checkout: r.checkout, baselineFile: r.baselineFile });
  const line = (what: string, l: { p50: number; p95: number; p99: number }) =>
    `| ${what} | ${fixed(l.p50, 1)} | ${fixed(l.p95, 1)} | ${fixed(l.p99, 1)} | ${fixed(l.p99 / raw.p99)} |`;
  return [
    `Start latency at the paced rate (${fixed(r.checkout.pacedPerSecond, 1)} per second), against the raw client sending the API's own request:`,
    '',
    '| start | p50 (ms) | p95 (ms) | p99 (ms) | p99 × raw |',
    '| --- | --- | --- | --- | --- |',
    line('raw client: no-op workflow (baseline, SQLite file)', r.baselineFile.startLatencyMs),
    ...(r.checkout.rawStartLatencyMs
      ? [
          line(
            'raw client: the checkout request, beside the API in the same run',
            r.checkout.rawStartLatencyMs,
          ),
        ]
      : []),
    line('`POST /orders`', r.checkout.startLatencyMs),
  ];
}

/** The same two runs on each server, side by side: throughput, ratio, engine work and CPU per workflow. */
function onPostgresLines(r: BenchResults): string[] {
  if (!r.onPostgres)
    return ['(No run on the Temporal server with PostgreSQL in this run: BENCH_POSTGRES=0.)', ''];
  const dev: Round = { checkout: r.checkout, baselineFile: r.baselineFile };
  const cpu = (run: ThroughputRun) =>
    Object.entries(run.cpuMsPerWorkflow ?? {})
      .map(([name, ms]) => `${name} ${fixed(ms, 1)}`)
      .join(', ');
  const row = (server: string, round: Round, which: 'baselineFile' | 'checkout') => {
    const run = round[which];
    return `| ${server} | ${which === 'checkout' ? 'checkout' : 'baseline'} | ${fixed(run.perSecond, 1)} | ${which === 'checkout' ? ratioText(run.perSecond / round.baselineFile.perSecond, 0.8) : ''} | ${run.historyEvents ?? 'n/a'} (${run.historyBytes ?? 'n/a'} bytes) | ${fixed(run.startLatencyMs.p99, 1)} | ${cpu(run)} |`;
  };
  return [
    "On Temporal's own server with PostgreSQL (the production shape's server, persistence and SQL visibility; `scripts/production/`), one round, beside the dev server's median round:",
    '',
    '| server | run | per second (burst) | checkout × baseline | history events each | start p99 (ms, paced) | CPU ms per workflow, by process |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    row('dev server (SQLite file)', dev, 'baselineFile'),
    row('dev server (SQLite file)', dev, 'checkout'),
    row('Temporal server on PostgreSQL', r.onPostgres, 'baselineFile'),
    row('Temporal server on PostgreSQL', r.onPostgres, 'checkout'),
    '',
  ];
}

export function markdownReport(r: BenchResults): string {
  const row = (run: ThroughputRun) =>
    `| ${run.label} | ${run.workflows} | ${run.clients} | ${fixed(run.perSecond, 1)} | ${fixed(
      run.perSecond / r.baselineFile.perSecond,
    )} | ${run.historyEvents ?? 'n/a'} | ${fixed(run.pacedPerSecond, 1)} | ${fixed(run.startLatencyMs.p50, 1)} / ${fixed(run.startLatencyMs.p95, 1)} / ${fixed(
      run.startLatencyMs.p99,
      1,
    )} | ≤ ${fixed(run.scheduleToStartP95Ms, 0)} |`;
  return [
    `# Benchmark results`,
    '',
    `${r.at} on ${r.machine}. Tuning: ${Object.entries(r.tuning)
      .map(([k, v]) => `\`${k}=${v}\``)
      .join(
        ', ',
      )}. A checkout runs ${r.activitiesPerCheckout} activities up to its confirmation (counted from its history); the baseline's no-op workflow runs as many.`,
    '',
    'Burst: clients placing orders back to back; the latencies are measured afterwards at a paced, sustained rate.',
    '',
    '| run | workflows | clients | completed per second (burst) | × baseline | history events each | paced at (per second) | start latency p50 / p95 / p99 (ms) | schedule-to-start p95 (ms, bucket bound) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    row(r.baselineMemory),
    row(r.baselineFile),
    row(r.checkout),
    '',
    ...startLatencyTable(r),
    '',
    ...roundsTable(r),
    `Where the CPU went in the burst (milliseconds per workflow, by process; "${BENCH_PROCESS}" is the load clients and, for the checkout, the SendGrid fake and the recording proxy in front of stripe-mock; "other" is the rest of the machine: stripe-mock, RabbitMQ; time the hypervisor stole from the machine is apart, in % of the cores):`,
    '',
    ...[r.baselineFile, r.checkout].map(
      (run) =>
        `- ${run.label}: ${Object.entries(run.cpuMsPerWorkflow ?? {})
          .map(([name, ms]) => `${name} ${fixed(ms, 1)}`)
          .join(', ')}${run.stolenShare === undefined ? '' : `; stolen ${stolenText(run)} %`}`,
    ),
    '',
    ...onPostgresLines(r),
    ...floorLines(r),
    ...(r.memory.length
      ? [
          "| open acceptance workflows | in the worker's cache | worker RSS as found (MiB) | worker RSS after a full GC (MiB) | worker V8 heap used after GC (MiB) | worker external (MiB) | server RSS (MiB) | orders brought to their window per second |",
          '| --- | --- | --- | --- | --- | --- | --- | --- |',
        ]
      : ['(No open-processes step in this run.)']),
    ...r.memory.map(
      (m) =>
        `| ${m.openWorkflows} | ${m.cachedWorkflows ?? 'n/a'} | ${fixed(m.workerRssMiB, 0)} | ${fixed(m.workerRssAfterGcMiB ?? Number.NaN, 0)} | ${fixed(m.workerHeapUsedMiB ?? Number.NaN, 0)} | ${fixed(m.workerExternalMiB ?? Number.NaN, 0)} | ${fixed(m.serverRssMiB, 0)} | ${fixed(m.admittedPerSecond ?? Number.NaN, 1)} |`,
    ),
    '',
    '| goal | measured | met |',
    '| --- | --- | --- |',
    ...goals(r).map((g) => `| ${g.goal} | ${g.measured} | ${g.met ? 'yes' : '**no**'} |`),
    '',
    ...messageLines(r.messages),
    ...tracingLines(r.tracing),
    ...outageLines(r.outage),
    'What was tried to meet the goals, and why the tuning is what it is: bench/TUNING.md.',
    '',
  ].join('\n');
}

/**
 * The message endpoints before (query, signal, query; recorded at the commit named) and after
 * (one update), p99 side by side. Not a goal: each is one run on this machine; the ratio says how
 * the round trip changed, not how fast the machine was.
 */
export function messageLines(messages: BenchResults['messages']): string[] {
  if (!messages) return [];
  const before = new Map((messages.before?.endpoints ?? []).map((e) => [e.endpoint, e]));
  const statuses = (s: Record<string, number>) =>
    Object.entries(s)
      .map(([code, n]) => `${n}× ${code}`)
      .join(', ');
  return [
    `The message endpoints' round trip, ${messages.after.endpoints[0]?.calls ?? 0} calls each by 4 clients, against ` +
      (messages.before
        ? `the same experiment recorded before they were updates (${messages.before.commit ?? 'earlier'}, ${messages.before.at.slice(0, 10)}):`
        : 'no recorded "before" (bench/results/messages-before.json is missing):'),
    '',
    '| endpoint | p50 / p95 / p99 before (ms) | p50 / p95 / p99 after (ms) | p99 after ÷ before | answers after |',
    '| --- | --- | --- | --- | --- |',
    ...messages.after.endpoints.map((e) => {
      const b = before.get(e.endpoint);
      const triple = (x: EndpointLatency) => `${fixed(x.p50, 1)} / ${fixed(x.p95, 1)} / ${fixed(x.p99, 1)}`;
      return `| \`${e.endpoint}\` | ${b ? triple(b) : 'n/a'} | ${triple(e)} | ${b ? fixed(e.p99 / b.p99) : 'n/a'} | ${statuses(e.statuses)} |`;
    }),
    '',
  ];
}

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Two panels: throughput of each run against the baseline; memory against open workflows. */
export function svgChart(r: BenchResults): string {
  const width = 760;
  const height = 300;
  const parts: string[] = [];
  const text = (x: number, y: number, s: string, anchor = 'start', size = 12) =>
    parts.push(
      `<text x="${x}" y="${y}" font-size="${size}" text-anchor="${anchor}" font-family="sans-serif">${escape(s)}</text>`,
    );

  // Left: completed workflows per second.
  const runs = [r.baselineMemory, r.baselineFile, r.checkout];
  const maxRate = Math.max(...runs.map((run) => run.perSecond), 1);
  text(20, 24, 'Completed per second', 'start', 14);
  runs.forEach((run, i) => {
    const barHeight = (run.perSecond / maxRate) * 200;
    const x = 40 + i * 110;
    parts.push(
      `<rect x="${x}" y="${250 - barHeight}" width="70" height="${barHeight}" fill="${i === 2 ? '#2b6cb0' : '#a0aec0'}"/>`,
    );
    text(x + 35, 245 - barHeight, fixed(run.perSecond, 1), 'middle');
    text(x + 35, 268, run.label.replace(/ \(.*\)/, ''), 'middle', 10);
    text(x + 35, 282, /\((.*)\)/.exec(run.label)?.[1] ?? '', 'middle', 10);
  });

  // Right: resident memory against open workflows.
  const left = 420;
  const maxOpen = Math.max(...r.memory.map((m) => m.openWorkflows), 1);
  const maxMiB = Math.max(...r.memory.flatMap((m) => [m.workerRssMiB, m.serverRssMiB]), 1);
  text(left, 24, 'Resident memory (MiB) by open workflows', 'start', 14);
  parts.push(`<line x1="${left}" y1="250" x2="${left + 300}" y2="250" stroke="#718096"/>`);
  parts.push(`<line x1="${left}" y1="50" x2="${left}" y2="250" stroke="#718096"/>`);
  const point = (m: MemoryStep, mib: number) =>
    `${left + (m.openWorkflows / maxOpen) * 300},${250 - (mib / maxMiB) * 200}`;
  for (const [key, colour, label] of [
    ['workerRssMiB', '#2b6cb0', 'worker'],
    ['serverRssMiB', '#c05621', 'Temporal server'],
  ] as const) {
    parts.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${r.memory.map((m) => point(m, m[key])).join(' ')}"/>`,
    );
    const lastStep = r.memory.at(-1);
    if (lastStep) {
      const [x, y] = point(lastStep, lastStep[key]).split(',').map(Number);
      text(x! - 5, y! - 6, label, 'end', 11);
    }
  }
  for (const m of r.memory)
    text(left + (m.openWorkflows / maxOpen) * 300, 266, String(m.openWorkflows), 'middle', 10);
  text(left - 5, 54, fixed(maxMiB, 0), 'end', 10);

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>\n`;
}
