/**
 * Step 3 of the checkout: taking the payment with Stripe. The order has one PaymentIntent, created
 * before its first attempt and kept by id; every attempt confirms that same intent with its own
 * payment method, idempotency key and deadline, and a PaymentIntent succeeds at most once, so a
 * second charge cannot happen. A decline waits for support to retry with another payment method or
 * cancel; an attempt Stripe did not confirm in time is `PaymentUnconfirmed`, and the intent is read
 * by id before anything else is tried. Nobody answering within the resolution window ends the
 * order, unless Stripe says the money was taken.
 */
import { ActivityFailure, condition, patched } from '@temporalio/workflow';
import type { ChargeResult, FoundPayment } from '../../activities/checkout/types';
import { type OrderStatus } from '../../domain/checkout';
import { formatMoney } from '../../domain/words';
import { describe, isDeadlinePassed } from '../process-context';
import { stripeActivities, type OrderContext } from './context';
import { recordDecline, reportDecline, reportUnconfirmed, type Payment } from './payment-state';

/**
 * Money at the edges: a charge attempt has a deadline (PAYMENT_ATTEMPT_TIMEOUT), past which the
 * order is `PaymentUnconfirmed` and Stripe is asked whether money moved before anything else is
 * charged; a processing PaymentIntent is paid only once it has succeeded; a refund Stripe refuses
 * for good, or one still pending, is never reported to the customer as done. Orders whose
 * histories lack the marker keep the old path.
 */
export const PAYMENT_OUTCOMES_PATCH = 'payment-outcomes';

/**
 * One PaymentIntent per order (see the header): created unconfirmed under the order's key before
 * the first attempt, its id kept in the history; each attempt confirms it; after an unconfirmed
 * attempt it is read by id (strongly consistent), never looked for by Stripe's search (eventually
 * consistent: an intent can stay unfound for minutes, an hour in an outage, exactly when attempts
 * end unconfirmed). Orders started on checkout revision 3 take it without a marker; any other order
 * that reaches payment on this code takes it with this patch's marker. Histories with neither keep
 * the old path: a PaymentIntent created and confirmed per attempt, found again by id or search.
 */
export const ONE_PAYMENT_INTENT_PATCH = 'one-payment-intent';

/** The checkout revision from which orders take the one PaymentIntent without a marker. */
const ONE_PAYMENT_INTENT_REVISION = 3;

/**
 * On the old path, a lookup that fails for good (Stripe's search refusing the query, say) leaves
 * the attempt unconfirmed instead of being recorded as a card decline that clears the unknown
 * outcome. Histories that took the old answer lack the marker and keep it.
 */
export const PAYMENT_LOOKUP_PATCH = 'payment-lookup-not-a-decline';

/**
 * A cancel on record while an attempt's outcome is unknown: the order waits for support's retry or
 * the resolution window before it asks Stripe again, instead of asking at once in a loop.
 * Histories that took the old answer (no such wait) lack the marker and keep it.
 */
export const CANCEL_WAITS_FOR_STRIPE_PATCH = 'cancel-waits-for-stripe';

/** The attempt deadline of orders whose recorded settings predate PAYMENT_ATTEMPT_TIMEOUT. */
const DEFAULT_PAYMENT_ATTEMPT_TIMEOUT_MS = 3_600_000;

export type PaymentOutcome = 'paid' | 'cancelled' | 'unresolved';

/** A Stripe call that must end by `deadlineMs` (workflow time): retried until then, then a TimeoutFailure. */
function stripeUntil(ctx: OrderContext, payment: Payment, deadlineMs: number) {
  return stripeActivities(ctx.settings, { deadlineMs, background: payment.background });
}

/** The order's Stripe calls without a deadline: retried until Stripe answers. */
function stripe(ctx: OrderContext, payment: Payment) {
  return stripeActivities(ctx.settings, { background: payment.background });
}

/** Attempts until one is paid, the order is cancelled, or nobody resolves a failed one in time. */
export async function takePayment(
  ctx: OrderContext,
  statusBeforePayment: OrderStatus,
): Promise<PaymentOutcome> {
  const { view, order, settings } = ctx;
  const withOutcomes = ctx.lean || patched(PAYMENT_OUTCOMES_PATCH);
  const payment: Payment = {
    method: order.paymentMethod,
    outcomeUnknown: false,
    knownIntents: [],
    withOutcomes,
    attemptTimeoutMs: settings.paymentAttemptTimeoutMs ?? DEFAULT_PAYMENT_ATTEMPT_TIMEOUT_MS,
    // Decided once, here: a history without the marker keeps the old path to its end.
    onePaymentIntent:
      withOutcomes && (ctx.revision >= ONE_PAYMENT_INTENT_REVISION || patched(ONE_PAYMENT_INTENT_PATCH)),
  };
  for (let attempt = 1; ; attempt++) {
    if (view.cancellation && !payment.outcomeUnknown) return 'cancelled';
    const tried = await attemptPayment(ctx, payment, attempt);
    if (tried === 'paid' || tried === 'cancelled') return tried;
    if (tried === 'unconfirmed') {
      reportUnconfirmed(ctx, payment);
    } else {
      // Cancelled while the bank said no: nothing to resolve, nobody to alert.
      if (ctx.withAcceptance && view.cancellation) return 'cancelled';
      reportDecline(ctx);
    }
    const resolution = await awaitResolution(ctx, payment);
    if (resolution === 'same_attempt') {
      attempt -= 1; // the same attempt, still unconfirmed: wait for support again
      continue;
    }
    if (resolution !== 'retry') return resolution;
    ctx.setStatus(statusBeforePayment);
  }
}

