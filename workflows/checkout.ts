/**
 * The checkout process (DOMAIN.md §1): save the order, take payment, then tell downstream and
 * the customer, wait for shipment and the return window. Every side effect is an activity; this
 * file only decides what happens next, so it replays deterministically.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type {
  CheckoutActivities,
  CustomerEmailKind,
  PaymentDeclinedDetails,
  SupportAlert,
} from '../activities/types';
import type { CheckoutSettings } from '../config/settings';
import { orderEventMessageId } from '../domain/keys';
import { FINAL_STATUSES, type OrderStatus, type OrderView, type PlacedOrder } from '../domain/order';
import {
  cancelOrderSignal,
  orderShippedSignal,
  orderStatusQuery,
  retryPaymentSignal,
  type PaymentRetryRequest,
  type ShipmentReport,
} from './definitions';

const { loadCheckoutSettings } = proxyLocalActivities<CheckoutActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 10 },
});

/** Bookkeeping in our own database: retried until it succeeds. */
const store = proxyActivities<CheckoutActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** Stripe: transient failures retried without limit; a decline comes back as a business outcome. */
const payments = proxyActivities<CheckoutActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5m' },
});

/** Events, emails and alerts: retried without limit; nothing is dropped. */
const deliveries = proxyActivities<CheckoutActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '2m' },
});

type PaymentOutcome = 'paid' | 'cancelled' | 'unresolved';

