/**
 * The stack the back-office suites (API and browser) run against: a Temporal dev server, one SQLite
 * store with the sample organisation, and two workers and two APIs sharing it. Orders placed on the
 * quick queue leave their remorse window at once (payment follows); orders on the slow queue stay in
 * their hour-long window, for managers to answer. Leave runs on the quick queue.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import {
  createDevMailer,
  createDevPaymentGateway,
  createDevPublisher,
  DevRecorder,
} from '../../activities/dev-adapters';
import { createLeaveActivities } from '../../activities/leave';
import type { PaymentGateway } from '../../activities/ports';
import type { LeaveStore, OrderStore } from '../../store';
import { SEED_ORGANISATION } from '../../store/seed-organisation';
import { openSqliteLeaveStore } from '../../store/sqlite-leave-store';
import { openSqliteOrderStore } from '../../store/sqlite-order-store';
import { runWorker, serveApi } from './api-server';
import { TEST_SETTINGS } from './checkout-scenario';
import { devServerEnv, workflowBundle } from './temporal';

export interface BackOfficeStack {
  env: TestWorkflowEnvironment;
  store: OrderStore;
  leaveStore: LeaveStore;
  /** The API (and the back office) starting orders and leave on the quick queue. */
  base: string;
  /** The same store and Temporal, starting orders on the slow queue. */
  slowBase: string;
  close(): Promise<void>;
}

export async function startBackOfficeStack(options: {
  name: string;
  jwtSecret: string;
  /** The payment adapter; the development one (declines "declin…" methods) by default. */
  payments?: PaymentGateway;
  devSignIn?: boolean;
  quickWindowMs?: number;
}): Promise<BackOfficeStack> {
  const env = await devServerEnv();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${options.name}-`));
  const db = path.join(dir, 'app.db');
  const store = openSqliteOrderStore(db);
  const leaveStore = openSqliteLeaveStore(db);
  await leaveStore.seedIfEmpty(SEED_ORGANISATION);
  const recorder = new DevRecorder(dir, () => undefined);
  const payments = options.payments ?? createDevPaymentGateway(recorder);
  const bundle = await workflowBundle();
  const closers: (() => Promise<void>)[] = [];
  const bases: string[] = [];
  for (const [taskQueue, window] of [
    [`${options.name}-quick`, options.quickWindowMs ?? 500],
    [`${options.name}-slow`, 3_600_000],
  ] as const) {
    const worker = await runWorker({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: {
        ...createActivities({
          store,
          payments,
          mailer: createDevMailer(recorder),
          events: createDevPublisher(recorder),
          settings: { ...TEST_SETTINGS, orderRemorseWindowMs: window },
          fromEmail: 'orders@example.com',
        }),
        ...createLeaveActivities({
          leaveStore,
          mailer: createDevMailer(recorder),
          events: createDevPublisher(recorder),
          settings: { reminderAfterMs: 2 * 86_400_000, yearStart: '01-01' },
          fromEmail: 'people@example.com',
        }),
      },
    });
    const api = await serveApi({
      client: env.client,
      store,
      taskQueue,
      jwtSecret: options.jwtSecret,
      devSignIn: options.devSignIn ?? false,
      leave: { store: leaveStore, yearStart: '01-01' },
    });
    closers.push(worker.stop, api.close);
    bases.push(api.base);
  }
  return {
    env,
    store,
    leaveStore,
    base: bases[0]!,
    slowBase: bases[1]!,
    async close() {
      for (const close of closers.reverse()) await close();
      await leaveStore.close();
      await store.close();
      await env.teardown();
    },
  };
}
