/**
 * The worker tuning the benchmark runs with, and docker-compose.yml's worker too (a test checks they
 * agree). bench/TUNING.md says why each value is what it is.
 */
export const BENCH_TUNING: Readonly<Record<string, string>> = {
  WORKER_MAX_CACHED_WORKFLOWS: '500',
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '40',
  WORKER_MAX_CONCURRENT_ACTIVITIES: '100',
  WORKER_WORKFLOW_POLLERS: '8',
  WORKER_ACTIVITY_POLLERS: '8',
  WORKER_REUSE_V8_CONTEXT: 'true',
};
