/**
 * The API server: a thin composition root. Reads configuration once, connects to Temporal and the
 * store, serves on PORT, and on SIGINT/SIGTERM stops taking requests, lets those in flight finish,
 * then closes its connections.
 */
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { dataConverterFor } from '../config/encryption';
import { createLogger } from '../config/logging';
import { loadConfig } from '../config/settings';
import { resolveJwtSecret } from '../config/jwt-secret';
import { connectionOptions } from '../config/temporal';
import { openLeaveStore, openOrderStore } from '../store';
import { createApp } from './app';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.log, 'api');
  const { secret, source } = resolveJwtSecret(config);
  const store = openOrderStore(config);
  const leaveStore = openLeaveStore(config);
  const connection = await Connection.connect(connectionOptions(config.temporal));
  const dataConverter = dataConverterFor(config.encryptionKeys);
  const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter });
  const app = createApp({
    client,
    store,
    taskQueue: config.temporal.taskQueue,
    jwtSecret: secret,
    // The back office's development sign-in: only with the development identity `npm start` makes.
    devSignIn: source !== 'AUTH_JWT_SECRET',
    log: (message, err) => {
      logger.error(message, { error: err instanceof Error ? err : String(err) });
    },
    leave: { store: leaveStore, yearStart: config.leave.yearStart },
    codec: dataConverter.payloadCodecs
      ? { codec: dataConverter.payloadCodecs[0]!, corsOrigins: config.codecCorsOrigins }
      : undefined,
  });

  const server = app.listen(config.port, () => {
    const { port } = server.address() as AddressInfo;
    logger.info(`listening on http://127.0.0.1:${port} (tokens signed with the ${source})`);
    logger.info(`the back office: http://127.0.0.1:${port}/`);
  });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: finishing requests in flight, then stopping`);
    server.close(() => {
      void Promise.allSettled([connection.close(), store.close(), leaveStore.close()]).then(() =>
        process.exit(0),
      );
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 10_000).unref();
  };
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
