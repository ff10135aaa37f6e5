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
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  TimeoutFailure,
} from '@temporalio/workflow';
import type {
  ChargeResult,
  CheckoutActivities,
  PaymentDeclinedDetails,
  RefundRefusedDetails,
  RefundResult,
} from '../../activities/checkout/types';
import type { CheckoutSettings } from '../../config/settings';
import { recordDecision, refundForReturn } from '../../domain/acceptance';
import {
  FINAL_STATUSES,
  formatMoney,
  type OrderStatus,
  type OrderView,
  type PlacedOrder,
} from '../../domain/order';
import { refusal } from '../refusal';
import { acceptOrder } from './acceptance';
import {
  authorizeOrderSignal,
  cancelOrderSignal,
  goodsReturnedSignal,
  orderShippedSignal,
  orderStatusQuery,
  retryPaymentSignal,
  retryPaymentUpdate,
  answerAuthorizationUpdate,
  type AuthorizationAnswer,
  type PaymentRetryRequest,
  type ReturnReport,
  type ShipmentReport,
} from './messages';
import { BACK_OFFICE_PATCH, note, OrderContext, payments, store } from './order-context';

/**
 * Orders started before acceptance existed go straight from saving to payment, complete after the
 * return window whatever happens, and keep no search attribute; `patched` keeps them replaying.
 * Remove the old path with `deprecatePatch` once no such order is open.
 */
export const ORDER_ACCEPTANCE_PATCH = 'order-acceptance';

/**
 * Money at the edges: a charge attempt has a deadline (PAYMENT_ATTEMPT_TIMEOUT), past which the
 * order is `PaymentUnconfirmed` and Stripe is asked whether money moved before anything else is
 * charged; a processing PaymentIntent is paid only once it has succeeded; a refund Stripe refuses
 * for good, or one still pending, is never reported to the customer as done. Orders whose
 * histories lack the marker keep the old path.
 */
export const PAYMENT_OUTCOMES_PATCH = 'payment-outcomes';

/** The attempt deadline of orders whose recorded settings predate PAYMENT_ATTEMPT_TIMEOUT. */
const DEFAULT_PAYMENT_ATTEMPT_TIMEOUT_MS = 3_600_000;

/** A pending refund is asked about again with backoff, for as long as Stripe takes to settle it. */
const refundChecks = proxyActivities<CheckoutActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '30s', backoffCoefficient: 2, maximumInterval: '1h' },
});

/** A Stripe call that must end by `deadlineMs` (workflow time): retried until then, then a TimeoutFailure. */
function stripeUntil(deadlineMs: number) {
  return proxyActivities<CheckoutActivities>({
    startToCloseTimeout: '1m',
    scheduleToCloseTimeout: Math.max(deadlineMs - Date.now(), 1_000),
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5m' },
  });
}

/**
 * The deadline passed: the attempt timed out in flight, or the server stopped retrying because the
 * next retry would land past it (the last failure then comes back with retry state TIMEOUT).
 */
function isTimeout(err: unknown): boolean {
  return (
    err instanceof ActivityFailure && (err.cause instanceof TimeoutFailure || err.retryState === 'TIMEOUT')
  );
}

const { loadCheckoutSettings } = proxyLocalActivities<CheckoutActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 10 },
});

type PaymentOutcome = 'paid' | 'cancelled' | 'unresolved';

