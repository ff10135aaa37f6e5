import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bucketsBetween,
  counterValue,
  goals,
  histogramBuckets,
  histogramQuantile,
  markdownReport,
  medianRound,
  ratioText,
  percentile,
  roundRatios,
  runOrder,
  svgChart,
  type BenchResults,
  type ThroughputRun,
} from '../../bench/report';

const PROMETHEUS = `# HELP temporal_workflow_task_schedule_to_start_latency x
# TYPE temporal_workflow_task_schedule_to_start_latency histogram
temporal_workflow_task_schedule_to_start_latency_bucket{namespace="default",task_queue="a",le="10"} 50
temporal_workflow_task_schedule_to_start_latency_bucket{namespace="default",task_queue="a",le="100"} 90
temporal_workflow_task_schedule_to_start_latency_bucket{namespace="default",task_queue="a",le="+Inf"} 100
temporal_workflow_task_schedule_to_start_latency_bucket{namespace="default",task_queue="b",le="10"} 0
temporal_workflow_task_schedule_to_start_latency_bucket{namespace="default",task_queue="b",le="100"} 0
temporal_workflow_task_schedule_to_start_latency_bucket{namespace="default",task_queue="b",le="+Inf"} 0
temporal_workflow_task_schedule_to_start_latency_sum{namespace="default"} 1234
temporal_workflow_completed{namespace="default",task_queue="a"} 7
temporal_workflow_completed{namespace="default",task_queue="b"} 5
`;

describe('benchmark arithmetic', () => {
  it('percentile: nearest rank, whatever the order', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.equal(percentile(values, 0.5), 50);
    assert.equal(percentile(values, 0.99), 99);
    assert.equal(percentile(values, 1), 100);
    assert.ok(Number.isNaN(percentile([], 0.5)));
  });

  it('reads a histogram summed over label sets, and a counter', () => {
    assert.deepEqual(histogramBuckets(PROMETHEUS, 'temporal_workflow_task_schedule_to_start_latency'), [
      { le: 10, count: 50 },
      { le: 100, count: 90 },
      { le: Infinity, count: 100 },
    ]);
    assert.equal(counterValue(PROMETHEUS, 'temporal_workflow_completed'), 12);
    assert.equal(counterValue(PROMETHEUS, 'temporal_absent'), 0);
  });

  it('a quantile is reported as the bound of the bucket that holds it', () => {
    const buckets = histogramBuckets(PROMETHEUS, 'temporal_workflow_task_schedule_to_start_latency');
    assert.equal(histogramQuantile(buckets, 0.5), 10);
    assert.equal(histogramQuantile(buckets, 0.7), 100);
    assert.equal(histogramQuantile(buckets, 0.95), Infinity, 'only +Inf holds it');
    const between = bucketsBetween(
      [
        { le: 10, count: 40 },
        { le: 100, count: 40 },
        { le: Infinity, count: 40 },
      ],
      buckets,
    );
    assert.deepEqual(
      between.map((b) => b.count),
      [10, 50, 60],
    );
    assert.ok(Number.isNaN(histogramQuantile([{ le: Infinity, count: 0 }], 0.95)));
  });
});

