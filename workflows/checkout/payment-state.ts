/**
 * Where a checkout's payment stands between attempts, and how each outcome that waits for support
 * is put on record: a decline (with Stripe's reason), an attempt Stripe did not confirm in time,
 * support alerted and downstream told.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { PaymentDeclinedDetails } from '../../activities/checkout/types';
import type { OrderContext } from './context';
import { formatTime } from '../../domain/words';

/** Where the payment stands between attempts. */
export interface Payment {
  method: string;
  /** An earlier attempt's outcome is not known: Stripe is asked before the next one. */
  outcomeUnknown: boolean;
  /** PaymentIntents earlier attempts got back: asked about before any new attempt (old path). */
  knownIntents: string[];
  withOutcomes: boolean;
  attemptTimeoutMs: number;
  /** The order has one PaymentIntent (ONE_PAYMENT_INTENT_PATCH) ... */
  onePaymentIntent: boolean;
  /** ... this one, once created: every attempt confirms it. */
  intentId?: string;
  /** Why the outcome is still unknown, when it is not the attempt's deadline (a failed lookup). */
  unconfirmedBecause?: string;
  /** The attempt was asked by a bulk action: its Stripe calls wait behind new customers'. */
  background?: boolean;
}

export function recordDecline(ctx: OrderContext, err: ActivityFailure, payment: Payment): void {
  const { view } = ctx;
  const declined = declineDetails(err);
  const code = declined.declineCode ?? declined.code;
  view.payment = {
    attempt: view.paymentAttempts,
    paymentIntentId:
      payment.intentId ?? (view.payment?.status === 'processing' ? view.payment.paymentIntentId : undefined),
    status: 'declined',
    declineCode: code,
    message: declined.message,
  };
  ctx.note(
    'payment_declined',
    `Stripe declined attempt ${view.paymentAttempts}: ${declined.message ?? 'no reason given'}`,
  );
}

/** Stripe has not said whether the attempt took money. Nothing more is charged until it has. */
export function reportUnconfirmed(ctx: OrderContext, payment: Payment): void {
  const { view, order, settings } = ctx;
  const because = payment.unconfirmedBecause;
  payment.unconfirmedBecause = undefined;
  payment.outcomeUnknown = true;
  view.payment = {
    attempt: view.paymentAttempts,
    paymentIntentId: payment.intentId ?? view.payment?.paymentIntentId,
    status: 'unconfirmed',
    message: because ?? 'Stripe did not confirm the charge in time',
    unconfirmedSince: ctx.now(),
  };
  view.paymentResolutionDeadline = ctx.after(settings.paymentResolutionWindowMs);
  ctx.note(
    'payment_unconfirmed',
    `${because ?? `Stripe did not confirm attempt ${view.paymentAttempts} in time`}; support decides by ${formatTime(view.paymentResolutionDeadline)}`,
  );
  ctx.setStatus('PaymentUnconfirmed');
  ctx.inBackground(
    ctx.alert(
      'payment_unconfirmed',
      `${because ? `${because} for order ${order.orderId}` : `Stripe did not confirm the charge for order ${order.orderId} within ${Math.round(payment.attemptTimeoutMs / 60_000)} min`}; ` +
        'before any new attempt the process asks Stripe whether it took money',
      { attempt: view.paymentAttempts },
    ),
  );
  ctx.explain(
    `Stripe did not confirm attempt ${view.paymentAttempts}; waiting for support to retry or cancel ` +
      `(Stripe is asked first whether money moved), or until ${view.paymentResolutionDeadline}`,
  );
}

/** The bank said no: support is alerted, downstream told, and the order waits for a retry or a cancel. */
export function reportDecline(ctx: OrderContext): void {
  const { view, order, settings } = ctx;
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
