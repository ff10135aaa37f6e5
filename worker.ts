/**
 * The worker: a thin composition root. Reads configuration once, builds the adapters and the
 * store, and runs the workflows and activities on the task queue until SIGINT/SIGTERM.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from './activities';
import { createLeaveActivities } from './activities/leave';
import { createAdapters } from './activities/adapters';
import { loadConfig } from './config/settings';
import { ensureSearchAttributes } from './config/search-attributes';
import { connectionOptions } from './config/temporal';
import { openLeaveStore, openOrderStore } from './store';

async function main(): Promise<void> {
  const config = loadConfig();
  const store = openOrderStore(config);
  const leaveStore = openLeaveStore(config);
  const adapters = createAdapters(config);
  for (const line of adapters.summary) console.log(`[worker] ${line}`);

  const connection = await NativeConnection.connect(connectionOptions(config.temporal));
  try {
    const added = await ensureSearchAttributes(connection, config.temporal.namespace);
    if (added.length) console.log(`[worker] registered search attributes ${added.join(', ')}`);
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      workflowsPath: require.resolve('./workflows'),
      activities: {
        ...createActivities({
          store,
          payments: adapters.payments,
          mailer: adapters.mailer,
          events: adapters.events,
          settings: config.checkout,
          fromEmail: config.sendgrid.fromEmail,
        }),
        ...createLeaveActivities({
          leaveStore,
          mailer: adapters.mailer,
          events: adapters.events,
          settings: config.leave,
          fromEmail: config.sendgrid.fromEmail,
        }),
      },
    });
    console.log(
      `[worker] polling task queue "${config.temporal.taskQueue}" on ${connectionOptions(config.temporal).address}`,
    );
    await worker.run();
  } finally {
    await adapters.events.close();
    await store.close();
    await leaveStore.close();
    await connection.close();
  }
}

main().catch((err: unknown) => {
  console.error('[worker] stopped:', err);
  process.exit(1);
});
