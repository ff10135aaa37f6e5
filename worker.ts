/**
 * The worker: a thin composition root. Reads configuration once, builds the adapters and the
 * store, and runs the workflows and activities on the task queue until SIGINT/SIGTERM.
 */
import './observability/instrument'; // first: it instruments `http` before any client loads it
import { Client } from '@temporalio/client';
import { makeTelemetryFilterString, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createCheckoutActivities, stripeActivitiesOf } from './activities/checkout';
import { createBulkActionActivities } from './activities/checkout/bulk-actions';
import { paymentGatewayFor } from './activities/checkout/payments';
import { createLeaveActivities } from './activities/leave';
import { createRegistrationActivities } from './activities/registration';
import { createPasswordResetActivities } from './activities/password-reset';
import { createAdapters } from './activities/adapters';
import { stripeWorkerConcurrency } from './domain/bulk-actions';
import { dataConverterFor } from './infrastructure/encryption';
import { createLogger } from './infrastructure/logging';
import { startTracing } from './observability/tracing';
import { clientTracingInterceptors, workerTracingOptions } from './observability/temporal-tracing';
import { definedWorkerTuning, loadConfig } from './config/settings';
import { ensureSearchAttributes } from './infrastructure/search-attributes';
import { SEARCH_ATTRIBUTE_KEYS } from './workflows/search-attributes';
import { connectionOptions } from './infrastructure/connection';
import { workflowCode } from './infrastructure/workflow-code';
import { resolveBuildId } from './infrastructure/worker-deployment';
import { openBulkActionStore, openLeaveStore, openOrderStore, openRegistrationStore } from './store';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.log, 'worker');
  const tracing = startTracing(config.otel, 'worker', 'temporal');
  // One logger for everything the worker says, the SDK's core included; workflow logs arrive
  // here replay-aware, with their workflow and run ids.
  Runtime.install({
    logger,
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN' }) },
      metrics: config.workerMetricsAddress
        ? { prometheus: { bindAddress: config.workerMetricsAddress } }
        : undefined,
    },
  });
  if (config.workerMetricsAddress)
    logger.info(`SDK metrics for Prometheus on http://${config.workerMetricsAddress}/metrics`);
  const store = openOrderStore(config);
  const leaveStore = openLeaveStore(config);
  const registrations = openRegistrationStore(config);
  const bulkActions = openBulkActionStore(config);
  const adapters = createAdapters(config);
  const { payments, summary } = paymentGatewayFor(config.stripe, adapters.recorder);
  for (const line of [summary, ...adapters.summary, tracing.summary]) logger.info(line);
  const traced = workerTracingOptions(tracing);

  const connection = await NativeConnection.connect(connectionOptions(config.temporal));
  try {
    const added = await ensureSearchAttributes(connection, config.temporal.namespace, SEARCH_ATTRIBUTE_KEYS);
    if (added.length) logger.info(`registered search attributes ${added.join(', ')}`);
    const code = workflowCode(undefined, config.workflowBundlePath);
    logger.info(`workflow code: ${code.description}`);
    const version = config.deployment && {
      deploymentName: config.deployment.name,
      buildId: resolveBuildId(config.deployment.buildId, code.bundlePath),
    };
    logger.info(
      version
        ? `Worker Versioning: deployment ${version.deploymentName}, build ${version.buildId} (new workflows reach it once it is current: npm run release)`
        : 'unversioned worker (set WORKER_BUILD_ID for Worker Versioning)',
    );
    logger.info(
      config.encryptionKeys
        ? `payloads encrypted (AES-256-GCM) with key ${config.encryptionKeys[0]!.id}; ${config.encryptionKeys.length} key(s) can decrypt`
        : 'payloads are plain JSON: set PAYLOAD_ENCRYPTION_KEYS to encrypt them',
    );
    const dataConverter = dataConverterFor(config.encryptionKeys);
    const workerDeploymentOptions = version && {
      useWorkerVersioning: true as const,
      version,
      // Each workflow declares its own (workflows/versioning.ts); this is for one that forgets.
      defaultVersioningBehavior: 'PINNED' as const,
    };
    const checkoutActivities = createCheckoutActivities({
      store,
      payments,
      mailer: adapters.mailer,
      events: adapters.events,
      settings: config.checkout,
      fromEmail: config.sendgrid.fromEmail,
      backOfficeUrl: config.registration.publicUrl,
    });
    // Bulk actions message orders through Temporal's client, on this worker's connection.
    const client = new Client({
      connection,
      namespace: config.temporal.namespace,
      dataConverter,
      interceptors: { workflow: clientTracingInterceptors(tracing) },
    });
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      ...code.options,
      interceptors: { ...code.options.interceptors, ...traced.interceptors },
      sinks: traced.sinks,
      dataConverter,
      ...definedWorkerTuning(config.worker),
      workerDeploymentOptions,
      activities: {
        ...checkoutActivities,
        ...createBulkActionActivities({
          client,
          orders: store,
          bulkActions,
          log: (message: string, err?: unknown) => {
            logger.warn(message, { error: err instanceof Error ? err : String(err) });
          },
        }),
        ...createLeaveActivities({
          leaveStore,
          mailer: adapters.mailer,
          events: adapters.events,
          settings: config.leave,
          fromEmail: config.sendgrid.fromEmail,
          backOfficeUrl: config.registration.publicUrl,
        }),
        ...createRegistrationActivities({
          registrations,
          mailer: adapters.mailer,
          events: adapters.events,
          settings: {
            confirmWithinMs: config.registration.confirmWithinMs,
            sideEffectAlertAfterMs: config.registration.sideEffectAlertAfterMs,
          },
          fromEmail: config.sendgrid.fromEmail,
          supportEmail: config.registration.supportEmail,
          publicUrl: config.registration.publicUrl,
        }),
        ...createPasswordResetActivities({
          registrations,
          mailer: adapters.mailer,
          fromEmail: config.sendgrid.fromEmail,
          publicUrl: config.registration.publicUrl,
        }),
      },
    });
    // Every Stripe request of every worker passes one limit: the Stripe queue's, which Temporal's
    // server holds for all its workers together. New customers' charges go first (priority).
    const stripeQueue = config.checkout.paymentsTaskQueue!;
    const stripeWorker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: stripeQueue,
      dataConverter,
      workerDeploymentOptions,
      interceptors: traced.interceptors,
      activities: stripeActivitiesOf(checkoutActivities),
      maxTaskQueueActivitiesPerSecond: config.stripe.maxRequestsPerSecond,
      // The backlog waits in Temporal's matching service, in priority order, not in this worker.
      maxConcurrentActivityTaskExecutions: stripeWorkerConcurrency(config.stripe.maxRequestsPerSecond),
    });
    logger.info(
      `polling task queues "${config.temporal.taskQueue}" and "${stripeQueue}" (Stripe, ${config.stripe.maxRequestsPerSecond} requests a second for all workers) on ${connectionOptions(config.temporal).address}`,
    );
    // Either one stopping stops the other; the stores close once both have finished their work.
    const ran = await Promise.allSettled([
      worker.run().finally(() => stripeWorker.getState() === 'RUNNING' && stripeWorker.shutdown()),
      stripeWorker.run().finally(() => worker.getState() === 'RUNNING' && worker.shutdown()),
    ]);
    const failed = ran.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    await adapters.events.close();
    await bulkActions.close();
    await store.close();
    await leaveStore.close();
    await registrations.close();
    await connection.close();
    await tracing.shutdown();
  }
}

main().catch((err: unknown) => {
  createLogger(
    { level: 'ERROR', format: process.env.LOG_FORMAT === 'pretty' ? 'pretty' : 'json' },
    'worker',
  ).error('stopped', {
    error: err instanceof Error ? err : String(err),
  });
  process.exit(1);
});
