/**
 * What every stage of an order's process shares: the order, its settings, and the process context
 * (workflows/process-context.ts: status, search attributes, store record, deliveries with their
 * alerts, finishing) wired to the checkout's activities, each with its own retry policy. Adds the
 * order's own deliveries: its events on the `commerce` exchange and the customer's emails.
 * Workflow code: deterministic, no I/O of its own.
 */
import { DELIVERIES, OWN_STORE, STRIPE } from '../retry-policies';
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { CheckoutActivities, CustomerEmailKind, SupportAlert } from '../../activities/checkout/types';
import type { CheckoutSettings } from '../../config/settings';
import { BULK_PRIORITY, INTERACTIVE_PRIORITY } from '../../domain/priorities';
import { orderEventMessageId } from '../../domain/keys';
import type { OrderStatus, OrderView, PlacedOrder } from '../../domain/checkout';
import { ProcessContext } from '../process-context';
import type { OrderInbox } from './inbox';
import { customerIdSearchAttribute, orderIdSearchAttribute, orderStatusSearchAttribute } from './messages';

/** Bookkeeping in our own database: retried until it succeeds. */
export const store = proxyActivities<CheckoutActivities>({
  startToCloseTimeout: '30s',
  retry: OWN_STORE,
});

/**
 * The same bookkeeping as local activities (lean orders): run by the worker inside the workflow
 * task, recorded as one marker instead of three events and an activity task on the server. Retried
 * until it succeeds; past a minute of failures Core waits between attempts on a timer. A worker
 * that dies before the task completes leaves no marker: the next worker runs the write again, and
 * a record's version makes that repeat harmless.
 */
export const localStore = proxyLocalActivities<CheckoutActivities>({
  startToCloseTimeout: '10s',
  retry: OWN_STORE,
});

/** Stripe: transient failures retried without limit; a decline comes back as a business outcome. */
export const payments = proxyActivities<CheckoutActivities>({
  startToCloseTimeout: '1m',
  retry: STRIPE,
});

/**
 * The Stripe activities of an order: on the Stripe task queue when the settings name one (its
 * workers hold every request to the shared STRIPE_MAX_REQUESTS_PER_SECOND), first in line unless
 * the work is a bulk action's (`background`), whose charges wait behind new customers'. With
 * `deadlineMs` (workflow time) retried until then, then a TimeoutFailure.
 */
export function stripeActivities(
  settings: CheckoutSettings,
  { deadlineMs, background = false }: { deadlineMs?: number; background?: boolean } = {},
): typeof payments {
  return proxyActivities<CheckoutActivities>({
    startToCloseTimeout: '1m',
    ...(deadlineMs !== undefined && { scheduleToCloseTimeout: Math.max(deadlineMs - Date.now(), 1_000) }),
    retry: STRIPE,
    ...(settings.paymentsTaskQueue && { taskQueue: settings.paymentsTaskQueue }),
    priority: { priorityKey: background ? BULK_PRIORITY : INTERACTIVE_PRIORITY },
  });
}

/** Events, emails and alerts: retried without limit; nothing is dropped. */
export const deliveries = proxyActivities<CheckoutActivities>({
  startToCloseTimeout: '30s',
  retry: DELIVERIES,
});

/**
 * Records the view when something a work queue shows changes without a status change (a manager's
 * answer, a delivery failing, goods awaited). Orders whose histories lack the marker keep recording
 * on status changes only.
 */
export const BACK_OFFICE_PATCH = 'back-office-records';

/**
 * Lean orders (bench/TUNING.md, "Against the engine's floor"): the store written by local activity,
 * one record at a time with the first carrying the order; deliveries alerted by deadline instead
 * of a timer each; only changed search attributes upserted; a remorse window of 0 without a timer.
 * Implies the acceptance, back-office and payment-outcomes patches, whose markers it replaces.
 */
export const LEAN_CHECKOUT_PATCH = 'lean-checkout';

