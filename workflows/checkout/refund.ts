/**
 * The only real undo: money back through Stripe, at most once per order (one idempotency key).
 * The order says Refunded (or PartiallyRefunded, a restocking fee kept) only once Stripe has
 * settled the refund; one Stripe refuses for good, or that fails after pending, leaves the order
 * Cancelled with the refund marked failed, support alerted once, and the customer not told.
 */
import { REFUND_CHECKS } from '../retry-policies';
import { ActivityFailure, ApplicationFailure, patched, proxyActivities } from '@temporalio/workflow';
import type { CheckoutActivities, RefundRefusedDetails, RefundResult } from '../../activities/checkout/types';
import { type OrderStatus, type OrderView } from '../../domain/checkout';
import { formatMoney } from '../../domain/words';
import { stripeActivities, type OrderContext } from './context';
import { PAYMENT_OUTCOMES_PATCH } from './payment';

/** A pending refund is asked about again with backoff, for as long as Stripe takes to settle it. */
const refundChecks = proxyActivities<CheckoutActivities>({
  startToCloseTimeout: '1m',
  retry: REFUND_CHECKS,
});

export async function refund(ctx: OrderContext, amount: number, restockingFee: number): Promise<OrderView> {
  const { view, order } = ctx;
  const paymentIntentId = view.payment?.paymentIntentId;
  if (!paymentIntentId) throw ApplicationFailure.nonRetryable('a paid order has no payment intent');
  const withOutcomes = ctx.lean || patched(PAYMENT_OUTCOMES_PATCH);
  view.refund = { amount, restockingFee: restockingFee > 0 ? restockingFee : undefined, status: 'pending' };
  if (amount > 0) {
    let result: RefundResult;
    try {
      result = await stripeActivities(ctx.settings).refundPayment({
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
      return refundFailed(ctx, refused.message, refused.code);
    }
    view.refund = { ...view.refund, refundId: result.refundId, amount: result.amount };
    if (withOutcomes) {
      const settled = await settledRefund(ctx, result);
      if (settled.status !== 'succeeded') {
        return refundFailed(
          ctx,
          settled.failureReason ?? `the refund was ${settled.status}`,
          settled.failureReason,
        );
      }
      view.refund.status = 'succeeded';
    } else {
      recordOldOutcome(ctx, result);
    }
  } else {
    view.refund.status = 'succeeded';
  }
  return refunded(ctx, restockingFee);
}

/** Pending, or waiting on the customer: asked about again until Stripe has settled it. */
async function settledRefund(ctx: OrderContext, result: RefundResult): Promise<RefundResult> {
  if (result.status !== 'pending' && result.status !== 'requires_action') return result;
  ctx.explain(
    `refund ${result.refundId} is ${result.status.replace(/_/g, ' ')} at Stripe; waiting for it to settle`,
  );
  return refundChecks.confirmRefund({ orderId: ctx.order.orderId, refundId: result.refundId });
}

/** Orders started before PAYMENT_OUTCOMES_PATCH take Stripe's first answer as the outcome. */
function recordOldOutcome(ctx: OrderContext, result: RefundResult): void {
  const { view, order } = ctx;
  view.refund!.status =
    result.status === 'succeeded'
      ? 'succeeded'
      : result.status === 'failed' || result.status === 'canceled'
        ? 'failed'
        : 'pending';
  if (ctx.withAcceptance && view.refund!.status === 'failed') {
    ctx.inBackground(
      ctx.alert('refund_failed', `the refund ${result.refundId} for order ${order.orderId} failed`, {
        refundId: result.refundId,
        amount: result.amount,
      }),
    );
  }
}

function refunded(ctx: OrderContext, restockingFee: number): Promise<OrderView> {
  const { view, order } = ctx;
  const refund = view.refund!;
  const status: OrderStatus = restockingFee > 0 ? 'PartiallyRefunded' : 'Refunded';
  ctx.note(
    'refund',
    `Refunded ${formatMoney(refund.amount, order.currency)}` +
      (restockingFee > 0 ? ` (restocking fee ${formatMoney(restockingFee, order.currency)} kept)` : ''),
  );
  ctx.setStatus(status);
  ctx.publish('order.refunded', { amount: refund.amount, restockingFee, refundId: refund.refundId });
  ctx.emailCustomer('order_refunded', { amount: refund.amount, restockingFee });
  return ctx.finish();
}

/**
 * Stripe refused the refund for good, or it failed after being pending: support is alerted once,
 * the order keeps its cancellation with the refund marked failed and Stripe's reason, and the
 * customer is not told they were refunded.
 */
function refundFailed(ctx: OrderContext, reason: string, code?: string): Promise<OrderView> {
  const { view, order } = ctx;
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

/** A refund Stripe refused for good (RefundRefused), with Stripe's reason; anything else is not one. */
function refundRefusal(err: unknown): RefundRefusedDetails | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return undefined;
  if (err.cause.type !== 'RefundRefused' || !err.cause.nonRetryable) return undefined;
  const details = err.cause.details?.[0] as Partial<RefundRefusedDetails> | undefined;
  return { code: details?.code, message: details?.message ?? err.cause.message };
}
