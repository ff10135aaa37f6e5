/**
 * The checkout process (DOMAIN.md §1) with order acceptance (§2) as its second stage: save the
 * order, accept it (remorse window, manager authorization), take payment, tell downstream and
 * the customer, then follow the order through shipment, a cancellation and the goods' return.
 * Every side effect is an activity; this file only decides what happens next, so it replays
 * deterministically.
 *
 * Acceptance is a stage of this workflow rather than a child workflow: one order is one history
 * and one state machine, "cancel" is one signal whatever the stage, and the Temporal UI shows the
 * whole story of an order under its id (`order-<id>`), with the `OrderStatus` search attribute
 * saying where it is.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  patched,
  proxyLocalActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { CheckoutActivities, PaymentDeclinedDetails } from '../activities/types';
import type { CheckoutSettings } from '../config/settings';
import { recordDecision, refundForReturn } from '../domain/acceptance';
import { FINAL_STATUSES, type OrderStatus, type OrderView, type PlacedOrder } from '../domain/order';
import { acceptOrder } from './acceptance';
import {
  authorizeOrderSignal,
  cancelOrderSignal,
  goodsReturnedSignal,
  orderShippedSignal,
  orderStatusQuery,
  retryPaymentSignal,
  type PaymentRetryRequest,
  type ReturnReport,
  type ShipmentReport,
} from './definitions';
import { OrderContext, payments, store } from './order-context';

/**
 * Orders started before acceptance existed go straight from saving to payment, complete after the
 * return window whatever happens, and keep no search attribute; `patched` keeps them replaying.
 * Remove the old path with `deprecatePatch` once no such order is open.
 */
export const ORDER_ACCEPTANCE_PATCH = 'order-acceptance';

const { loadCheckoutSettings } = proxyLocalActivities<CheckoutActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 10 },
});

type PaymentOutcome = 'paid' | 'cancelled' | 'unresolved';

