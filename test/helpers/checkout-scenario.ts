/**
 * Short checkout scenarios: the real workflow on the time-skipping server with recording
 * activities, so a test reads "given these messages and this much time, these activities were
 * called with these arguments, and no others".
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { PAYMENT_DECLINED, type CheckoutActivities } from '../../activities/types';
import type { CheckoutSettings } from '../../config/settings';
import type { PlacedOrder } from '../../domain/order';
import { checkoutWorkflow } from '../../workflows';
import { workflowBundle } from './temporal';

export const TEST_SETTINGS: CheckoutSettings = {
  paymentResolutionWindowMs: 72 * 3_600_000,
  sideEffectAlertAfterMs: 15 * 60_000,
  returnWindowMs: 30 * 86_400_000,
  orderRemorseWindowMs: 3_600_000,
  authorizationThreshold: 100_000,
  restockingFeePercent: 15,
  supportEmail: 'support@example.com',
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

  constructor(overrides: Partial<CheckoutActivities> = {}, settings: CheckoutSettings = TEST_SETTINGS) {
    const defaults: CheckoutActivities = {
      loadCheckoutSettings: async () => settings,
      saveOrder: async () => undefined,
      recordOrderStatus: async () => undefined,
      chargePayment: async (req) => ({
        paymentIntentId: `pi_${req.orderId}_${req.paymentAttempt}`,
        status: 'succeeded',
      }),
      refundPayment: async (req) => ({
        refundId: `re_${req.orderId}`,
        amount: req.amount,
        status: 'succeeded',
      }),
      publishOrderEvent: async () => undefined,
      emailCustomer: async () => undefined,
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

  /** Runs `body` with a worker for this scenario and the order's workflow started. */
  async run<T>(
    env: TestWorkflowEnvironment,
    order: PlacedOrder,
    body: (handle: WorkflowHandle<typeof checkoutWorkflow>) => Promise<T>,
    start?: (taskQueue: string) => Promise<WorkflowHandle<typeof checkoutWorkflow>>,
  ): Promise<T> {
    const taskQueue = `checkout-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: this.activities(),
    });
    return worker.runUntil(async () => {
      const handle = start
        ? await start(taskQueue)
        : await env.client.workflow.start(checkoutWorkflow, {
            workflowId: `order-${order.orderId}`,
            taskQueue,
            args: [order],
          });
      return body(handle);
    });
  }
}
