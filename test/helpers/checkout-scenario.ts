/**
 * Short order scenarios: the real workflow on the time-skipping server with recording activities,
 * so a test reads "given these messages and this much time, these activities were called with
 * these arguments, and no others":
 *
 *     assert.deepEqual(await o.step(() => o.signal(authorizeOrderSignal, yes)), ['status:Authorized']);
 *     assert.deepEqual(await o.step(() => o.sleep('1h')), ['event:order.accepted', 'status:Accepted', ...]);
 *
 * A step runs the action, waits until the workflow is idle again (no workflow task and no
 * activity open in its history), and returns what the activities were asked to do meanwhile.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import type { Duration, SignalDefinition } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { PAYMENT_DECLINED, type CheckoutActivities } from '../../activities/checkout/types';
import type { CheckoutSettings } from '../../config/settings';
import type { OrderView, PlacedOrder } from '../../domain/checkout';
import { checkoutWorkflow } from '../../workflows';
import { orderStatusQuery } from '../../workflows/checkout/messages';
import { workflowBundle } from './temporal';

export const TEST_SETTINGS: CheckoutSettings = {
  paymentResolutionWindowMs: 72 * 3_600_000,
  sideEffectAlertAfterMs: 15 * 60_000,
  returnWindowMs: 30 * 86_400_000,
  orderRemorseWindowMs: 3_600_000,
  authorizationThreshold: 100_000,
  restockingFeePercent: 15,
  supportEmail: 'support@example.com',
  managersEmail: 'managers@example.com',
};

export interface Call {
  name: keyof CheckoutActivities;
  input: unknown;
  /** Test-server time of the attempt, ms. */
  at: number;
  ok: boolean;
}

export function placedOrder(overrides: Partial<PlacedOrder> = {}): PlacedOrder {
  return {
    orderId: `o-${randomUUID().slice(0, 8)}`,
    customer: { id: 'cust-1', email: 'ada@example.com' },
    items: [{ sku: 'book', quantity: 2, unitPrice: 1250 }],
    currency: 'usd',
    paymentMethod: 'pm_card_visa',
    total: 2500,
    placedAt: '2026-11-21T10:00:00.000Z',
    ...overrides,
  };
}

/** A card decline as the Stripe adapter reports it. */
export function declined(message = 'Your card was declined.'): ApplicationFailure {
  return ApplicationFailure.create({
    type: PAYMENT_DECLINED,
    message,
    nonRetryable: true,
    details: [{ code: 'card_declined', declineCode: 'insufficient_funds', message }],
  });
}

export class CheckoutScenario {
  readonly calls: Call[] = [];
  private readonly impl: CheckoutActivities;
  private taken = 0;

  constructor(overrides: Partial<CheckoutActivities> = {}, settings: CheckoutSettings = TEST_SETTINGS) {
    const defaults: CheckoutActivities = {
      loadCheckoutSettings: async () => settings,
      saveOrder: async () => undefined,
      recordOrderStatus: async () => undefined,
      chargePayment: async (req) => ({
        paymentIntentId: `pi_${req.orderId}_${req.paymentAttempt}`,
        status: 'succeeded',
      }),
      findPayment: async () => ({ outcome: 'none' }),
      openPaymentIntent: async (req) => ({ paymentIntentId: `pi_${req.orderId}` }),
      confirmPaymentIntent: async (req) => ({ paymentIntentId: req.paymentIntentId, status: 'succeeded' }),
      checkPaymentIntent: async () => ({ outcome: 'none' }),
      confirmPayment: async (req) => ({ paymentIntentId: req.paymentIntentId, status: 'succeeded' }),
      refundPayment: async (req) => ({
        refundId: `re_${req.orderId}`,
        amount: req.amount,
        status: 'succeeded',
      }),
      confirmRefund: async (req) => ({ refundId: req.refundId, amount: 0, status: 'succeeded' }),
      publishOrderEvent: async () => undefined,
      emailCustomer: async () => undefined,
      requestManagerAuthorization: async () => undefined,
      alertSupport: async () => undefined,
    };
    this.impl = { ...defaults, ...overrides };
  }