export async function checkoutWorkflow(order: PlacedOrder): Promise<OrderView> {
  const withAcceptance = patched(ORDER_ACCEPTANCE_PATCH);
  const backOffice = patched(BACK_OFFICE_PATCH);
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
  note(
    view,
    'placed',
    `Placed: ${order.items.length} line(s), ${formatMoney(order.total, order.currency)}, paid with ${order.paymentMethod}`,
    `customer:${order.customer.id}`,
    order.placedAt,
  );
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
    note(
      view,
      'cancel_requested',
      `Cancel requested${request.reason ? `: ${request.reason}` : ''}`,
      request.requestedBy,
    );
  });
  function takeAuthorization(answer: AuthorizationAnswer): OrderView {
    const acceptance = view.acceptance;
    if (!acceptance?.authorizationRequired || acceptance.outcome || view.cancellation) return view;
    const recorded = recordDecision(acceptance.authorizations, {
      managerId: answer.managerId,
      approved: answer.approved,
      note: answer.note,
      decidedAt: now(),
    });
    acceptance.authorizations = recorded.decisions;
    if (recorded.counted) {
      note(
        view,
        'authorization',
        `${answer.approved ? 'Approved' : 'Refused'} the order${answer.note ? `: ${answer.note}` : ''}`,
        answer.managerId,
      );
    }
    return view;
  }
  function takeRetry(request: PaymentRetryRequest): OrderView {
    const waiting = view.status === 'PaymentFailed' || view.status === 'PaymentUnconfirmed';
    if (waiting && !view.cancellation && !retryRequest) {
      retryRequest = request;
      note(
        view,
        'payment_retry_requested',
        `Retry asked with payment method ${request.paymentMethod}`,
        request.requestedBy,
      );
    }
    return view;
  }
  setHandler(authorizeOrderSignal, (answer) => void takeAuthorization(answer));
  setHandler(retryPaymentSignal, (request) => void takeRetry(request));
  setHandler(answerAuthorizationUpdate, takeAuthorization, {
    validator: (_answer: AuthorizationAnswer) => {
      if (view.acceptance && !view.acceptance.authorizationRequired) {
        throw refusal('conflict', `order ${order.orderId} needs no authorization`, {
          reason: 'no_authorization_needed',
          status: view.status,
        });
      }
    },
  });
  setHandler(retryPaymentUpdate, takeRetry, {
    validator: (_request: PaymentRetryRequest) => {
      const waiting = view.status === 'PaymentFailed' || view.status === 'PaymentUnconfirmed';
      if (!waiting || view.cancellation) {
        throw refusal(
          'conflict',
          `order ${order.orderId} is ${view.status}${view.cancellation ? ' with a cancellation requested' : ''}, neither PaymentFailed nor PaymentUnconfirmed`,
          { reason: 'not_awaiting_payment', status: view.status },
        );
      }
    },
  });
  setHandler(orderShippedSignal, (report) => {
    if (view.status === 'Paid' && !view.cancellation && !shipment) shipment = report;
  });
  setHandler(goodsReturnedSignal, (report) => {
    if (view.status === 'Shipped' && view.cancellation && !goodsReturned) goodsReturned = report;
  });

  const settings: CheckoutSettings = await loadCheckoutSettings();
  const ctx = new OrderContext(order, settings, view, withAcceptance, backOffice);

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
    ctx.note('rejected', `Rejected: ${view.acceptance?.rejectionReason ?? 'not authorized'}`);
    ctx.setStatus('Rejected');
    ctx.publish('order.rejected', { reason: view.acceptance?.rejectionReason });
    ctx.emailCustomer('order_rejected');
    return ctx.finish();
  }

  /** The only real undo: money back through Stripe, at most once per order (one idempotency key). */
  async function refund(amount: number, restockingFee: number): Promise<OrderView> {
    const paymentIntentId = view.payment?.paymentIntentId;
    if (!paymentIntentId) throw ApplicationFailure.nonRetryable('a paid order has no payment intent');
    const withOutcomes = patched(PAYMENT_OUTCOMES_PATCH);
    const status: OrderStatus = restockingFee > 0 ? 'PartiallyRefunded' : 'Refunded';
    view.refund = { amount, restockingFee: restockingFee > 0 ? restockingFee : undefined, status: 'pending' };
    if (amount > 0) {
      let result: RefundResult;
      try {
        result = await payments.refundPayment({
          orderId: order.orderId,
          paymentIntentId,
          amount,
          reason: view.cancellation?.reason ?? 'cancelled',
        });
      } catch (err) {
        // Also on the old path: there, a refusal used to be retried forever, so no stored history
        // has one completed, and the worker's Stripe adapter now reports it once, as final.
        const refused = refundRefusal(err);
        if (!refused) throw err;
        return refundFailed(refused.message, refused.code);
      }
      view.refund = { ...view.refund, refundId: result.refundId, amount: result.amount };
      if (withOutcomes) {
        // Pending, or waiting on the customer: the order says Refunded only once Stripe has settled it.
        if (result.status === 'pending' || result.status === 'requires_action') {
          ctx.explain(
            `refund ${result.refundId} is ${result.status.replace(/_/g, ' ')} at Stripe; waiting for it to settle`,
          );
          result = await refundChecks.confirmRefund({ orderId: order.orderId, refundId: result.refundId });
        }
        if (result.status !== 'succeeded') {
          return refundFailed(
            result.failureReason ?? `the refund was ${result.status}`,
            result.failureReason,
          );
        }
        view.refund.status = 'succeeded';
      } else {
        view.refund.status =
          result.status === 'succeeded'
            ? 'succeeded'
            : result.status === 'failed' || result.status === 'canceled'
              ? 'failed'
              : 'pending';
        if (withAcceptance && view.refund.status === 'failed') {
          ctx.inBackground(
            ctx.alert('refund_failed', `the refund ${result.refundId} for order ${order.orderId} failed`, {
              refundId: result.refundId,
              amount: result.amount,
            }),
          );
        }
      }
    } else {
      view.refund.status = 'succeeded';
    }
    ctx.note(
      'refund',
      `Refunded ${formatMoney(view.refund.amount, order.currency)}` +
        (restockingFee > 0 ? ` (restocking fee ${formatMoney(restockingFee, order.currency)} kept)` : ''),
    );
    ctx.setStatus(status);
    ctx.publish('order.refunded', {
      amount: view.refund.amount,
      restockingFee,
      refundId: view.refund.refundId,
    });
    ctx.emailCustomer('order_refunded', { amount: view.refund.amount, restockingFee });
    return ctx.finish();
  }

  /**
   * Stripe refused the refund for good, or it failed after being pending: support is alerted once,
   * the order keeps its cancellation with the refund marked failed and Stripe's reason, and the
   * customer is not told they were refunded.
   */
  async function refundFailed(reason: string, code?: string): Promise<OrderView> {
    view.refund = { ...view.refund!, status: 'failed', failureReason: reason };
    ctx.note('refund_failed', `Stripe refused the refund: ${reason}`);
    ctx.setStatus('Cancelled');
    ctx.inBackground(
      ctx.alert('refund_failed', `the refund for order ${order.orderId} failed: ${reason}`, {
        amount: view.refund.amount,
        refundId: view.refund.refundId,
        code,
      }),
    );
    ctx.publish('order.refund_failed', { amount: view.refund.amount, reason });
    ctx.explain(`the refund failed (${reason}); support has been alerted`);
    return ctx.finish();
  }

  /** PaymentIntents earlier attempts got back: asked about before any new attempt. */
  const knownIntents: string[] = [];

  /**
   * Waits for a processing PaymentIntent to settle, until the attempt's deadline: succeeded is
   * paid; a failure is a decline (thrown); past the deadline, `undefined` (unconfirmed).
   */
  async function settle(paymentIntentId: string, deadlineMs: number): Promise<ChargeResult | undefined> {
    view.payment = { attempt: view.paymentAttempts, paymentIntentId, status: 'processing' };
    ctx.explain(`payment ${paymentIntentId} is processing at Stripe; not paid until it succeeds`);
    try {
      return await stripeUntil(deadlineMs).confirmPayment({ orderId: order.orderId, paymentIntentId });
    } catch (err) {
      if (isTimeout(err)) return undefined;
      throw err;
    }
  }

  /**
   * Whether an earlier attempt took money, asked of Stripe before anything else is charged: by the
   * PaymentIntents that came back, else by the order's metadata. Retried until Stripe answers.
   */
  async function earlierPayment(): Promise<ChargeResult | 'unconfirmed' | undefined> {
    ctx.explain('asking Stripe whether an earlier attempt took money before charging again');
    const found = await payments.findPayment({ orderId: order.orderId, paymentIntentIds: [...knownIntents] });
    if (found.outcome === 'none' || !found.paymentIntentId) return undefined;
    if (found.outcome === 'succeeded') return { paymentIntentId: found.paymentIntentId, status: 'succeeded' };
    const attemptTimeout = settings.paymentAttemptTimeoutMs ?? DEFAULT_PAYMENT_ATTEMPT_TIMEOUT_MS;
    return (await settle(found.paymentIntentId, Date.now() + attemptTimeout)) ?? 'unconfirmed';
  }

  async function takePayment(statusBeforePayment: OrderStatus): Promise<PaymentOutcome> {
    const withOutcomes = patched(PAYMENT_OUTCOMES_PATCH);
    const attemptTimeout = settings.paymentAttemptTimeoutMs ?? DEFAULT_PAYMENT_ATTEMPT_TIMEOUT_MS;
    let paymentMethod = order.paymentMethod;
    /** An earlier attempt's outcome is not known: Stripe is asked before the next one. */
    let outcomeUnknown = false;
    for (let attempt = 1; ; attempt++) {
      if (view.cancellation && !outcomeUnknown) return 'cancelled';
      let unconfirmed = false;
      try {
        if (outcomeUnknown) {
          const earlier = await earlierPayment();
          if (earlier === 'unconfirmed') {
            unconfirmed = true;
          } else if (earlier) {
            ctx.note('paid', `Stripe says the earlier attempt took the money (${earlier.paymentIntentId})`);
            view.payment = {
              attempt: attempt - 1,
              paymentIntentId: earlier.paymentIntentId,
              status: 'succeeded',
            };
            return 'paid';
          } else {
            outcomeUnknown = false;
            // Nothing was taken: a cancel waiting on that answer ends the order with nothing charged.
            if (view.cancellation) return 'cancelled';
          }
        }
        if (!unconfirmed) {
          view.paymentAttempts = attempt;
          ctx.explain(`taking payment with Stripe (attempt ${attempt})`);
          ctx.note(
            'payment_attempt',
            `Charging ${formatMoney(order.total, order.currency)} to ${paymentMethod} (attempt ${attempt})`,
          );
          // A cancel that arrives while Stripe is being asked does not abort the request: whether
          // the money moved is only known from Stripe's answer. A charge that went through is then
          // refunded; a declined one ends the order with nothing charged.
          const request = {
            orderId: order.orderId,
            paymentAttempt: attempt,
            amount: order.total,
            currency: order.currency,
            paymentMethod,
            customerId: order.customer.id,
          };
          if (!withOutcomes) {
            const charge = await payments.chargePayment(request);
            view.payment = { attempt, paymentIntentId: charge.paymentIntentId, status: 'succeeded' };
            ctx.note('paid', `Stripe took the payment (${charge.paymentIntentId})`);
            return 'paid';
          }
          const deadline = Date.now() + attemptTimeout;
          let charge: ChargeResult | undefined;
          try {
            charge = await stripeUntil(deadline).chargePayment(request);
          } catch (err) {
            if (!isTimeout(err)) throw err;
          }
          if (charge) knownIntents.push(charge.paymentIntentId);
          if (charge?.status === 'processing') charge = await settle(charge.paymentIntentId, deadline);
          if (charge) {
            view.payment = { attempt, paymentIntentId: charge.paymentIntentId, status: 'succeeded' };
            ctx.note('paid', `Stripe took the payment (${charge.paymentIntentId})`);
            return 'paid';
          }
          unconfirmed = true;
        }
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        const declined = declineDetails(err);
        view.payment = {
          attempt: view.paymentAttempts,
          paymentIntentId: view.payment?.status === 'processing' ? view.payment.paymentIntentId : undefined,
          status: 'declined',
          declineCode: declined.declineCode ?? declined.code,
          message: declined.message,
        };
        ctx.note(
          'payment_declined',
          `Stripe declined attempt ${view.paymentAttempts}: ${declined.message ?? 'no reason given'}` +
            ((declined.declineCode ?? declined.code) ? ` (${declined.declineCode ?? declined.code})` : ''),
        );
        outcomeUnknown = false;
      }

      if (unconfirmed) {
        // Stripe has not said whether the attempt took money. Nothing more is charged until it has.
        outcomeUnknown = true;
        view.payment = {
          attempt: view.paymentAttempts,
          paymentIntentId: view.payment?.paymentIntentId,
          status: 'unconfirmed',
          message: 'Stripe did not confirm the charge in time',
          unconfirmedSince: ctx.now(),
        };
        view.paymentResolutionDeadline = ctx.after(settings.paymentResolutionWindowMs);
        ctx.note(
          'payment_unconfirmed',
          `Stripe did not confirm attempt ${view.paymentAttempts} in time; support decides by ${view.paymentResolutionDeadline}`,
        );
        ctx.setStatus('PaymentUnconfirmed');
        ctx.inBackground(
          ctx.alert(
            'payment_unconfirmed',
            `Stripe did not confirm the charge for order ${order.orderId} within ${Math.round(attemptTimeout / 60_000)} min; ` +
              'before any new attempt the process asks Stripe whether it took money',
            { attempt: view.paymentAttempts },
          ),
        );
        ctx.explain(
          `Stripe did not confirm attempt ${view.paymentAttempts}; waiting for support to retry or cancel ` +
            `(Stripe is asked first whether money moved), or until ${view.paymentResolutionDeadline}`,
        );
      } else {
        // Cancelled while the bank said no: nothing to resolve, nobody to alert.
        if (withAcceptance && view.cancellation) return 'cancelled';
        const failed = view.payment!;
        view.paymentResolutionDeadline = ctx.after(settings.paymentResolutionWindowMs);
        ctx.setStatus('PaymentFailed');
        ctx.inBackground(
          ctx.alert('payment_failed', `payment for order ${order.orderId} failed: ${failed.message}`, {
            attempt: failed.attempt,
            declineCode: failed.declineCode,
          }),
        );
        ctx.publish(
          'order.payment_failed',
          { attempt: failed.attempt, declineCode: failed.declineCode },
          failed.attempt,
        );
        ctx.explain(
          `payment declined (${failed.declineCode ?? failed.message ?? 'no reason given'}); ` +
            `waiting for support to retry with a new payment method or cancel, until ${view.paymentResolutionDeadline}`,
        );
      }

      const answered = await condition(
        () => retryRequest !== undefined || view.cancellation !== undefined,
        settings.paymentResolutionWindowMs,
      );
      view.paymentResolutionDeadline = undefined;
      if (!answered) {
        if (outcomeUnknown) {
          // Nobody answered: Stripe's word decides. Money taken is the payment; none, the order ends.
          const earlier = await earlierPayment();
          if (earlier && earlier !== 'unconfirmed') {
            ctx.note('paid', `Stripe says the earlier attempt took the money (${earlier.paymentIntentId})`);
            view.payment = {
              attempt: view.paymentAttempts,
              paymentIntentId: earlier.paymentIntentId,
              status: 'succeeded',
            };
            return 'paid';
          }
          if (earlier === 'unconfirmed') {
            attempt -= 1; // the same attempt, still unconfirmed: wait for support again
            continue;
          }
        }
        view.cancellation = {
          reason: 'the failed payment was not resolved in time',
          requestedBy: 'system',
          requestedAt: now(),
        };
        ctx.note('cancel_requested', 'Cancelled: the failed payment was not resolved in time', 'system');
        return 'unresolved';
      }
      if (view.cancellation && !outcomeUnknown) return 'cancelled';
      if (retryRequest) {
        paymentMethod = retryRequest.paymentMethod;
        retryRequest = undefined;
      }
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
  ctx.note(
    'shipped',
    `Shipped${shipment.trackingNumber ? ` with tracking number ${shipment.trackingNumber}` : ''}`,
    'warehouse',
  );
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
  ctx.note(
    'return_requested',
    `Cancelled after shipment: the refund waits for the goods until ${view.goodsReturn.expectedBy}`,
  );
  ctx.record();
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
  ctx.note(
    'goods_returned',
    `Goods returned ${goodsReturned.originalPackaging ? 'in their original packaging' : 'without their original packaging'}`,
    goodsReturned.reportedBy,
  );
  const { amount, restockingFee } = refundForReturn(
    order.total,
    goodsReturned.originalPackaging,
    settings.restockingFeePercent,
  );
  return refund(amount, restockingFee);
}

/** A refund Stripe refused for good (RefundRefused), with Stripe's reason; anything else is not one. */
function refundRefusal(err: unknown): RefundRefusedDetails | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return undefined;
  if (err.cause.type !== 'RefundRefused' || !err.cause.nonRetryable) return undefined;
  const details = err.cause.details?.[0] as Partial<RefundRefusedDetails> | undefined;
  return { code: details?.code, message: details?.message ?? err.cause.message };
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
