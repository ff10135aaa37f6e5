/** What every experiment of the benchmark reads: sizes, paths and the worker tuning, from BENCH_* variables. */
import path from 'node:path';
import { BENCH_TUNING } from './tuning';

export const WORKFLOWS = Number(process.env.BENCH_WORKFLOWS ?? 400);
export const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
/** Rounds of the checkout and the two baselines; the goals take the median round's ratios. */
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1)
  throw new Error(`BENCH_ROUNDS: "${process.env.BENCH_ROUNDS}" is not a whole number ≥ 1`);
export const WARM_UP = 20;
/**
 * The engine's floor for a checkout: one activity per external side effect the business must make
 * up to the customer's confirmation (DOMAIN.md): the charge, the confirmation email, and the events
 * it names up to `order.paid`. The minimal-shape baseline runs a no-op workflow with this many.
 */
export const MINIMAL_SIDE_EFFECTS = [
  'Stripe charge',
  'confirmation email (SendGrid)',
  'order.received',
  'order.accepted',
  'order.paid',
] as const;
/** Whether to run the checkout and the baseline on Temporal's server with PostgreSQL too. */
export const ON_POSTGRES = process.env.BENCH_POSTGRES !== '0';
export const PACED_SHARE = Number(process.env.BENCH_PACED_SHARE ?? 0.7);
/** Seconds of paced traffic. */
export const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 30);
export const COMPILED = {
  worker: 'dist/worker.js',
  api: 'dist/api/server.js',
  noopWorker: 'dist/bench/noop-worker.js',
  memoryProbe: 'dist/bench/memory-probe.js',
};
export const BUNDLE = path.resolve(__dirname, '..', 'dist', 'workflow-bundle.js');
/**
 * Open orders at each memory step: issue 19's goal, from 1,000 to 50,000. New orders are admitted
 * as the stack takes them (bench/experiments/open-processes.ts): about 25 a second on the
 * development machine, so the 50,000 step takes about half an hour.
 */
export const OPEN_STEPS = (process.env.BENCH_OPEN_STEPS ?? '1000,10000,50000')
  .split(',')
  .filter(Boolean)
  .map(Number);
export const SECRET = 'bench-secret-long-enough-for-hs256-signing';
export const RESULTS = path.join(__dirname, 'results');
/** The results' file name: bench/results/<BENCH_NAME>.{json,md,svg}. */
export const NAME = process.env.BENCH_NAME ?? 'latest';
if (!/^[\w.-]+$/.test(NAME)) throw new Error(`BENCH_NAME: "${NAME}" is not a plain file name`);

/** Node flags for the app's worker process only (e.g. --max-old-space-size=1024). */
export const WORKER_NODE_OPTIONS = process.env.BENCH_WORKER_NODE_OPTIONS;
export const tuning: Record<string, string> =
  process.env.BENCH_TUNING === 'sdk'
    ? {}
    : Object.fromEntries(Object.entries(BENCH_TUNING).map(([k, v]) => [k, process.env[k] ?? v]));

export const say = (line: string): void => console.log(`[bench] ${line}`);
export const MiB = (bytes: number): number => bytes / 2 ** 20;
