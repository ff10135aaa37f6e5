/**
 * Where the checkout's money moves: the payment gateway its activities charge and refund through.
 * Stripe when STRIPE_SECRET_KEY is set (activities/checkout/stripe.ts); otherwise the development
 * gateway, which records what it would have done and approves every charge except Stripe's test
 * payment methods for a decline (e.g. `pm_card_chargeDeclined`), so the failed-payment path can be
 * tried without Stripe. Like Stripe, it charges the order's one PaymentIntent at most once.
 */
import { traced } from '../../observability/spans';
import { ApplicationFailure } from '@temporalio/common';
import type { AppConfig } from '../../config/settings';
import { chargeIdempotencyKey, paymentIntentIdempotencyKey, refundIdempotencyKey } from '../../domain/keys';
import type { DevRecorder } from '../adapters/development';
import { createStripeClient, createStripeGateway } from './stripe';
import { PAYMENT_DECLINED, type PaymentGateway } from './types';

/** Stripe when configured, else the development gateway; with a line saying which. */
export function paymentGatewayFor(
  stripe: AppConfig['stripe'],
  recorder: DevRecorder,
): { payments: PaymentGateway; summary: string } {
  if (stripe.secretKey) {
    return {
      // Each call a client span (`stripe charge`), Stripe's HTTP requests inside it.
      payments: traced(
        createStripeGateway(
          createStripeClient({
            secretKey: stripe.secretKey,
            apiBase: stripe.apiBase,
            maxRequestsPerSecond: stripe.maxRequestsPerSecond,
          }),
        ),
        'stripe',
        { 'peer.service': 'stripe' },
      ),
      summary: `payments: Stripe at ${stripe.apiBase ?? 'https://api.stripe.com'}`,
    };
  }
  return {
    payments: traced(createDevPaymentGateway(recorder), 'payments (development)'),
    summary: `payments: development adapter, records to ${recorder.file('payments')} (set STRIPE_SECRET_KEY for Stripe)`,
  };
}

export function createDevPaymentGateway(recorder: DevRecorder): PaymentGateway {
  const declinedCard = (): ApplicationFailure =>
    ApplicationFailure.create({
      type: PAYMENT_DECLINED,
      message: 'Your card was declined.',
      nonRetryable: true,
      details: [
        { code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' },
      ],
    });
  /** The charge this adapter approved on a PaymentIntent, if any: one at most. */
  const takenOn = (paymentIntentId: string) =>
    recorder
      .entries('payments')
      .find(
        (e) => e.action === 'charge' && e.outcome === 'succeeded' && e.paymentIntentId === paymentIntentId,
      );
  return {
    name: 'development payments (records to payments.jsonl)',
    async charge(request) {
      const idempotencyKey = chargeIdempotencyKey(request.orderId, request.paymentAttempt);
      if (/declin/i.test(request.paymentMethod)) {
        recorder.record('payments', { action: 'charge', outcome: 'declined', idempotencyKey, ...request });
        throw declinedCard();
      }
      const paymentIntentId = `pi_dev_${idempotencyKey}`;
      recorder.record('payments', {
        action: 'charge',
        outcome: 'succeeded',
        idempotencyKey,
        paymentIntentId,
        ...request,
      });
      return { paymentIntentId, status: 'succeeded' };
    },
    async findPayment({ orderId }) {
      // Every charge this adapter approved is on record: the first for the order counts.
      const taken = recorder
        .entries('payments')
        .find((e) => e.action === 'charge' && e.outcome === 'succeeded' && e.orderId === orderId);
      return taken
        ? { outcome: 'succeeded', paymentIntentId: String(taken.paymentIntentId) }
        : { outcome: 'none' };
    },
    async openPaymentIntent(request) {
      // The same id for the same order, as Stripe answers a repeated creation under the order's key.
      const paymentIntentId = `pi_dev_${paymentIntentIdempotencyKey(request.orderId)}`;
      recorder.record('payments', { action: 'open', paymentIntentId, ...request });
      return { paymentIntentId };
    },
    async confirmPaymentIntent(request) {
      const { paymentIntentId } = request;
      if (takenOn(paymentIntentId)) return { paymentIntentId, status: 'succeeded' };
      const idempotencyKey = chargeIdempotencyKey(request.orderId, request.paymentAttempt);
      const declined = /declin/i.test(request.paymentMethod);
      recorder.record('payments', {
        action: 'charge',
        outcome: declined ? 'declined' : 'succeeded',
        idempotencyKey,
        ...request,
      });
      if (declined) throw declinedCard();
      return { paymentIntentId, status: 'succeeded' };
    },
    async checkPaymentIntent(paymentIntentId) {
      return takenOn(paymentIntentId) ? { outcome: 'succeeded', paymentIntentId } : { outcome: 'none' };
    },
    async confirmPayment(paymentIntentId) {
      return { paymentIntentId, status: 'succeeded' };
    },
    async refund(request) {
      const idempotencyKey = refundIdempotencyKey(request.orderId);
      recorder.record('payments', { action: 'refund', outcome: 'succeeded', idempotencyKey, ...request });
      return { refundId: `re_dev_${idempotencyKey}`, amount: request.amount, status: 'succeeded' };
    },
    async confirmRefund(refundId) {
      const refund = recorder
        .entries('payments')
        .find((e) => e.action === 'refund' && `re_dev_${String(e.idempotencyKey)}` === refundId);
      return { refundId, amount: Number(refund?.amount ?? 0), status: 'succeeded' };
    },
  };
}
