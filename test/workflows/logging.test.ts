/**
 * What the on-call engineer reads: the worker's structured log. Workflow and activity logs arrive
 * as JSON lines carrying the workflow and run ids, and a workflow's log lines are written once,
 * not again when the workflow is replayed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime } from '@temporalio/worker';
import { createLogger } from '../../infrastructure/logging';
import { cancelOrderSignal } from '../../workflows/checkout/messages';
import { CheckoutScenario, placedOrder, settle } from '../helpers/checkout-scenario';
import { timeSkippingEnv } from '../helpers/temporal';

const lines: Record<string, unknown>[] = [];
Runtime.install({
  logger: createLogger({ level: 'DEBUG', format: 'json' }, 'worker', (line) => {
    lines.push(JSON.parse(line) as Record<string, unknown>);
  }),
});

describe('structured logs', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await timeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  it('workflow and activity lines are JSON with the workflow and run ids, written once despite replays', async () => {
    const order = placedOrder();
    // No cache: every workflow task replays the history from the start.
    const scenario = new CheckoutScenario();
    const taskQueue = `logging-${order.orderId}`;
    const worker = await scenario.worker(env, taskQueue, { maxCachedWorkflows: 0 });
    const runId = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('checkoutWorkflow', {
        workflowId: `order-${order.orderId}`,
        taskQueue,
        args: [order],
      });
      await settle(handle); // the remorse window's timer is running
      await env.sleep('1h');
      await settle(handle); // accepted and paid
      await handle.signal(cancelOrderSignal, { requestedBy: 'test' });
      await handle.result();
      return handle.firstExecutionRunId;
    });
    const mine = lines.filter((l) => l.workflowId === `order-${order.orderId}`);
    for (const line of mine) {
      assert.equal(line.runId ?? line.workflowRunId, runId, 'every line names the run');
      assert.equal(line.component, 'worker');
      assert.equal(typeof line.time, 'string');
    }
    const workflowLines = mine.filter((l) => l.workflowType === 'checkoutWorkflow' && l.runId === runId);
    assert.equal(
      workflowLines.filter((l) => l.message === 'Workflow started').length,
      1,
      'logged once, though the workflow was replayed at every task',
    );
    assert.equal(workflowLines.filter((l) => l.message === 'Workflow completed').length, 1);
    const charge = mine.filter(
      (l) => l.activityType === 'confirmPaymentIntent' && l.message === 'Activity completed',
    );
    assert.equal(charge.length, 1, 'activity lines carry the workflow they work for');
  });
});