  /** Activities that record each attempt (with its time) before running the implementation. */
  activities(): CheckoutActivities {
    const recorded = {} as Record<string, (input: unknown) => Promise<unknown>>;
    for (const [name, fn] of Object.entries(this.impl) as [
      keyof CheckoutActivities,
      (i: unknown) => Promise<unknown>,
    ][]) {
      recorded[name] = async (input: unknown) => {
        const at = Context.current().info.currentAttemptScheduledTimestampMs;
        const call: Call = { name, input, at, ok: false };
        this.calls.push(call);
        const result = await fn(input);
        call.ok = true;
        return result;
      };
    }
    return recorded as unknown as CheckoutActivities;
  }

  /** Successful calls of one activity, bookkeeping left out unless asked for. */
  called<N extends keyof CheckoutActivities>(name: N): Parameters<CheckoutActivities[N]>[0][] {
    return this.calls
      .filter((c) => c.name === name && c.ok)
      .map((c) => c.input as Parameters<CheckoutActivities[N]>[0]);
  }

  /** The routing keys of the events published, in order. */
  events(): string[] {
    return this.called('publishOrderEvent').map((e) => e.type);
  }

  /** The business calls (no settings or status bookkeeping), in order, by name. */
  businessCalls(): string[] {
    return this.calls
      .filter((c) => c.ok && c.name !== 'loadCheckoutSettings' && c.name !== 'recordOrderStatus')
      .map((c) =>
        c.name === 'publishOrderEvent'
          ? `publish ${(c.input as { type: string }).type}`
          : c.name === 'emailCustomer'
            ? `email ${(c.input as { kind: string }).kind}`
            : c.name === 'alertSupport'
              ? `alert ${(c.input as { kind: string }).kind}`
              : c.name,
      );
  }

  /** Every call since the last `take`, in the compact form of `describeCall`, sorted. */
  take(): string[] {
    const fresh = this.calls.slice(this.taken);
    this.taken = this.calls.length;
    return fresh
      .filter((c) => c.name !== 'loadCheckoutSettings')
      .map(describeCall)
      .sort();
  }

  /** A worker for this scenario's activities on `taskQueue`. */
  async worker(
    env: TestWorkflowEnvironment,
    taskQueue: string,
    options: Partial<WorkerOptions> = {},
  ): Promise<Worker> {
    return Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: this.activities(),
      ...options,
    });
  }

  /** Runs `body` with a worker for this scenario and the order's workflow started. */
  async run<T>(
    env: TestWorkflowEnvironment,
    order: PlacedOrder,
    body: (o: OrderDriver) => Promise<T>,
    start?: (taskQueue: string) => Promise<WorkflowHandle<typeof checkoutWorkflow>>,
  ): Promise<T> {
    const taskQueue = `checkout-${randomUUID()}`;
    const worker = await this.worker(env, taskQueue);
    return worker.runUntil(async () => {
      const handle = start
        ? await start(taskQueue)
        : await env.client.workflow.start(checkoutWorkflow, {
            workflowId: `order-${order.orderId}`,
            taskQueue,
            args: [order],
          });
      return body(new OrderDriver(env, handle, this));
    });
  }
}

/**
 * One call in a few words: `status:Paid`, `event:order.paid`, `email:order_confirmation`,
 * `payment-intent:2500` (the order's one PaymentIntent created), `charge:2500:pm_card_visa` (an
 * attempt confirming it), `refund:2125`, `alert:payment_failed`, `authorization-request`,
 * `save`, `status:Received+order` (the first record, which saves the order); a failed attempt ends
 * in ` failed`.
 */
