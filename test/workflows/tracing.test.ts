/**
 * A traced order, with time skipping: started by a caller with a trace context (as the API's
 * client interceptor writes it), the workflow's run continues that trace, and each activity and
 * local activity it starts is a span of it with the context in its headers. The history is kept for
 * the replay suite, so a change to the tracing interceptors that would break a running traced order
 * fails there.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { checkoutWorkflow } from '../../workflows';
import { orderShippedSignal } from '../../workflows/checkout/messages';
import { withContext, type ExportedSpan } from '../../workflows/tracing';
import { CheckoutScenario, OrderDriver, pastTheWindow, placedOrder } from '../helpers/checkout-scenario';
import { captureHistory, timeSkippingEnv, waitForStatus } from '../helpers/temporal';

/** The caller's span: the API request's, as Temporal's client interceptor hands it on. */
const CALLER = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 };

describe('a traced order', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await timeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  it("continues its caller's trace: its run, then each activity and local activity it starts, in the trace's headers", async () => {
    const scenario = new CheckoutScenario();
    const order = placedOrder();
    const exported: ExportedSpan[] = [];
    const traced: WorkflowClientInterceptor = {
      start: (input, next) => next({ ...input, headers: withContext(input.headers, CALLER) }),
    };
    const client = new Client({ connection: env.connection, interceptors: { workflow: [traced] } });
    const taskQueue = `traced-${randomUUID()}`;
    const worker = await scenario.worker(env, taskQueue, {
      sinks: { exporter: { export: { fn: (_info, spans: ExportedSpan[]) => void exported.push(...spans) } } },
    });
    await worker.runUntil(async () => {
      await client.workflow.start(checkoutWorkflow, {
        workflowId: `order-${order.orderId}`,
        taskQueue,
        args: [order],
      });
      // Driven through the test environment's client, which moves the clock while it waits.
      const handle = env.client.workflow.getHandle<typeof checkoutWorkflow>(`order-${order.orderId}`);
      const o = new OrderDriver(env, handle, scenario);
      await pastTheWindow(o);
      await waitForStatus(handle, 'Paid');
      await handle.signal(orderShippedSignal, { trackingNumber: 'TRACK-1' });
      assert.equal((await handle.result()).status, 'Completed');
      await captureHistory(handle, 'checkout-traced-paid-completed');
    });

    assert.ok(
      exported.every((span) => span.spanContext.traceId === CALLER.traceId),
      "all in the caller's trace",
    );
    const run = exported.find((span) => span.name === 'RunWorkflow:checkoutWorkflow');
    assert.ok(run, 'the run has its span');
    assert.equal(run.parentSpanId, CALLER.spanId, "the run is a child of the caller's span");
    assert.equal(run.attributes.temporalWorkflowId, `order-${order.orderId}`);
    const started = (name: string) =>
      exported.filter(
        (span) => span.name === `StartActivity:${name}` && span.parentSpanId === run.spanContext.spanId,
      );
    for (const activity of ['confirmPaymentIntent', 'emailCustomer', 'publishOrderEvent'])
      assert.ok(started(activity).length >= 1, `${activity} is started within the run`);
    const records = started('recordOrderStatus');
    assert.ok(
      records.length >= 3,
      `the order's records, local activities, are spans of the run (${records.length})`,
    );
    assert.ok(records.every((span) => span.attributes.local === 'true'));
    assert.ok(
      exported.every((span) => span.status.code === 1),
      `no span failed: ${exported
        .filter((s) => s.status.code !== 1)
        .map((s) => s.name)
        .join(', ')}`,
    );
    const ids = exported.map((span) => span.spanContext.spanId);
    assert.equal(new Set(ids).size, ids.length, 'each span its own id');
  });
});