/**
 * One attempt: Stripe asked first when an earlier outcome is unknown, then charged. Only Stripe's
 * answer to the charge can be a decline; a lookup that fails leaves the outcome unknown.
 */
async function attemptPayment(
  ctx: OrderContext,
  payment: Payment,
  attempt: number,
): Promise<'paid' | 'cancelled' | 'declined' | 'unconfirmed'> {
  try {
    if (payment.outcomeUnknown) {
      const earlier = await earlierPayment(ctx, payment);
      if (earlier === 'unconfirmed') return 'unconfirmed';
      if (earlier) {
        paidEarlier(ctx, earlier, attempt - 1);
        return 'paid';
      }
      payment.outcomeUnknown = false;
      // Nothing was taken: a cancel waiting on that answer ends the order with nothing charged.
      if (ctx.view.cancellation) return 'cancelled';
    }
    if (payment.onePaymentIntent && payment.intentId === undefined) {
      ctx.view.paymentAttempts = attempt;
      await openIntent(ctx, payment);
      // Creating the intent charged nothing: a cancel meanwhile ends the order with nothing charged.
      if (ctx.view.cancellation) return 'cancelled';
    }
    return await charge(ctx, payment, attempt);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    recordDecline(ctx, err, payment);
    payment.outcomeUnknown = false;
    return 'declined';
  }
}

/**
 * Charges the order. A cancel that arrives while Stripe is being asked does not abort the request:
 * whether the money moved is only known from Stripe's answer. A charge that went through is then
 * refunded; a declined one ends the order with nothing charged.
 */
async function charge(ctx: OrderContext, payment: Payment, attempt: number): Promise<'paid' | 'unconfirmed'> {
  const { view, order } = ctx;
  view.paymentAttempts = attempt;
  ctx.explain(`taking payment with Stripe (attempt ${attempt})`);
  ctx.note('payment_attempt', `Charging ${formatMoney(order.total, order.currency)} (attempt ${attempt})`);
  const request = {
    orderId: order.orderId,
    paymentAttempt: attempt,
    amount: order.total,
    currency: order.currency,
    paymentMethod: payment.method,
    customerId: order.customer.id,
  };
  if (!payment.withOutcomes) {
    paid(ctx, attempt, (await stripe(ctx, payment).chargePayment(request)).paymentIntentId);
    return 'paid';
  }
  const paymentIntentId = payment.intentId;
  const deadline = Date.now() + payment.attemptTimeoutMs;
  let result: ChargeResult | undefined;
  try {
    result = paymentIntentId
      ? await stripeUntil(ctx, payment, deadline).confirmPaymentIntent({ ...request, paymentIntentId })
      : await stripeUntil(ctx, payment, deadline).chargePayment(request);
  } catch (err) {
    if (!isDeadlinePassed(err)) throw err;
  }
  if (result) payment.knownIntents.push(result.paymentIntentId);
  if (result?.status === 'processing') result = await settle(ctx, payment, result.paymentIntentId, deadline);
  if (!result) return 'unconfirmed';
  paid(ctx, attempt, result.paymentIntentId);
  return 'paid';
}

/**
 * Creates the order's one PaymentIntent before its first attempt (nothing is charged by that) and
 * keeps its id from then on. Retried until Stripe answers; repeated, the order's key brings back
 * the same intent.
 */
async function openIntent(ctx: OrderContext, payment: Payment): Promise<void> {
  const { order } = ctx;
  ctx.explain("creating the order's PaymentIntent at Stripe (nothing is charged by that)");
  const opened = await stripe(ctx, payment).openPaymentIntent({
    orderId: order.orderId,
    amount: order.total,
    currency: order.currency,
    customerId: order.customer.id,
  });
  payment.intentId = opened.paymentIntentId;
}

function paid(ctx: OrderContext, attempt: number, paymentIntentId: string): void {
  ctx.view.payment = { attempt, paymentIntentId, status: 'succeeded' };
  ctx.note('paid', 'Stripe took the payment');
}

function paidEarlier(ctx: OrderContext, earlier: ChargeResult, attempt: number): void {
  ctx.note('paid', 'Stripe says the earlier attempt took the money');
  ctx.view.payment = { attempt, paymentIntentId: earlier.paymentIntentId, status: 'succeeded' };
}