export function describeCall(call: Call): string {
  const input = call.input as Record<string, unknown>;
  const words: Record<keyof CheckoutActivities, () => string> = {
    loadCheckoutSettings: () => 'settings',
    saveOrder: () => 'save',
    recordOrderStatus: () => `status:${String(input.status)}${input.order ? '+order' : ''}`,
    chargePayment: () => `charge:${String(input.amount)}:${String(input.paymentMethod)}`,
    findPayment: () => 'find-payment',
    openPaymentIntent: () => `payment-intent:${String(input.amount)}`,
    confirmPaymentIntent: () => `charge:${String(input.amount)}:${String(input.paymentMethod)}`,
    checkPaymentIntent: () => `check-payment:${String(input.paymentIntentId)}`,
    confirmPayment: () => `confirm-payment:${String(input.paymentIntentId)}`,
    refundPayment: () => `refund:${String(input.amount)}`,
    confirmRefund: () => `confirm-refund:${String(input.refundId)}`,
    publishOrderEvent: () => `event:${String(input.type)}`,
    emailCustomer: () => `email:${String(input.kind)}`,
    requestManagerAuthorization: () => 'authorization-request',
    alertSupport: () => `alert:${String(input.kind)}`,
  };
  return words[call.name]() + (call.ok ? '' : ' failed');
}

/** Drives one order: messages in, time on, and the activities each step caused. */
export class OrderDriver {
  constructor(
    readonly env: TestWorkflowEnvironment,
    readonly handle: WorkflowHandle<typeof checkoutWorkflow>,
    private readonly scenario: CheckoutScenario,
  ) {}

  async signal<Args extends unknown[]>(definition: SignalDefinition<Args>, ...args: Args): Promise<void> {
    await this.handle.signal(definition, ...args);
  }

  /** Moves the test server's clock on; timers due meanwhile fire. */
  async sleep(duration: Duration): Promise<void> {
    await this.env.sleep(duration);
  }

  query(): Promise<OrderView> {
    return this.handle.query(orderStatusQuery);
  }

  /** What the Temporal UI shows as the workflow's current details. */
  async details(): Promise<string> {
    const metadata = await this.handle.query<{ currentDetails?: string | null }>(
      '__temporal_workflow_metadata',
    );
    return metadata.currentDetails ?? '';
  }

  /** Runs `action` (or nothing), waits for the workflow to be idle, and returns the calls it caused. */
  async step(action?: () => Promise<unknown>): Promise<string[]> {
    await action?.();
    await settle(this.handle);
    return this.scenario.take();
  }

  result(): Promise<OrderView> {
    return this.handle.result();
  }
}

/** Lets the remorse window (TEST_SETTINGS: 1 h) pass: the order is accepted and payment starts. */
export async function pastTheWindow(o: OrderDriver): Promise<void> {
  await o.step();
  await o.sleep('1h');
}

/**
 * Waits (bounded: 10 s) until the workflow's history shows no workflow task and no activity
 * open, or the workflow closed. Time does not move meanwhile: outside `sleep` and `result`, the
 * time-skipping server holds its clock.
 */
export async function settle(handle: WorkflowHandle): Promise<void> {
  let problem = 'no history yet';
  for (let i = 0; i < 500; i++) {
    const history = await handle.fetchHistory();
    const open = new Set<string>();
    let taskOpen = false;
    let closed = false;
    for (const e of history.events ?? []) {
      if (e.activityTaskScheduledEventAttributes) open.add(String(e.eventId));
      const ended =
        e.activityTaskCompletedEventAttributes ??
        e.activityTaskFailedEventAttributes ??
        e.activityTaskTimedOutEventAttributes ??
        e.activityTaskCanceledEventAttributes;
      if (ended) open.delete(String(ended.scheduledEventId));
      if (e.workflowTaskScheduledEventAttributes) taskOpen = true;
      if (e.workflowTaskCompletedEventAttributes) taskOpen = false;
      if (e.workflowTaskFailedEventAttributes) {
        problem = `a workflow task failed: ${e.workflowTaskFailedEventAttributes.failure?.message ?? 'unknown'}`;
      }
      if (
        e.workflowExecutionCompletedEventAttributes ??
        e.workflowExecutionFailedEventAttributes ??
        e.workflowExecutionTerminatedEventAttributes
      ) {
        closed = true;
      }
    }
    if (closed || (!taskOpen && open.size === 0)) return;
    if (!problem.startsWith('a workflow task failed')) {
      problem = `${open.size} activities open${taskOpen ? ', a workflow task open' : ''}`;
    }
    await delay(20);
  }
  throw new Error(`the workflow did not settle: ${problem}`);
}
