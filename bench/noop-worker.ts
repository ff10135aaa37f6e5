/**
 * The engine baseline's worker: the no-op workflow and activity, with the same connection, worker
 * tuning (WORKER_*) and SDK metrics (WORKER_METRICS_ADDRESS) as `worker.ts`, so the two differ
 * only in what the workflow and its activities do.
 */
import { NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { definedWorkerTuning, loadConfig } from '../config/settings';
import { connectionOptions } from '../infrastructure/connection';
import { noopActivities } from './noop-activities';

async function main(): Promise<void> {
  const config = loadConfig();
  Runtime.install({
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN' }) },
      metrics: config.workerMetricsAddress
        ? { prometheus: { bindAddress: config.workerMetricsAddress } }
        : undefined,
    },
  });
  const connection = await NativeConnection.connect(connectionOptions(config.temporal));
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: require.resolve('./noop-workflow'),
    activities: noopActivities,
    ...definedWorkerTuning(config.worker),
  });
  console.log(`polling task queue "${config.temporal.taskQueue}"`);
  await worker.run();
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
