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
import { workflowCode } from './config/workflow-code';
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
    const code = workflowCode();
    console.log(`[worker] workflow code: ${code.description}`);
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      ...code.options,
      ...definedOnly(config.worker),
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

/** Tuning the environment left unset keeps the SDK's default. */
function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

main().catch((err: unknown) => {
  console.error('[worker] stopped:', err);
  process.exit(1);
});