export { note } from '../process-context';

export class OrderContext extends ProcessContext<OrderStatus, OrderView> {
  constructor(
    readonly order: PlacedOrder,
    readonly settings: CheckoutSettings,
    view: OrderView,
    /** What the order's handlers took and the story has not yet acted on. */
    readonly inbox: OrderInbox,
    /**
     * False for orders started before acceptance existed: they go straight to payment, complete
     * after the return window whatever happens, and their histories have no upserts.
     */
    readonly withAcceptance: boolean,
    /** False for orders started before the back office: they record on status changes only. */
    recordsEveryChange = false,
    /** True for orders started since LEAN_CHECKOUT_PATCH. */
    readonly lean = false,
    /** The revision the order started on (CHECKOUT_REVISION in ./messages). */
    readonly revision = 1,
  ) {
    super(view, {
      key: order.orderId,
      title: `order ${order.orderId}`,
      alertAfterMs: settings.sideEffectAlertAfterMs,
      keepsTimeline: true,
      recordsEveryChange,
      searchAttributes: withAcceptance
        ? (status) => [
            { key: orderStatusSearchAttribute, value: status },
            { key: orderIdSearchAttribute, value: order.orderId },
            { key: customerIdSearchAttribute, value: order.customer.id },
          ]
        : undefined,
      serialRecords: lean,
      alertByDeadline: lean,
      upsertChangesOnly: lean,
      recordStatus: ({ status, version, view: recorded }) =>
        lean
          ? localStore.recordOrderStatus({
              orderId: order.orderId,
              status,
              version,
              view: recorded as OrderView,
              // The first record saves the order too (the API saved it already, but one whose start
              // it could not confirm it forgets, and the workflow is then its only writer).
              ...(version === 1 ? { order } : {}),
            })
          : store.recordOrderStatus({ orderId: order.orderId, status, version, view: recorded as OrderView }),
      alertSupport: (alert) =>
        deliveries.alertSupport({
          ...alert,
          orderId: order.orderId,
          kind: alert.kind as SupportAlert['kind'],
        }),
    });
  }

  /**
   * The activities a delivery is sent by (see `Send`): `deliveries`, or with `untilAlert` the same
   * whose retries stop at SIDE_EFFECT_ALERT_AFTER, when support is alerted and the retries go on.
   */
  courier(untilAlert: boolean): typeof deliveries {
    if (!untilAlert) return deliveries;
    return proxyActivities<CheckoutActivities>({
      startToCloseTimeout: '30s',
      scheduleToCloseTimeout: this.settings.sideEffectAlertAfterMs,
      retry: DELIVERIES,
    });
  }

  /** Tells support about the order (a failed payment, a refund refused). */
  override alert(kind: SupportAlert['kind'], message: string, data?: Record<string, unknown>): Promise<void> {
    return super.alert(kind, message, data);
  }

  publish(type: string, data: Record<string, unknown> = {}, occurrence = 1): void {
    const { order, view } = this;
    const messageId = orderEventMessageId(order.orderId, type, occurrence);
    this.deliver(occurrence === 1 ? type : `${type}#${occurrence}`, (untilAlert) =>
      this.courier(untilAlert).publishOrderEvent({
        type,
        orderId: order.orderId,
        messageId,
        occurredAt: this.now(),
        data: {
          orderId: order.orderId,
          status: view.status,
          total: view.total,
          currency: view.currency,
          ...data,
        },
      }),
    );
  }

  emailCustomer(kind: CustomerEmailKind, data: Record<string, unknown> = {}): void {
    const { order, view } = this;
    this.deliver(`email:${kind}`, (untilAlert) =>
      this.courier(untilAlert).emailCustomer({
        kind,
        orderId: order.orderId,
        to: order.customer.email,
        messageKey: `${order.orderId}:email:${kind}`,
        data: { orderId: order.orderId, total: view.total, currency: view.currency, ...data },
      }),
    );
  }
}
