/** Temporal test environments on the servers scripts/servers.ts resolves (no downloads). */
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../infrastructure/workflow-code';
import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  makeTelemetryFilterString,
  Runtime,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../../scripts/servers/temporal-cli';
import { resolveTemporalCli, resolveTestServer } from '../../scripts/servers';
import { ensureSearchAttributes } from '../../infrastructure/search-attributes';
import { SEARCH_ATTRIBUTE_KEYS } from '../../workflows/search-attributes';
import type { OrderStatus, OrderView } from '../../domain/checkout';
import { orderStatusQuery } from '../../workflows/checkout/messages';

let runtimeInstalled = false;
/** Expected failures (declines, outages) are what these tests are about: log only errors. */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }), forward: {} } },
    });
  } catch {
    // A test file installed its own runtime (to read the logs, say): keep it.
  }
}

export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const server = await resolveTestServer();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: server.path } },
  });
  await ensureSearchAttributes(env.connection, env.namespace ?? 'default', SEARCH_ATTRIBUTE_KEYS);
  return env;
}

export async function devServerEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const cli = resolveTemporalCli();
  if (!cli) throw new Error('the Temporal CLI is needed for this test (run it through `npm test`)');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: cli.path },
      extraArgs: DEV_SERVER_DYNAMIC_CONFIG.flatMap((setting) => ['--dynamic-config-value', setting]),
    },
  });
  await ensureSearchAttributes(env.connection, env.namespace ?? 'default', SEARCH_ATTRIBUTE_KEYS);
  return env;
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per test process. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    // As the worker runs it: with the tracing interceptors (replays show they change no path).
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: new DefaultLogger('WARN'),
  });
  return bundle;
}

/**
 * Polls the order's query until it shows `status`, for at most 30 s of real time (a loaded CI
 * machine can take several seconds for the few workflow tasks a step needs).
 */
export async function waitForStatus(handle: WorkflowHandle, status: OrderStatus): Promise<OrderView> {
  let last: OrderView | undefined;
  for (let i = 0; i < 600; i++) {
    last = await handle.query(orderStatusQuery);
    if (last.status === status) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`order never reached ${status}; it is ${last?.status}`);
}

/** With CAPTURE_HISTORIES=1, stores the run's history for the replay suite. */
export async function captureHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.CAPTURE_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  const file = path.join(__dirname, '..', 'histories', `${name}.json`);
  // The same JSON the Temporal UI and CLI export, so a history downloaded from a server can be
  // dropped in beside these.
  fs.writeFileSync(file, historyToJSON(history));
}
