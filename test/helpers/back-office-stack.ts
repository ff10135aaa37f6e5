/**
 * The stack the back-office suites (API and browser) run against: a Temporal dev server, one SQLite
 * store with the sample organisation, and two workers and two APIs sharing it. Orders placed on the
 * quick queue leave their remorse window at once (payment follows); orders on the slow queue stay in
 * their hour-long window, for managers to answer. Leave runs on the quick queue.
 */
import { escalationTools } from '../../api/escalation-links';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createCheckoutActivities } from '../../activities/checkout';
import { createBulkActionActivities } from '../../activities/checkout/bulk-actions';
import { openSqliteBulkActionStore } from '../../store/bulk-action-store';
import { createDevMailer, createDevPublisher, DevRecorder } from '../../activities/adapters/development';
import { createLeaveActivities } from '../../activities/leave';
import { createRegistrationActivities } from '../../activities/registration';
import { openSqliteRegistrationStore } from '../../store/registration-store';
import type { LeaveStore, OrderStore } from '../../store';
import { SEED_ORGANISATION } from '../../store/seed-organisation';
import { openSqliteLeaveStore } from '../../store/sql-leave-store';
import { openSqliteOrderStore } from '../../store/sql-order-store';
import type { AppDeps } from '../../api/app';
import { signToken } from '../../api/auth';
import { issuerVerifier } from '../../api/tokens';
import type { Role } from '../../domain/roles';
import { freePort } from '../../scripts/net';
import { openSqliteSessionStore } from '../../store/session-store';
import { runWorker, serveApi } from './api-server';
import { startTestIdentity, type TestIdentity } from './identity';
import { TEST_SETTINGS } from './checkout-scenario';
import { devServerEnv, workflowBundle } from './temporal';
import { createDevPaymentGateway } from '../../activities/checkout/payments';
import type { PaymentGateway } from '../../activities/checkout/types';

/** The engineers' tools the back office links support to (as npm start configures them). */
export const ESCALATION_LINKS = {
  traceViewerUrl: 'http://127.0.0.1:9411/zipkin',
  temporalUiUrl: 'http://127.0.0.1:8233',
  namespace: 'default',
};

export interface BackOfficeStack {
  env: TestWorkflowEnvironment;
  store: OrderStore;
  leaveStore: LeaveStore;
  /** What the development adapters recorded: the emails (their links), the events. */
  outbox: DevRecorder;
  /** The API (and the back office) starting orders and leave on the quick queue. */
  base: string;
  /** The same store and Temporal, starting orders on the slow queue. */
  slowBase: string;
  /** A bearer token the APIs accept: from the identity provider, or signed with the shared secret. */
  token(role: Role, sub?: string): Promise<string>;
  /** With `identity`: the OpenID provider people sign in at. */
  identity?: TestIdentity;
  /** Every back-office session ends now, as when its time is up. */
  expireSessions(): void;
  close(): Promise<void>;
}

export async function startBackOfficeStack(options: {
  name: string;
  /** Bearer tokens signed with this HS256 secret (the contract's test mode)… */
  jwtSecret?: string;
  /** …or from a real OpenID provider, where people sign in to the back office (the quick API). */
  identity?: boolean;
  /** The payment adapter; the development one (declines "declin…" methods) by default. */
  payments?: PaymentGateway;
  quickWindowMs?: number;
  /** The orders a bulk action acts on each second (Stripe's limit stands behind it in production). */
  bulkOrdersPerSecond?: number;
}): Promise<BackOfficeStack> {
  const env = await devServerEnv();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${options.name}-`));
  const db = path.join(dir, 'app.db');
  const store = openSqliteOrderStore(db);
  const leaveStore = openSqliteLeaveStore(db);
  await leaveStore.seedIfEmpty(SEED_ORGANISATION);
  const recorder = new DevRecorder(dir, () => undefined);
  const registrations = openSqliteRegistrationStore(db);
  const bulkActions = openSqliteBulkActionStore(db);
  const payments = options.payments ?? createDevPaymentGateway(recorder);
  const bundle = await workflowBundle();
  const closers: (() => Promise<void>)[] = [];
  const bases: string[] = [];
  const quickPort = await freePort();
  const publicUrl = `http://127.0.0.1:${quickPort}`;
  const identity = options.identity ? await startTestIdentity({ publicUrl }) : undefined;
  const sessionStore = openSqliteSessionStore(db);
  const auth: Pick<AppDeps, 'tokens' | 'jwtSecret'> = identity
    ? { tokens: issuerVerifier(identity.settings) }
    : { jwtSecret: options.jwtSecret };
  for (const [taskQueue, window] of [
    [`${options.name}-quick`, options.quickWindowMs ?? 500],
    [`${options.name}-slow`, 3_600_000],
  ] as const) {
    const worker = await runWorker({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: {
        ...createCheckoutActivities({
          store,
          payments,
          mailer: createDevMailer(recorder),
          events: createDevPublisher(recorder),
          settings: { ...TEST_SETTINGS, orderRemorseWindowMs: window },
          fromEmail: 'orders@example.com',
        }),
        ...createBulkActionActivities({ client: env.client, orders: store, bulkActions }),
        ...createLeaveActivities({
          leaveStore,
          mailer: createDevMailer(recorder),
          events: createDevPublisher(recorder),
          settings: { reminderAfterMs: 2 * 86_400_000, yearStart: '01-01' },
          fromEmail: 'people@example.com',
        }),
        ...createRegistrationActivities({
          registrations,
          mailer: createDevMailer(recorder),
          events: createDevPublisher(recorder),
          settings: { confirmWithinMs: 86_400_000, sideEffectAlertAfterMs: 900_000 },
          fromEmail: 'hello@example.com',
          supportEmail: 'support@example.com',
          publicUrl,
        }),
      },
    });
    const quick = bases.length === 0;
    const api = await serveApi(
      {
        client: env.client,
        store,
        taskQueue,
        ...auth,
        sessions: quick
          ? {
              store: sessionStore,
              ttlMs: 3_600_000,
              publicUrl,
              signIn: identity?.signIn,
              tools: escalationTools(ESCALATION_LINKS),
            }
          : undefined,
        leave: { store: leaveStore, yearStart: '01-01' },
        registrations,
        bulkActions: { store: bulkActions, ordersPerSecond: options.bulkOrdersPerSecond ?? 5 },
      },
      quick ? quickPort : 0,
    );
    closers.push(worker.stop, api.close);
    bases.push(api.base);
  }
  return {
    env,
    store,
    leaveStore,
    outbox: recorder,
    base: bases[0]!,
    slowBase: bases[1]!,
    identity,
    expireSessions() {
      const raw = new Database(db);
      raw.prepare('UPDATE back_office_sessions SET expires_at = 0').run();
      raw.close();
    },
    token: (role, sub) =>
      identity ? identity.token(role, sub) : signToken(options.jwtSecret!, { role, sub: sub ?? `${role}-1` }),
    async close() {
      for (const close of closers.reverse()) await close();
      await identity?.close();
      await sessionStore.close();
      await leaveStore.close();
      await registrations.close();
      await bulkActions.close();
      await store.close();
      await env.teardown();
    },
  };
}
