import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bucketsBetween,
  counterValue,
  goals,
  histogramBuckets,
  histogramQuantile,
  markdownReport,
  percentile,
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

  it('writes a markdown table and a chart naming every run', () => {
    const md = markdownReport(results);
    assert.ok(
      md.includes('- checkout (through the API): worker 40.0, API 3.0'),
      'CPU per workflow by process',
    );
    for (const text of ['engine baseline (in memory)', 'checkout (through the API)', '| 10000 | 360 | 400 |'])
      assert.ok(md.includes(text), text);
    assert.match(md, /\| checkout \(through the API\) \| 100 \| 8 \| 41\.0 \| 0\.82 \| n\/a \| 30\.0 \|/);
    const svg = svgChart(results);
    assert.match(svg, /^<svg /);
    assert.equal((svg.match(/<rect x=/g) ?? []).length, 3, 'one bar per run');
    assert.equal((svg.match(/<polyline/g) ?? []).length, 2, 'worker and server lines');
  });
});