describe('benchmark report', () => {
  it('never prints a missed ratio as its threshold', () => {
    assert.equal(ratioText(0.797, 0.8), '0.797 ×', 'missed: three decimals, not "0.80"');
    assert.equal(ratioText(0.803, 0.8), '0.803 ×');
    assert.equal(ratioText(0.8, 0.8), '0.80 ×');
    assert.equal(ratioText(0.97, 0.8), '0.97 ×');
    assert.equal(ratioText(1.504, 1.5), '1.504 ×');
  });

  const run = (label: string, perSecond: number, p99: number, s2s: number): ThroughputRun => ({
    label,
    workflows: 100,
    clients: 8,
    seconds: 100 / perSecond,
    perSecond,
    pacedPerSecond: 30,
    startLatencyMs: { p50: p99 / 3, p95: p99 / 2, p99 },
    scheduleToStartP95Ms: s2s,
  });
  const results: BenchResults = {
    at: '2026-11-22T00:00:00.000Z',
    machine: '2 cores',
    tuning: { WORKER_MAX_CACHED_WORKFLOWS: '1000' },
    activitiesPerCheckout: 10,
    baselineMemory: run('engine baseline (in memory)', 60, 8, 20),
    baselineFile: run('engine baseline (SQLite file, WAL)', 50, 10, 30),
    checkout: { ...run('checkout (through the API)', 41, 14, 900), cpuMsPerWorkflow: { worker: 40, API: 3 } },
    memory: [
      { openWorkflows: 1000, workerRssMiB: 300, serverRssMiB: 200 },
      { openWorkflows: 10000, workerRssMiB: 360, serverRssMiB: 400 },
    ],
  };

  it('judges each goal as a ratio to the baseline of the same run', () => {
    assert.deepEqual(
      goals(results).map((g) => [g.measured, g.met]),
      [
        ['0.82 ×', true],
        ['1.40 ×', true],
        ['≤ 900 ms', true],
        ['1.20 ×', true],
      ],
    );
    const missed = goals({
      ...results,
      checkout: run('checkout', 30, 20, 1500),
      memory: [results.memory[0]!, { openWorkflows: 10000, workerRssMiB: 900, serverRssMiB: 400 }],
    });
    assert.deepEqual(
      missed.map((g) => g.met),
      [false, false, false, false],
    );
  });

  it("judges the API's latency against the raw client's start of the same request in the same run", () => {
    const sameRun = {
      ...results,
      checkout: { ...results.checkout, rawStartLatencyMs: { p50: 5, p95: 10, p99: 20 } },
    };
    // 14 ms against the same run's 20 ms, not against the baseline's no-op start (10 ms).
    assert.equal(goals(sameRun)[1]!.measured, '0.70 ×');
    assert.match(goals(sameRun)[1]!.goal, /the same request, same run/);
    assert.match(
      markdownReport(sameRun),
      /\| raw client: the checkout request, beside the API in the same run \| 5\.0 \| 10\.0 \| 20\.0 \| 1\.00 \|/,
    );
  });

  it("judges the checkout against the engine's floor on each server: throughput, server CPU, click to charge and to confirmation", () => {
    const withCpu = (r: ThroughputRun, server: number): ThroughputRun => ({
      ...r,
      cpuMsPerWorkflow: { 'Temporal server': server },
    });
    const checkout: ThroughputRun = {
      ...withCpu(results.checkout, 65),
      historyEvents: 70,
      clickToChargeMs: { p50: 100, p95: 400, p99: 900 },
      clickToConfirmationMs: { p50: 200, p95: 900, p99: 2100 },
    };
    const floor = { ...withCpu(run('minimal shape (5 activities)', 50, 9, 20), 50), historyEvents: 35 };
    const judged = goals({
      ...results,
      checkout,
      minimal: floor,
      minimalSideEffects: ['charge', 'email', 'order.received', 'order.accepted', 'order.paid'],
      onPostgres: {
        checkout: { ...checkout, perSecond: 45 },
        baselineFile: results.baselineFile,
        minimal: floor,
      },
    }).slice(4);
    assert.deepEqual(
      judged.map((g) => [g.goal.split(':')[0], g.measured, g.met]),
      [
        ['dev server', '0.82 ×', true],
        ['dev server', '1.30 ×', true],
        ['dev server', '900 ms and 2100 ms', false],
        ['Temporal server on PostgreSQL', '0.90 ×', true],
        ['Temporal server on PostgreSQL', '1.30 ×', true],
        ['Temporal server on PostgreSQL', '900 ms and 2100 ms', false],
      ],
    );
    const report = markdownReport({ ...results, checkout, minimal: floor, minimalSideEffects: ['charge'] });
    assert.match(
      report,
      /\| dev server \| 50\.0 \| 41\.0 \| 0\.82 \| 50\.0 \/ 65\.0 \(1\.30 ×\) \| 35 \/ 70 \| 100 \/ 400 \/ 900 \| 200 \/ 900 \/ 2100 \| 67 × \|/,
    );
    assert.equal(goals(results).length, 4, 'results without a minimal shape keep their goals');
  });

  it('takes the median of the rounds, so one slow round does not decide a goal', () => {
    const round = (checkoutPerSecond: number, apiP99: number) => ({
      checkout: {
        ...run('checkout (through the API)', checkoutPerSecond, apiP99, 100),
        rawStartLatencyMs: { p50: 5, p95: 8, p99: 10 },
      },
      baselineFile: run('engine baseline (SQLite file, WAL)', 50, 10, 30),
    });
    const rounds = [round(45, 12), round(20, 40), round(40, 14)];
    assert.deepEqual(
      rounds.map((r) => roundRatios(r)),
      [
        { throughput: 0.9, latency: 1.2 },
        { throughput: 0.4, latency: 4 },
        { throughput: 0.8, latency: 1.4 },
      ],
    );
    assert.equal(medianRound(rounds), 2, 'the round with the middle throughput ratio');
    const judged = goals({ ...results, ...rounds[2]!, rounds });
    assert.deepEqual(
      judged.slice(0, 2).map((g) => [g.measured, g.met]),
      [
        ['0.80 ×', true],
        ['1.40 ×', true],
      ],
    );
    assert.match(judged[0]!.goal, /the median of 3 rounds/);
    const md = markdownReport({ ...results, ...rounds[2]!, rounds });
    assert.ok(
      md.includes(
        '| 2 | checkout, same shape, minimal shape | 20.0 | 50.0 | 0.40 | n/a | n/a | 40.0 | 10.0 | 4.00 | n/a / n/a / n/a |',
      ),
      'every round is shown',
    );
  });

  it('shows the time the hypervisor stole in each run of each round, apart from the CPU of the processes', () => {
    const stolen = (r: ThroughputRun, share: number): ThroughputRun => ({ ...r, stolenShare: share });
    const withSteal = (checkout: number, share: number) => ({
      checkout: stolen(
        {
          ...run('checkout (through the API)', checkout, 12, 100),
          cpuMsPerWorkflow: { worker: 40, other: 1 },
        },
        share,
      ),
      baselineFile: stolen(run('engine baseline (SQLite file, WAL)', 50, 10, 30), 0),
      minimal: stolen(run('minimal shape (5 activities, SQLite file, WAL)', 50, 10, 30), 0.004),
    });
    const rounds = [withSteal(45, 0), withSteal(20, 0.123), withSteal(40, 0.01)];
    const md = markdownReport({ ...results, ...rounds[2]!, rounds });
    assert.match(
      md,
      /\| 2 \| [^|]+ \| 20\.0 \|.*\| 12\.3 \/ 0\.0 \/ 0\.4 \|$/m,
      'the slow round names its steal',
    );
    assert.ok(md.includes('- checkout (through the API): worker 40.0, other 1.0; stolen 1.0 %'), md);
  });

  it('turns the order of the runs by one each round, so no run always follows the checkout', () => {
    assert.deepEqual([1, 2, 3, 4].map(runOrder), [
      ['checkout', 'same shape', 'minimal shape'],
      ['same shape', 'minimal shape', 'checkout'],
      ['minimal shape', 'checkout', 'same shape'],
      ['checkout', 'same shape', 'minimal shape'],
    ]);
  });

  /** Round n of a run with all three shapes: the checkout, the same-shape and the minimal-shape rates. */
  const round = (checkoutPerSecond: number, same: number, minimal: number, n: number) => ({
    checkout: {
      ...run('checkout (through the API)', checkoutPerSecond, 12, 100),
      rawStartLatencyMs: { p50: 5, p95: 8, p99: 10 },
      clickToChargeMs: { p50: 100, p95: 200, p99: 300 },
      clickToConfirmationMs: { p50: 200, p95: 300, p99: 400 },
    },
    baselineFile: run('engine baseline (SQLite file, WAL)', same, 10, 30),
    minimal: run('minimal shape (5 activities, SQLite file, WAL)', minimal, 10, 30),
    order: runOrder(n),
  });

  it("judges the engine's floor on the round whose checkout-to-minimal ratio is the median", () => {
    // × baseline: 0.9, 0.5, 0.7 (median: round 3); × minimal: 0.6, 0.9, 0.75 (median: round 3).
    const rounds = [round(18, 20, 30, 1), round(18, 36, 20, 2), round(15, 21.4, 20, 3)];
    const judged = goals({ ...results, ...rounds[2]!, rounds });
    const floor = judged.find((g) => g.goal.startsWith('dev server: checkout throughput'))!;
    assert.deepEqual([floor.measured, floor.met], ['0.75 ×', false]);
    // Round 2 is the median by × minimal while round 3 stays the median by × baseline.
    const other = [round(18, 20, 30, 1), round(16, 36, 20, 2), round(15, 21.4, 16, 3)];
    assert.equal(medianRound(other), 2);
    const judgedOther = goals({ ...results, ...other[2]!, rounds: other });
    assert.deepEqual(
      judgedOther.filter((g) => g.goal.startsWith('dev server: checkout throughput')).map((g) => g.measured),
      ['0.80 ×'],
    );
    const md = markdownReport({ ...results, ...other[2]!, rounds: other });
    assert.match(
      md,
      /round 3, the median by × baseline, and the engine's floor round 2, the median by × floor/,
    );
    assert.ok(md.includes('| 2 | same shape, minimal shape, checkout | 16.0 | 36.0 | 0.44 | 20.0 | 0.80 |'));
  });

  it('takes both no-op runs of a round as the floor when the checkout schedules as many activities as the minimal shape', () => {
    // 2026-11-28's full run: the same workflow ran at 16.8 and 15.3, 17.5 and 14.3, 16.1 and 13.5 a second.
    const rounds = [round(12.0, 16.8, 15.3, 1), round(11.9, 17.5, 14.3, 2), round(12.8, 16.1, 13.5, 3)];
    const sameShape = {
      ...results,
      ...rounds[0]!,
      rounds,
      activitiesPerCheckout: 5,
      minimalSideEffects: ['charge', 'email', 'order.received', 'order.accepted', 'order.paid'],
    };
    const floor = goals(sameShape).find((g) => g.goal.startsWith('dev server: checkout throughput'))!;
    // Against the minimal runs alone the median is 0.83 ×; against the same-shape runs, 0.71 ×.
    assert.deepEqual([floor.measured, floor.met], ['0.75 ×', false]);
    assert.match(floor.goal, /the mean of both no-op runs of the round/);
    const md = markdownReport(sameShape);
    assert.match(
      md,
      /so the same-shape baseline is the same workflow: the floor is the mean of both no-op runs/,
    );
    // The median round by × floor is round 2 (0.748 against round 1's 0.748 and round 3's 0.86).
    assert.ok(
      md.includes('| dev server | 15.9 | 11.9 | 0.75 |'),
      'the floor table shows the mean of both runs',
    );
    // Without the same count, the minimal shape alone is the floor.
    const other = goals({ ...sameShape, activitiesPerCheckout: 9 }).find((g) =>
      g.goal.startsWith('dev server: checkout throughput'),
    )!;
    assert.equal(other.measured, '0.83 ×');
  });

  it("judges the worker's memory as found and after a full collection, each flat", () => {
    const step = (open: number, asFound: number, afterGc: number) => ({
      openWorkflows: open,
      cachedWorkflows: 500,
      workerRssMiB: asFound,
      workerRssAfterGcMiB: afterGc,
      workerHeapUsedMiB: 94,
      serverRssMiB: 300,
    });
    const flat = goals({ ...results, memory: [step(1000, 458, 308), step(10000, 452, 374)] })[3]!;
    assert.deepEqual([flat.measured, flat.met], ['0.99 × as found, 1.21 × after a full GC', true]);
    // Garbage can hide what is kept, and what is kept can hide behind garbage: either growing misses.
    const kept = goals({ ...results, memory: [step(1000, 458, 300), step(10000, 460, 420)] })[3]!;
    assert.equal(kept.met, false);
    const found = goals({ ...results, memory: [step(1000, 400, 300), step(10000, 600, 310)] })[3]!;
    assert.equal(found.met, false);
    assert.ok(
      markdownReport({ ...results, memory: [step(1000, 458, 308)] }).includes(
        '| 1000 | 500 | 458 | 308 | 94 | n/a | 300 |',
      ),
    );
  });

  it('writes a markdown table and a chart naming every run', () => {
    const md = markdownReport(results);
    assert.ok(
      md.includes('- checkout (through the API): worker 40.0, API 3.0'),
      'CPU per workflow by process',
    );
    for (const text of [
      'engine baseline (in memory)',
      'checkout (through the API)',
      '| 10000 | n/a | 360 | n/a | n/a | n/a | 400 |',
    ])
      assert.ok(md.includes(text), text);
    assert.match(md, /\| checkout \(through the API\) \| 100 \| 8 \| 41\.0 \| 0\.82 \| n\/a \| 30\.0 \|/);
    const svg = svgChart(results);
    assert.match(svg, /^<svg /);
    assert.equal((svg.match(/<rect x=/g) ?? []).length, 3, 'one bar per run');
    assert.equal((svg.match(/<polyline/g) ?? []).length, 2, 'worker and server lines');
  });
});
