/**
 * Payments through Stripe: one PaymentIntent, created and confirmed in one call, per order and
 * payment attempt; refunds against it. Idempotency keys come from the order (domain/keys.ts), so
 * however often Temporal retries or re-runs the activity, Stripe sees one request.
 *
 * Errors are sorted for Temporal: a card error (402) or a request Stripe will never accept (400,
 * 404) is a non-retryable `PaymentDeclined`, a business outcome the workflow handles; anything
 * transient (network, 5xx, 429, lock timeouts, an idempotent request still in flight) is thrown
 * as retryable, and Temporal retries it with backoff.
 */
import { ApplicationFailure } from '@temporalio/common';
import Stripe from 'stripe';
import { chargeIdempotencyKey, refundIdempotencyKey } from '../domain/keys';
import type { PaymentGateway } from './ports';
import {
  PAYMENT_DECLINED,
  type ChargeRequest,
  type ChargeResult,
  type PaymentDeclinedDetails,
  type RefundRequest,
  type RefundResult,
} from './types';

export interface StripeClientOptions {
  secretKey: string;
  /** e.g. http://127.0.0.1:12111 for a local stripe-mock; unset for api.stripe.com. */
  apiBase?: string;
}

export function createStripeClient(options: StripeClientOptions): Stripe {
  const config: ConstructorParameters<typeof Stripe>[1] = {
    // Temporal owns retries: every attempt it makes carries the same idempotency key.
    maxNetworkRetries: 0,
    timeout: 20_000,
    appInfo: { name: 'temporal-commerce' },
  };
  if (options.apiBase) {
    const base = new URL(options.apiBase);
    config.host = base.hostname;
    config.port = base.port || (base.protocol === 'http:' ? 80 : 443);
    config.protocol = base.protocol.replace(':', '') as 'http' | 'https';
  }
  return new Stripe(options.secretKey, config);
}

function declined(details: PaymentDeclinedDetails): ApplicationFailure {
  return ApplicationFailure.create({
    type: PAYMENT_DECLINED,
    message: details.message,
    nonRetryable: true,
    details: [details],
  });
}

/** Sorts a Stripe error into a business decline (non-retryable) or a retryable failure. */
export function classifyStripeError(err: unknown): Error {
  if (!(err instanceof Stripe.errors.StripeError)) return err instanceof Error ? err : new Error(String(err));
  const summary = `Stripe ${err.statusCode ?? 'network'} ${err.type}${err.code ? ` (${err.code})` : ''}: ${err.message}`;
  switch (err.type) {
    case 'StripeCardError':
      return declined({ code: err.code, declineCode: err.decline_code, message: err.message });
    case 'StripeInvalidRequestError':
      if (err.code === 'lock_timeout' || (err.statusCode ?? 0) >= 500) break;
      return declined({ code: err.code ?? 'invalid_request', message: err.message });
    default:
      break;
  }
  // Network, 5xx, 429, lock timeouts, an idempotent request still in flight, and credentials an
  // operator has to fix: retried, with the reason in the activity's failure for the UI.
  return ApplicationFailure.create({ type: err.type, message: summary, nonRetryable: false });
}

export function createStripeGateway(stripe: Stripe): PaymentGateway {
  return {
    name: 'stripe',
    async charge(request: ChargeRequest): Promise<ChargeResult> {
      let intent: Stripe.PaymentIntent;
      try {
        intent = await stripe.paymentIntents.create(
          {
            amount: request.amount,
            currency: request.currency,
            payment_method: request.paymentMethod,
            automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
            confirm: true,
            description: `Order ${request.orderId}`,
            metadata: {
              orderId: request.orderId,
              paymentAttempt: String(request.paymentAttempt),
              customerId: request.customerId,
            },
          },
          { idempotencyKey: chargeIdempotencyKey(request.orderId, request.paymentAttempt) },
        );
      } catch (err) {
        throw classifyStripeError(err);
      }
      if (intent.status === 'succeeded' || intent.status === 'processing') {
        return { paymentIntentId: intent.id, status: 'succeeded' };
      }
      // Confirmed but not paid: the card needs the customer (3-D Secure) or was refused.
      throw declined({
        code: intent.last_payment_error?.code ?? intent.status,
        declineCode: intent.last_payment_error?.decline_code,
        message: intent.last_payment_error?.message ?? `the payment is ${intent.status.replace(/_/g, ' ')}`,
      });
    },

    async refund(request: RefundRequest): Promise<RefundResult> {
      try {
        const refund = await stripe.refunds.create(
          {
            payment_intent: request.paymentIntentId,
            amount: request.amount,
            reason: 'requested_by_customer',
            metadata: { orderId: request.orderId, reason: request.reason.slice(0, 500) },
          },
          { idempotencyKey: refundIdempotencyKey(request.orderId) },
        );
        return {
          refundId: refund.id,
          amount: refund.amount,
          status: (refund.status ?? 'pending') as RefundResult['status'],
        };
      } catch (err) {
        const failure = classifyStripeError(err);
        // A refund is owed: a refusal is not the end of it, so it is retried (and visible in the
        // UI as a failing activity) until someone fixes the cause.
        if (failure instanceof ApplicationFailure && failure.nonRetryable) {
          throw ApplicationFailure.create({
            type: 'RefundRefused',
            message: failure.message,
            nonRetryable: false,
          });
        }
        throw failure;
      }
    },
  };
}
