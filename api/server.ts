/**
 * The API server: a thin composition root. Reads configuration once, connects to Temporal and the
 * store, serves on PORT, and on SIGINT/SIGTERM stops taking requests, lets those in flight finish,
 * then closes its connections.
 */
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config/settings';
import { resolveJwtSecret } from '../config/jwt-secret';
import { connectionOptions } from '../config/temporal';
import { openLeaveStore, openOrderStore } from '../store';
import { createApp } from './app';

async function main(): Promise<void> {
  const config = loadConfig();
  const { secret, source } = resolveJwtSecret(config);
  const store = openOrderStore(config);
  const leaveStore = openLeaveStore(config);
  const connection = await Connection.connect(connectionOptions(config.temporal));
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const app = createApp({
    client,
    store,
    taskQueue: config.temporal.taskQueue,
    jwtSecret: secret,
    leave: { store: leaveStore, yearStart: config.leave.yearStart },
  });

  const server = app.listen(config.port, () => {
    const { port } = server.address() as AddressInfo;
    console.log(`[api] listening on http://127.0.0.1:${port} (tokens signed with the ${source})`);
  });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`[api] ${signal}: finishing requests in flight, then stopping`);
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
  console.error('[api] could not start:', err);
  process.exit(1);
});
