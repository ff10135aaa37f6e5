/** Experiment 1, the engine baseline: a no-op workflow with as many no-op activities as a checkout, started with the raw client. */
import { freePort } from '../../scripts/net';
import { cpuMs, startNodeProcess } from '../../scripts/processes';
import { counterValue, type ThroughputRun } from '../report';

import { CLIENTS, COMPILED, say, tuning, WORKFLOWS } from '../settings';
import { freshTemporal, measure, scrape, SERVER_WORDS, type BenchServer } from '../harness';

/** (1) The no-op workflow, `activities` no-op activities each, started with the raw client. */
export async function baseline(
  server: BenchServer,
  activities: number,
  pacedPerSecond: number,
  /** `minimal`: the engine's floor, one activity per required side effect (MINIMAL_SIDE_EFFECTS). */
  shape: 'same' | 'minimal' = 'same',
): Promise<ThroughputRun> {
  const where =
    server === 'file' ? 'SQLite file, WAL' : server === 'memory' ? 'in memory' : SERVER_WORDS[server];
  const label =
    shape === 'minimal' ? `minimal shape (${activities} activities, ${where})` : `engine baseline (${where})`;
  say(
    `${label}: ${WORKFLOWS} workflows × ${activities} activities, ${CLIENTS} clients; then ${pacedPerSecond.toFixed(1)}/s paced`,
  );
  const temporal = await freshTemporal(server);
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
      cpu: { ...temporal.cpu, worker: () => cpuMs(worker.child.pid!) },
      client: temporal.client,
      historyEvents: async (id) =>
        (await temporal.client.workflow.getHandle(id).fetchHistory()).events?.length ?? 0,
    });
  } finally {
    await worker.stop();
    await temporal.close();
  }
}