/**
 * Waits for a processing PaymentIntent to settle, until the attempt's deadline: succeeded is
 * paid; a failure is a decline (thrown); past the deadline, `undefined` (unconfirmed).
 */
async function settle(
  ctx: OrderContext,
  payment: Payment,
  paymentIntentId: string,
  deadlineMs: number,
): Promise<ChargeResult | undefined> {
  const { view, order } = ctx;
  view.payment = { attempt: view.paymentAttempts, paymentIntentId, status: 'processing' };
  ctx.explain(`payment ${paymentIntentId} is processing at Stripe; not paid until it succeeds`);
  try {
    return await stripeUntil(ctx, payment, deadlineMs).confirmPayment({
      orderId: order.orderId,
      paymentIntentId,
    });
  } catch (err) {
    if (isDeadlinePassed(err)) return undefined;
    throw err;
  }
}

/**
 * Whether an earlier attempt took money, asked of Stripe before anything else is charged: the
 * order's PaymentIntent read by id (old path: the PaymentIntents that came back, else Stripe's
 * search on the order's metadata). Retried until Stripe answers; a lookup Stripe refuses for good
 * leaves the outcome unknown (`unconfirmed`), never a decline.
 */
async function earlierPayment(
  ctx: OrderContext,
  payment: Payment,
): Promise<ChargeResult | 'unconfirmed' | undefined> {
  ctx.explain('asking Stripe whether an earlier attempt took money before charging again');
  const { orderId } = ctx.order;
  let found: FoundPayment;
  try {
    if (payment.onePaymentIntent) {
      // Never created: no attempt was ever confirmed.
      if (payment.intentId === undefined) return undefined;
      found = await stripe(ctx, payment).checkPaymentIntent({ orderId, paymentIntentId: payment.intentId });
    } else {
      found = await stripe(ctx, payment).findPayment({
        orderId,
        paymentIntentIds: [...payment.knownIntents],
      });
    }
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    // The old path recorded this as a decline; histories that did keep doing so.
    if (!payment.onePaymentIntent && !patched(PAYMENT_LOOKUP_PATCH)) throw err;
    payment.unconfirmedBecause = `Stripe could not say whether attempt ${ctx.view.paymentAttempts} took money (${describe(err)})`;
    return 'unconfirmed';
  }
  if (found.outcome === 'none' || !found.paymentIntentId) return undefined;
  if (found.outcome === 'succeeded') return { paymentIntentId: found.paymentIntentId, status: 'succeeded' };
  return (
    (await settle(ctx, payment, found.paymentIntentId, Date.now() + payment.attemptTimeoutMs)) ??
    'unconfirmed'
  );
}

/**
 * Waits for support's retry or a cancel, for PAYMENT_RESOLUTION_WINDOW. Nobody answering: Stripe's
 * word decides when an outcome is unknown (money taken is the payment), else the order ends.
 */
async function awaitResolution(
  ctx: OrderContext,
  payment: Payment,
): Promise<PaymentOutcome | 'retry' | 'same_attempt'> {
  const { view, inbox, settings } = ctx;
  // A cancel already on record while Stripe has not said whether money moved is no news: waiting
  // on it would ask Stripe again at once, and again (a lookup Stripe refuses for good looped with
  // no pause). Such an order waits for support or the window, then asks Stripe again.
  const cancelWaitsForStripe =
    payment.outcomeUnknown && view.cancellation !== undefined && patched(CANCEL_WAITS_FOR_STRIPE_PATCH);
  const answered = await condition(
    () => inbox.retryRequest !== undefined || (!cancelWaitsForStripe && view.cancellation !== undefined),
    settings.paymentResolutionWindowMs,
  );
  view.paymentResolutionDeadline = undefined;
  if (!answered) {
    if (payment.outcomeUnknown) {
      const earlier = await earlierPayment(ctx, payment);
      if (earlier && earlier !== 'unconfirmed') {
        paidEarlier(ctx, earlier, view.paymentAttempts);
        return 'paid';
      }
      if (earlier === 'unconfirmed') return 'same_attempt';
      payment.outcomeUnknown = false;
    }
    // Nothing was taken: a cancel on record ends the order as asked.
    if (cancelWaitsForStripe) return 'cancelled';
    view.cancellation = {
      reason: 'the failed payment was not resolved in time',
      requestedBy: 'system',
      requestedAt: ctx.now(),
    };
    ctx.note('cancel_requested', 'Cancelled: the failed payment was not resolved in time', 'system');
    return 'unresolved';
  }
  if (view.cancellation && !payment.outcomeUnknown) return 'cancelled';
  if (inbox.retryRequest) {
    payment.method = inbox.retryRequest.paymentMethod;
    // A bulk action's retry waits behind new customers on the Stripe queue.
    payment.background = inbox.retryRequest.bulkAction !== undefined;
    inbox.retryRequest = undefined;
  }
  return 'retry';
}
