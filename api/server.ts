/**
 * The API server: a thin composition root. Reads configuration once, connects to Temporal and the
 * store, serves on PORT, and on SIGINT/SIGTERM stops taking requests, lets those in flight finish,
 * then closes its connections.
 */
import '../observability/instrument'; // first: it instruments `http` before Express loads it
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { dataConverterFor } from '../infrastructure/encryption';
import { createLogger } from '../infrastructure/logging';
import { startTracing, type Tracing } from '../observability/tracing';
import { clientTracingInterceptors } from '../observability/temporal-tracing';
import { loadConfig } from '../config/settings';
import { resolveJwtSecret } from '../config/jwt-secret';
import { connectionOptions } from '../infrastructure/connection';
import { ensureSearchAttributes } from '../infrastructure/search-attributes';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/search-attributes';
import { bulkOrdersPerSecond } from '../domain/bulk-actions';
import {
  openBulkActionStore,
  openLeaveStore,
  openOrderStore,
  openRegistrationStore,
  openSessionStore,
  type RegistrationStore,
} from '../store';
import { createApp } from './app';
import { createCustomerProvider, customerIssuer } from '../identity-provider/customers';
import { escalationTools } from './escalation-links';
import { sweepExpiredSessions } from './session';
import { issuerVerifier } from './tokens';

/**
 * Orders start with their search attributes (the UI lists them from their first second), so the
 * namespace must have them: registered here as the worker does, in case no worker has run yet.
 */
function registerSearchAttributes(
  connection: Connection,
  namespace: string,
  logger: ReturnType<typeof createLogger>,
): void {
  ensureSearchAttributes(connection, namespace, SEARCH_ATTRIBUTE_KEYS).then(
    (added) => {
      if (added.length) logger.info(`registered search attributes ${added.join(', ')}`);
    },
    (err: unknown) => {
      logger.warn('search attributes not checked', { error: String(err) });
    },
  );
}

/** The customer provider's expired rows and stale failure counts, every quarter of an hour. */
function sweepCustomerIdentity(registrations: RegistrationStore): void {
  const sweep = () => void registrations.sweepCustomerIdentity(Date.now()).catch(() => undefined);
  setInterval(sweep, 15 * 60_000).unref();
}

/** The shop's own customer identity provider, in this process (its state in the database). */
async function customerIdentityOf(publicUrl: string, registrations: RegistrationStore) {
  return {
    provider: await createCustomerProvider({
      publicUrl,
      store: registrations,
      // `npm run token -- customer` signs in through a loopback client: on a laptop only.
      cliClient: ['127.0.0.1', 'localhost'].includes(new URL(publicUrl).hostname),
    }),
    issuer: customerIssuer(publicUrl),
  };
}

/** Temporal's client, each call carrying the request's trace context into the workflow. */
async function temporalClientOf(config: ReturnType<typeof loadConfig>, tracing: Tracing) {
  const connection = await Connection.connect(connectionOptions(config.temporal));
  const dataConverter = dataConverterFor(config.encryptionKeys);
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter,
    interceptors: { workflow: clientTracingInterceptors(tracing) },
  });
  return { connection, dataConverter, client };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.log, 'api');
  const tracing = startTracing(config.otel, 'api', 'nowhere');
  logger.info(tracing.summary);
  const issuer = config.auth.issuer;
  const secret = issuer ? undefined : resolveJwtSecret(config);
  const store = openOrderStore(config);
  const leaveStore = openLeaveStore(config);
  const sessionStore = openSessionStore(config);
  const registrations = openRegistrationStore(config);
  const bulkActions = openBulkActionStore(config);
  sweepExpiredSessions(sessionStore);
  sweepCustomerIdentity(registrations);
  const publicUrl = config.auth.publicUrl ?? `http://127.0.0.1:${config.port}`;
  const { connection, dataConverter, client } = await temporalClientOf(config, tracing);
  registerSearchAttributes(connection, config.temporal.namespace, logger);
  const customerIdentity = await customerIdentityOf(publicUrl, registrations);
  const app = createApp({
    client,
    store,
    taskQueue: config.temporal.taskQueue,
    tokens: issuer ? issuerVerifier(issuer) : undefined,
    jwtSecret: secret?.secret,
    sessions: {
      store: sessionStore,
      ttlMs: config.auth.sessionTtlMs,
      publicUrl,
      signIn:
        issuer?.clientId !== undefined
          ? { issuer, clientId: issuer.clientId, clientSecret: issuer.clientSecret, scopes: issuer.scopes }
          : undefined,
      tools: escalationTools({ ...config.links, namespace: config.temporal.namespace }),
    },
    requestLog: logger,
    log: (message, err) => {
      logger.error(message, { error: err instanceof Error ? err : String(err) });
    },
    leave: {
      store: leaveStore,
      yearStart: config.leave.yearStart,
      payrollCurrency: config.leave.payrollCurrency,
    },
    registrations,
    customerIdentity,
    passwordResetWithinMs: config.registration.passwordResetWithinMs,
    // Orders carry the settings they are placed under: the same environment as the worker's.
    checkout: config.checkout,
    bulkActions: {
      store: bulkActions,
      ordersPerSecond: bulkOrdersPerSecond(config.stripe.maxRequestsPerSecond),
    },
    codec: dataConverter.payloadCodecs
      ? { codec: dataConverter.payloadCodecs[0]!, corsOrigins: config.codecCorsOrigins }
      : undefined,
  });

  const server = app.listen(config.port, (err?: Error) => {
    // Express calls back on a failed listen too (the port taken, no permission): say so plainly.
    if (err) {
      const code = (err as NodeJS.ErrnoException).code;
      logger.error(
        code === 'EADDRINUSE'
          ? `port ${config.port} is already in use: stop what holds it, or set PORT to another`
          : `could not listen on port ${config.port}`,
        { error: err },
      );
      process.exit(1);
    }
    const { port } = server.address() as AddressInfo;
    logger.info(
      `listening on http://127.0.0.1:${port} (${issuer ? `tokens from the issuer ${issuer.issuer}` : `tokens signed with the ${secret?.source}`})`,
    );
    logger.info(`the back office: http://127.0.0.1:${port}/`);
  });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: finishing requests in flight, then stopping`);
    server.close(() => {
      void Promise.allSettled([
        connection.close(),
        store.close(),
        leaveStore.close(),
        sessionStore.close(),
        registrations.close(),
        bulkActions.close(),
      ])
        .then(() => tracing.shutdown())
        .then(() => process.exit(0));
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  // A last net, not the first: every route and middleware is async and Express 5 answers whatever
  // they throw, so no request should reach this. If one does, it is a defect to log and fix, not a
  // reason to drop every other request in flight.
  process.on('unhandledRejection', (reason) => {
    logger.error('an unhandled rejection (a defect: the process goes on serving)', {
      error: reason instanceof Error ? reason : String(reason),
    });
  });
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  createLogger(
    { level: 'ERROR', format: process.env.LOG_FORMAT === 'pretty' ? 'pretty' : 'json' },
    'api',
  ).error('could not start', {
    error: err instanceof Error ? err : String(err),
  });
  process.exit(1);
});
