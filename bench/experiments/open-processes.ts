/** Experiment 3: orders left open in their remorse window, at each of BENCH_OPEN_STEPS: the worker's and the server's memory at each. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/net';
import { residentBytes, startWorkerProcess, until } from '../../scripts/processes';
import { counterValue, percentile, type MemoryStep } from '../report';

import { BUNDLE, COMPILED, MiB, OPEN_STEPS, say, tuning, WORKER_NODE_OPTIONS } from '../settings';
import { closedLoop, freshTemporal, order, scrape } from '../harness';

/** What bench/memory-probe.ts writes. */
type Probe = NodeJS.MemoryUsage & {
  at: number;
  collections: number;
  /** The workflow thread's isolate (and any other worker thread's). */
  threadHeaps: { usedSize: number; totalSize: number }[];
};

/** Orders started and not yet waiting in their window, at most, while a step admits new ones. */
const AHEAD = 200;

/** How many lines `file` has, reading only what was added since the last call. */
function lineCounter(file: string): () => number {
  let offset = 0;
  let lines = 0;
  const buffer = Buffer.alloc(1 << 16);
  return () => {
    if (!fs.existsSync(file)) return 0;
    const fd = fs.openSync(file, 'r');
    try {
      for (let n = fs.readSync(fd, buffer, 0, buffer.length, offset); n > 0;) {
        offset += n;
        for (let i = 0; i < n; i++) if (buffer[i] === 10) lines++;
        n = fs.readSync(fd, buffer, 0, buffer.length, offset);
      }
    } finally {
      fs.closeSync(fd);
    }
    return lines;
  };
}

/** (3) Orders left waiting in a six-hour remorse window, at each of BENCH_OPEN_STEPS (1k, 10k): memory at each. */
export async function openProcesses(): Promise<MemoryStep[]> {
  say(`open processes: ${OPEN_STEPS.join(', ')} orders waiting in their remorse window`);
  const temporal = await freshTemporal('file');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-open-'));
  // The worker's own view of its memory (V8 heap, buffers) beside its resident size.
  const probeFile = path.join(dataDir, 'worker-memory.json');
  const probe = path.resolve(__dirname, '..', '..', COMPILED.memoryProbe);
  const metricsAddress = `127.0.0.1:${await freePort()}`;
  const worker = await startWorkerProcess(
    {
      ...tuning,
      TEMPORAL_ADDRESS: temporal.server.address,
      TEMPORAL_TASK_QUEUE: 'bench-open',
      DATA_DIR: dataDir,
      ORDER_REMORSE_WINDOW: '6h', // longer than the largest step takes to start
      WORKFLOW_BUNDLE: BUNDLE,
      MEMORY_PROBE_FILE: probeFile,
      WORKER_METRICS_ADDRESS: metricsAddress,
      NODE_OPTIONS: [WORKER_NODE_OPTIONS, '--expose-gc', `--require ${probe}`].filter(Boolean).join(' '),
    },
    COMPILED.worker,
  );
  const received = lineCounter(path.join(dataDir, 'dev-outbox', 'events.jsonl'));
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
      const stepStarted = performance.now();
      // Admitted as a storefront would send them, not all at once: at most AHEAD started and not yet
      // waiting in their window. Started all at once, 40,000 starts held the server while the
      // worker's tasks queued behind them, and orders reached their window at 6 a second, not 25.
      await closedLoop(target - from, 8, async (i) => {
        await until(
          'the orders started before to reach their window',
          () => alive() && received() >= from + i - AHEAD,
          600_000,
        );
        await temporal.client.workflow.start('checkoutWorkflow', {
          taskQueue: 'bench-open',
          workflowId: `order-open-${from + i}`,
          args: [order(`open-${from + i}`)],
        });
      });
      open = target;
      // Each has saved its order and published order.received, and now waits on its timer.
      await until(`${target} orders to wait in their window`, () => alive() && received() >= target, 600_000);
      const admitted = (target - from) / ((performance.now() - stepStarted) / 1000);
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
        admittedPerSecond: admitted,
      };
      say(
        `  ${target} open (${admitted.toFixed(1)} admitted a second; ${cached} in the worker's cache): worker ${found.worker.toFixed(0)} MiB as found (V8 heap used ${found.heap.toFixed(0)}), ${kept.worker.toFixed(0)} MiB after a full GC (heap used ${kept.heap.toFixed(0)} of ${kept.heapTotal.toFixed(0)}, external ${kept.external.toFixed(0)}); server ${found.server.toFixed(0)} MiB`,
      );
      steps.push(step);
    }
    return steps;
  } finally {
    await worker.stop();
    await temporal.close();
  }
}