export async function checkoutWorkflow(order: PlacedOrder): Promise<OrderView> {
  const now = (): string => new Date().toISOString();
  const view: OrderView = {
    orderId: order.orderId,
    status: 'Received',
    total: order.total,
    currency: order.currency,
    customerId: order.customer.id,
    items: order.items,
    placedAt: order.placedAt,
    updatedAt: now(),
    paymentAttempts: 0,
    notifications: {},
  };
  let version = 0;
  let retryRequest: PaymentRetryRequest | undefined;
  let shipment: ShipmentReport | undefined;
  const background: Promise<void>[] = [];
  const alertCounts = new Map<string, number>();

  setHandler(orderStatusQuery, () => view);
  setHandler(cancelOrderSignal, (request) => {
    // Cancel never fails; the first request is the one on record, later ones change nothing.
    if (view.cancellation || FINAL_STATUSES.has(view.status)) return;
    view.cancellation = { reason: request.reason, requestedBy: request.requestedBy, requestedAt: now() };
  });
  setHandler(retryPaymentSignal, (request) => {
    if (view.status === 'PaymentFailed' && !view.cancellation && !retryRequest) retryRequest = request;
  });
  setHandler(orderShippedSignal, (report) => {
    if (view.status === 'Paid' && !view.cancellation && !shipment) shipment = report;
  });

  const settings: CheckoutSettings = await loadCheckoutSettings();

  function setStatus(status: OrderStatus): void {
    view.status = status;
    view.updatedAt = now();
    version += 1;
    const record = {
      orderId: order.orderId,
      status,
      version,
      view: JSON.parse(JSON.stringify(view)) as OrderView,
    };
    background.push(
      store.recordOrderStatus(record).catch((err: unknown) => {
        log.error('order status could not be recorded', { status, error: String(err) });
      }),
    );
  }

  function alert(kind: SupportAlert['kind'], message: string, data?: Record<string, unknown>): Promise<void> {
    const count = (alertCounts.get(kind) ?? 0) + 1;
    alertCounts.set(kind, count);
    const messageKey = `${order.orderId}:alert:${kind}:${count}`;
    return deliveries
      .alertSupport({ orderId: order.orderId, kind, message, messageKey, data })
      .catch((err: unknown) => {
        log.error('support could not be alerted', { kind, error: String(err) });
      });
  }

  /**
   * Runs one side effect in the background, independent of the others: retried until it
   * succeeds, support alerted once it has failed for SIDE_EFFECT_ALERT_AFTER, and told at once if
   * the peer refuses it for good (a 400 from SendGrid, say).
   */
  function deliver(name: string, send: () => Promise<void>): void {
    view.notifications[name] = 'pending';
    background.push(
      (async () => {
        let settled = false;
        let failure: unknown;
        const sending = send().then(
          () => {
            settled = true;
          },
          (err: unknown) => {
            settled = true;
            failure = err;
          },
        );
        if (!(await condition(() => settled, settings.sideEffectAlertAfterMs))) {
          view.notifications[name] = 'delayed';
          await alert(
            'delivery_delayed',
            `${name} for order ${order.orderId} is still failing; retries go on`,
            {
              delivery: name,
            },
          );
        }
        await sending;
        if (failure === undefined) {
          view.notifications[name] = 'delivered';
          return;
        }
        view.notifications[name] = 'failed';
        await alert(
          'delivery_failed',
          `${name} for order ${order.orderId} was refused: ${describe(failure)}`,
          {
            delivery: name,
          },
        );
      })(),
    );
  }

  function publish(type: string, data: Record<string, unknown> = {}, occurrence = 1): void {
    const messageId = orderEventMessageId(order.orderId, type, occurrence);
    deliver(occurrence === 1 ? type : `${type}#${occurrence}`, () =>
      deliveries.publishOrderEvent({
        type,
        orderId: order.orderId,
        messageId,
        occurredAt: now(),
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

  function emailCustomer(kind: CustomerEmailKind, data: Record<string, unknown> = {}): void {
    deliver(`email:${kind}`, () =>
      deliveries.emailCustomer({
        kind,
        orderId: order.orderId,
        to: order.customer.email,
        messageKey: `${order.orderId}:email:${kind}`,
        data: { orderId: order.orderId, total: view.total, currency: view.currency, ...data },
      }),
    );
  }

  async function finish(): Promise<OrderView> {
    await Promise.all(background);
    return view;
  }

  async function cancel(unresolvedPayment: boolean): Promise<OrderView> {
    setStatus('Cancelled');
    publish('order.cancelled', {
      reason: view.cancellation?.reason,
      requestedBy: view.cancellation?.requestedBy,
    });
    emailCustomer(unresolvedPayment ? 'payment_cancelled_unresolved' : 'order_cancelled', {
      reason: view.cancellation?.reason,
    });
    return finish();
  }

  async function takePayment(statusBeforePayment: OrderStatus): Promise<PaymentOutcome> {
    let paymentMethod = order.paymentMethod;
    for (let attempt = 1; ; attempt++) {
      if (view.cancellation) return 'cancelled';
      view.paymentAttempts = attempt;
      try {
        const charge = await payments.chargePayment({
          orderId: order.orderId,
          paymentAttempt: attempt,
          amount: order.total,
          currency: order.currency,
          paymentMethod,
          customerId: order.customer.id,
        });
        view.payment = { attempt, paymentIntentId: charge.paymentIntentId, status: 'succeeded' };
        return 'paid';
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        const declined = declineDetails(err);
        view.payment = {
          attempt,
          status: 'declined',
          declineCode: declined.declineCode ?? declined.code,
          message: declined.message,
        };
      }

      view.paymentResolutionDeadline = new Date(
        Date.now() + settings.paymentResolutionWindowMs,
      ).toISOString();
      setStatus('PaymentFailed');
      background.push(
        alert('payment_failed', `payment for order ${order.orderId} failed: ${view.payment.message}`, {
          attempt,
          declineCode: view.payment.declineCode,
        }),
      );
      publish('order.payment_failed', { attempt, declineCode: view.payment.declineCode }, attempt);

      const answered = await condition(
        () => retryRequest !== undefined || view.cancellation !== undefined,
        settings.paymentResolutionWindowMs,
      );
      view.paymentResolutionDeadline = undefined;
      if (!answered) {
        view.cancellation = {
          reason: 'the failed payment was not resolved in time',
          requestedBy: 'system',
          requestedAt: now(),
        };
        return 'unresolved';
      }
      if (view.cancellation || !retryRequest) return 'cancelled';
      paymentMethod = retryRequest.paymentMethod;
      retryRequest = undefined;
      setStatus(statusBeforePayment);
    }
  }

  // 1. Save the order (idempotent on the order id).
  await store.saveOrder(order);
  publish('order.received', { customerId: order.customer.id });

  // 2. Acceptance (DOMAIN.md §2: remorse window, manager authorization) belongs here, before
  //    anything is charged. Until it lands, a saved order goes straight on to payment.
  const statusBeforePayment: OrderStatus = view.status;

  // 3. Payment.
  const payment = await takePayment(statusBeforePayment);
  if (payment !== 'paid') return cancel(payment === 'unresolved');

  // 4. After payment: the event and the email, independently of each other.
  setStatus('Paid');
  publish('order.paid', { paymentIntentId: view.payment?.paymentIntentId });
  emailCustomer('order_confirmation');

  // 5. Fulfilment, or a cancellation before it: a full refund.
  await condition(() => shipment !== undefined || view.cancellation !== undefined);
  if (!shipment) {
    const paymentIntentId = view.payment?.paymentIntentId;
    if (!paymentIntentId) throw ApplicationFailure.nonRetryable('a paid order has no payment intent');
    view.refund = { amount: order.total, status: 'pending' };
    const refund = await payments.refundPayment({
      orderId: order.orderId,
      paymentIntentId,
      amount: order.total,
      reason: view.cancellation?.reason ?? 'cancelled before shipment',
    });
    view.refund = {
      refundId: refund.refundId,
      amount: refund.amount,
      status: refund.status === 'failed' ? 'failed' : refund.status === 'pending' ? 'pending' : 'succeeded',
    };
    setStatus('Refunded');
    publish('order.refunded', { amount: refund.amount, refundId: refund.refundId });
    emailCustomer('order_refunded', { amount: refund.amount });
    return finish();
  }

  view.shipment = { trackingNumber: shipment.trackingNumber, shippedAt: now() };
  view.returnWindowEndsAt = new Date(Date.now() + settings.returnWindowMs).toISOString();
  setStatus('Shipped');
  publish('order.shipped', { trackingNumber: shipment.trackingNumber });

  // The return window. A cancellation now stays on record; what it means for a shipped order
  // (waiting for the goods, refund less a restocking fee) comes with order acceptance.
  await sleep(settings.returnWindowMs);
  setStatus('Completed');
  publish('order.completed', { cancellationRequested: view.cancellation !== undefined });
  return finish();
}

function declineDetails(err: ActivityFailure): PaymentDeclinedDetails {
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as Partial<PaymentDeclinedDetails> | undefined;
    return {
      code: details?.code,
      declineCode: details?.declineCode,
      message: details?.message ?? cause.message,
    };
  }
  return { message: cause?.message ?? err.message };
}

function describe(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