export async function checkoutWorkflow(order: PlacedOrder): Promise<OrderView> {
  const withAcceptance = patched(ORDER_ACCEPTANCE_PATCH);
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
  let retryRequest: PaymentRetryRequest | undefined;
  let shipment: ShipmentReport | undefined;
  let goodsReturned: ReturnReport | undefined;

  // Handlers first, so no message that arrives with the start is lost. Each one changes the order
  // only when the message means something now; otherwise the order stays as it is, and the API
  // answers with its current state.
  setHandler(orderStatusQuery, () => view);
  setHandler(cancelOrderSignal, (request) => {
    // Cancel never fails; the first request is the one on record, later ones change nothing.
    if (view.cancellation || FINAL_STATUSES.has(view.status)) return;
    view.cancellation = { reason: request.reason, requestedBy: request.requestedBy, requestedAt: now() };
  });
  setHandler(authorizeOrderSignal, (answer) => {
    const acceptance = view.acceptance;
    if (!acceptance?.authorizationRequired || acceptance.outcome || view.cancellation) return;
    acceptance.authorizations = recordDecision(acceptance.authorizations, {
      managerId: answer.managerId,
      approved: answer.approved,
      note: answer.note,
      decidedAt: now(),
    }).decisions;
  });
  setHandler(retryPaymentSignal, (request) => {
    if (view.status === 'PaymentFailed' && !view.cancellation && !retryRequest) retryRequest = request;
  });
  setHandler(orderShippedSignal, (report) => {
    if (view.status === 'Paid' && !view.cancellation && !shipment) shipment = report;
  });
  setHandler(goodsReturnedSignal, (report) => {
    if (view.status === 'Shipped' && view.cancellation && !goodsReturned) goodsReturned = report;
  });

  const settings: CheckoutSettings = await loadCheckoutSettings();
  const ctx = new OrderContext(order, settings, view, withAcceptance);

  async function cancel(unresolvedPayment: boolean): Promise<OrderView> {
    ctx.setStatus('Cancelled');
    ctx.publish('order.cancelled', {
      reason: view.cancellation?.reason,
      requestedBy: view.cancellation?.requestedBy,
    });
    ctx.emailCustomer(unresolvedPayment ? 'payment_cancelled_unresolved' : 'order_cancelled', {
      reason: view.cancellation?.reason,
    });
    return ctx.finish();
  }

  async function reject(): Promise<OrderView> {
    ctx.setStatus('Rejected');
    ctx.publish('order.rejected', { reason: view.acceptance?.rejectionReason });
    ctx.emailCustomer('order_rejected');
    return ctx.finish();
  }

  /** The only real undo: money back through Stripe, at most once per order (one idempotency key). */
  async function refund(amount: number, restockingFee: number): Promise<OrderView> {
    const paymentIntentId = view.payment?.paymentIntentId;
    if (!paymentIntentId) throw ApplicationFailure.nonRetryable('a paid order has no payment intent');
    const status: OrderStatus = restockingFee > 0 ? 'PartiallyRefunded' : 'Refunded';
    view.refund = { amount, restockingFee: restockingFee > 0 ? restockingFee : undefined, status: 'pending' };
    if (amount > 0) {
      const result = await payments.refundPayment({
        orderId: order.orderId,
        paymentIntentId,
        amount,
        reason: view.cancellation?.reason ?? 'cancelled',
      });
      view.refund = {
        ...view.refund,
        refundId: result.refundId,
        amount: result.amount,
        status:
          result.status === 'succeeded'
            ? 'succeeded'
            : result.status === 'failed' || result.status === 'canceled'
              ? 'failed'
              : 'pending',
      };
      if (withAcceptance && view.refund.status === 'failed') {
        ctx.inBackground(
          ctx.alert('refund_failed', `the refund ${result.refundId} for order ${order.orderId} failed`, {
            refundId: result.refundId,
            amount: result.amount,
          }),
        );
      }
    } else {
      view.refund.status = 'succeeded';
    }
    ctx.setStatus(status);
    ctx.publish('order.refunded', {
      amount: view.refund.amount,
      restockingFee,
      refundId: view.refund.refundId,
    });
    ctx.emailCustomer('order_refunded', { amount: view.refund.amount, restockingFee });
    return ctx.finish();
  }

  async function takePayment(statusBeforePayment: OrderStatus): Promise<PaymentOutcome> {
    let paymentMethod = order.paymentMethod;
    for (let attempt = 1; ; attempt++) {
      if (view.cancellation) return 'cancelled';
      view.paymentAttempts = attempt;
      ctx.explain(`taking payment with Stripe (attempt ${attempt})`);
      try {
        // A cancel that arrives while Stripe is being asked does not abort the request: whether
        // the money moved is only known from Stripe's answer. A charge that went through is then
        // refunded; a declined one ends the order with nothing charged.
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
      // Cancelled while the bank said no: nothing to resolve, nobody to alert.
      if (withAcceptance && view.cancellation) return 'cancelled';

      view.paymentResolutionDeadline = ctx.after(settings.paymentResolutionWindowMs);
      ctx.setStatus('PaymentFailed');
      ctx.inBackground(
        ctx.alert('payment_failed', `payment for order ${order.orderId} failed: ${view.payment.message}`, {
          attempt,
          declineCode: view.payment.declineCode,
        }),
      );
      ctx.publish('order.payment_failed', { attempt, declineCode: view.payment.declineCode }, attempt);
      ctx.explain(
        `payment declined (${view.payment.declineCode ?? view.payment.message ?? 'no reason given'}); ` +
          `waiting for support to retry with a new payment method or cancel, until ${view.paymentResolutionDeadline}`,
      );

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
      ctx.setStatus(statusBeforePayment);
    }
  }

  // 1. Save the order (idempotent on the order id).
  await store.saveOrder(order);

  // 2. Acceptance: the remorse window and, for a large order, a manager's approval. Nothing has
  //    been charged and nothing downstream has seen the order as accepted before this ends.
  if (withAcceptance) {
    const outcome = await acceptOrder(ctx);
    if (outcome === 'Cancelled') return cancel(false);
    if (outcome === 'Rejected') return reject();
    ctx.setStatus('Accepted');
    ctx.publish('order.accepted', { customerId: order.customer.id });
  } else {
    ctx.publish('order.received', { customerId: order.customer.id });
  }

  // 3. Payment. From here on a cancel is always accepted; what it means depends on where the order is.
  const payment = await takePayment(view.status);
  if (payment !== 'paid') return cancel(payment === 'unresolved');

  // 4. After payment: the event and the email, independently of each other.
  ctx.setStatus('Paid');
  ctx.publish('order.paid', { paymentIntentId: view.payment?.paymentIntentId });
  ctx.emailCustomer('order_confirmation');
  ctx.explain('waiting for the warehouse to ship');

  // 5. Fulfilment, or a cancellation before it: a full refund.
  await condition(() => shipment !== undefined || view.cancellation !== undefined);
  if (!shipment) return refund(order.total, 0);

  view.shipment = { trackingNumber: shipment.trackingNumber, shippedAt: now() };
  view.returnWindowEndsAt = ctx.after(settings.returnWindowMs);
  ctx.setStatus('Shipped');
  ctx.publish('order.shipped', { trackingNumber: shipment.trackingNumber });

  if (!withAcceptance) {
    await sleep(settings.returnWindowMs);
    ctx.setStatus('Completed');
    ctx.publish('order.completed', { cancellationRequested: view.cancellation !== undefined });
    return ctx.finish();
  }

  // 6. The return window. Without a cancellation the order completes at its end.
  ctx.explain(`return window until ${view.returnWindowEndsAt}; completes then unless cancelled`);
  const cancelledAfterShipment = await condition(
    () => view.cancellation !== undefined,
    settings.returnWindowMs,
    {
      summary: 'return window',
    },
  );
  if (!cancelledAfterShipment) {
    ctx.setStatus('Completed');
    ctx.publish('order.completed', { cancellationRequested: false });
    return ctx.finish();
  }

  // 7. Cancelled after shipment: the refund waits for the goods, for one RETURN_WINDOW from the cancel.
  view.goodsReturn = { expectedBy: ctx.after(settings.returnWindowMs) };
  ctx.publish('order.return_requested', { expectedBy: view.goodsReturn.expectedBy });
  ctx.emailCustomer('return_instructions', {
    expectedBy: view.goodsReturn.expectedBy,
    restockingFeePercent: settings.restockingFeePercent,
  });
  ctx.explain(
    `cancelled after shipment; waiting for the goods until ${view.goodsReturn.expectedBy}, then no refund`,
  );
  const returned = await condition(() => goodsReturned !== undefined, settings.returnWindowMs, {
    summary: 'waiting for the returned goods',
  });
  if (!returned || !goodsReturned) {
    ctx.setStatus('Completed');
    ctx.publish('order.completed', { cancellationRequested: true, goodsReturned: false });
    ctx.emailCustomer('return_not_received', { expectedBy: view.goodsReturn.expectedBy });
    return ctx.finish();
  }
  view.goodsReturn = {
    ...view.goodsReturn,
    receivedAt: now(),
    originalPackaging: goodsReturned.originalPackaging,
  };
  const { amount, restockingFee } = refundForReturn(
    order.total,
    goodsReturned.originalPackaging,
    settings.restockingFeePercent,
  );
  return refund(amount, restockingFee);
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
