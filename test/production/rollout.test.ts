/**
 * A release on the production shape with Worker Versioning, as the runbook does it
 * (docs/operations.md, "Releasing a new build"): orders and a leave request open on the running
 * build; the next build's workers started beside the old ones; the next build made current; each
 * open process finishing on the right build (a checkout pinned to the build that started it, the
 * leave request moving to the new one through `patched()`); the old build drained and its workers
 * stopped; and the replay gate refusing the same leave change without its guard.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { signToken, type Role } from '../../api/auth';
import {
  deploymentStatus,
  drainVerdict,
  makeCurrent,
  resolveBuildId,
} from '../../infrastructure/worker-deployment';
import { startProductionStack, type ProductionStack } from '../../scripts/production/stack';
import { replayVerdict } from '../../scripts/replay';
import { callApi, type Answer } from '../helpers/api-server';
import { killLeftovers, until } from '../helpers/processes';

const SECRET = 'production-rollout-secret-long-enough-for-hs256!';

async function bundle(workflowsPath: string, outFile: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  fs.writeFileSync(outFile, code);
  return outFile;
}

/** The build of each completed workflow task, in order. */
async function buildsOf(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) =>
    e.workflowTaskCompletedEventAttributes
      ? [e.workflowTaskCompletedEventAttributes.deploymentVersion?.buildId ?? 'unversioned']
      : [],
  );
}

describe('a release with Worker Versioning on the production shape', () => {
  let stack: ProductionStack;
  let connection: Connection;
  let client: Client;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'production-rollout-'));
  fs.chmodSync(folder, 0o755); // PostgreSQL's own user must reach the stack's folder inside it

  before(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') }); // the replays below, quietly
    stack = await startProductionStack({
      dataDir: path.join(folder, 'stack'),
      jwtSecret: SECRET,
      env: { ORDER_REMORSE_WINDOW: '2s', RETURN_WINDOW: '4s', SENDGRID_API_KEY: '' },
    });
    connection = await Connection.connect({ address: stack.temporal.address });
    client = new Client({ connection, namespace: 'default' });
  });

  after(async () => {
    await connection?.close();
    await stack?.stop();
    killLeftovers();
  });

  async function call(
    method: string,
    url: string,
    as: Role,
    body?: unknown,
    sub = `${as}-1`,
  ): Promise<Answer> {
    const token = await signToken(SECRET, { role: as, sub });
    return callApi(stack.apis[0]!.base, method, url, { token, body });
  }
  async function place(orderId: string): Promise<void> {
    const answer = await call('POST', '/orders', 'storefront', {
      orderId,
      customer: { id: `c-${orderId}`, email: `${orderId}@example.com` },
      items: [{ sku: 'lamp', quantity: 1, unitPrice: 2_500 }],
      currency: 'usd',
      paymentMethod: 'pm_card_visa',
    });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
  }
  const statusOf = async (orderId: string) =>
    String((await call('GET', `/orders/${orderId}`, 'support')).body.status);
  const reaches = (orderId: string, status: string) =>
    until(`${orderId} to be ${status}`, async () => (await statusOf(orderId)) === status, 60_000);
  async function askForLeave(employee: string): Promise<string> {
    const answer = await call(
      'POST',
      '/leave-requests',
      'employee',
      { days: 27, startDate: inDays(40) },
      employee,
    );
    assert.equal(answer.body.status, 'PendingApproval', JSON.stringify(answer.body));
    return String(answer.body.requestId);
  }
  const behaviorOf = async (workflowId: string) => {
    const { raw } = await client.workflow.getHandle(workflowId).describe();
    const behavior = Number(raw.workflowExecutionInfo?.versioningInfo?.behavior ?? 0);
    return ['UNSPECIFIED', 'PINNED', 'AUTO_UPGRADE'][behavior];
  };
  const memoOf = async (workflowId: string) =>
    (await client.workflow.getHandle(workflowId).describe()).memo ?? {};

  it('open processes finish on the right build; the old build drains; an unguarded change is refused', async () => {
    const old = stack.deployment;
    // Open on the running build: a paid order waiting for the warehouse, a leave request waiting for its manager.
    await place('r-open');
    await reaches('r-open', 'Paid');
    const leaveId = await askForLeave('ella');
    const leave = client.workflow.getHandle(`leave-${leaveId}`);
    // The behavior each declares (workflows/versioning.ts), as the server recorded it.
    assert.equal(await behaviorOf('order-r-open'), 'PINNED');
    assert.equal(await behaviorOf(leave.workflowId), 'AUTO_UPGRADE');
    const openLeaveHistory = await leave.fetchHistory();

    // The next build, started beside the old one and made current.
    const nextBundle = await bundle(require.resolve('./next-build/workflows'), path.join(folder, 'next.js'));
    const next = { deploymentName: old.deploymentName, buildId: resolveBuildId('auto', nextBundle) };
    assert.notEqual(next.buildId, old.buildId);
    const env = { WORKFLOW_BUNDLE: nextBundle, WORKER_BUILD_ID: 'auto' };
    const nextWorkers = [await stack.startWorker(env), await stack.startWorker(env)];
    await makeCurrent(client, next);
    const status = await deploymentStatus(client, old.deploymentName);
    assert.equal(status.current, next.buildId);

    // New work starts on the next build.
    await place('r-new');
    await reaches('r-new', 'Paid');
    assert.equal((await memoOf('order-r-new')).build, 'next');
    const newLeaveId = await askForLeave('ella');
    assert.equal((await memoOf(`leave-${newLeaveId}`)).build, 'next');

    // The pinned checkout keeps the old build: it keeps the old workers from stopping until it ends.
    assert.equal((await drainVerdict(client, old)).drained, false);
    assert.equal((await call('POST', '/orders/r-open/shipment', 'warehouse', {})).status, 202);
    await reaches('r-open', 'Completed');
    const openBuilds = await buildsOf(client.workflow.getHandle('order-r-open'));
    assert.deepEqual(
      [...new Set(openBuilds)],
      [old.buildId],
      'every task of the open checkout on the old build',
    );
    assert.equal((await memoOf('order-r-open')).build, undefined);

    // The leave request moves: the manager's approval runs on the next build, which replays its
    // start on the old path (no memo) because the change is guarded.
    const approved = await call('POST', `/leave-requests/${leaveId}/approve`, 'manager', {}, 'mia');
    assert.equal(approved.body.status, 'Approved', JSON.stringify(approved.body));
    const leaveBuilds = await buildsOf(leave);
    assert.equal(leaveBuilds[0], old.buildId, 'the leave request started on the old build');
    assert.equal(leaveBuilds.at(-1), next.buildId, 'and was approved on the next one');
    assert.equal((await memoOf(`leave-${leaveId}`)).build, undefined);

    // Drained once nothing pinned to it is open (visibility catches up within seconds).
    await until('the old build to drain', async () => (await drainVerdict(client, old)).drained, 30_000);
    for (const worker of stack.workers) await worker.stop();
    stack.workers.splice(0, stack.workers.length, ...nextWorkers);
    await place('r-after');
    await reaches('r-after', 'Paid');
    assert.deepEqual(
      [...new Set(await buildsOf(client.workflow.getHandle('order-r-after')))],
      [next.buildId],
    );

    // The replay gate: the leave change with its guard carries the old history on; without, refused.
    const unguarded = await bundle(
      require.resolve('./next-build/unguarded'),
      path.join(folder, 'unguarded.js'),
    );
    const guardedVerdict = await replayVerdict(openLeaveHistory, leave.workflowId, {
      workflowBundle: { codePath: nextBundle },
    });
    assert.ok(guardedVerdict.carriesOn, guardedVerdict.words);
    const unguardedVerdict = await replayVerdict(openLeaveHistory, leave.workflowId, {
      workflowBundle: { codePath: unguarded },
    });
    assert.equal(
      unguardedVerdict.carriesOn,
      false,
      'an unguarded change to an auto-upgrading workflow is refused',
    );
  });
});

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}
