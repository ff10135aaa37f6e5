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
import { chargeIdempotencyKey, refundIdempotencyKey } from '../../domain/keys';
import {
  PAYMENT_DECLINED,
  PAYMENT_PROCESSING,
  REFUND_PENDING,
  REFUND_REFUSED,
  type ChargeRequest,
  type ChargeResult,
  type FoundPayment,
  type PaymentDeclinedDetails,
  type PaymentLookup,
  type RefundRequest,
  type RefundResult,
  type PaymentGateway,
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
      return settledOrDeclined(intent);
    },

    async findPayment(lookup: PaymentLookup): Promise<FoundPayment> {
      try {
        const known = await Promise.all(
          lookup.paymentIntentIds.map((id) => stripe.paymentIntents.retrieve(id)),
        );
        const fromKnown = bestOf(known);
        if (fromKnown.outcome !== 'none') return fromKnown;
        // Attempts that got no answer left no id here: Stripe's search finds them by the order's
        // metadata (indexed within about a minute; the attempt's deadline is far longer).
        const found = await stripe.paymentIntents.search({
          query: `metadata['orderId']:'${lookup.orderId}'`,
          limit: 100,
        });
        return bestOf(found.data.filter((intent) => intent.metadata?.orderId === lookup.orderId));
      } catch (err) {
        throw classifyStripeError(err);
      }
    },

    async confirmPayment(paymentIntentId: string): Promise<ChargeResult> {
      let intent: Stripe.PaymentIntent;
      try {
        intent = await stripe.paymentIntents.retrieve(paymentIntentId);
      } catch (err) {
        throw classifyStripeError(err);
      }
      if (intent.status === 'processing') {
        throw ApplicationFailure.create({
          type: PAYMENT_PROCESSING,
          message: `the PaymentIntent ${intent.id} is still processing`,
          nonRetryable: false,
        });
      }
      return settledOrDeclined(intent);
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
        return refundResult(refund);
      } catch (err) {
        const failure = classifyStripeError(err);
        // Refused for good (already refunded, a disputed charge, more than is refundable): a
        // business outcome for support, not a request to repeat. Transient failures are retried.
        if (failure instanceof ApplicationFailure && failure.nonRetryable) {
          const stripeError = err as { code?: string; message?: string };
          throw ApplicationFailure.create({
            type: REFUND_REFUSED,
            message: failure.message,
            nonRetryable: true,
            details: [{ code: stripeError.code, message: stripeError.message ?? failure.message }],
          });
        }
        throw failure;
      }
    },

    async confirmRefund(refundId: string): Promise<RefundResult> {
      let refund: Stripe.Refund;
      try {
        refund = await stripe.refunds.retrieve(refundId);
      } catch (err) {
        throw classifyStripeError(err);
      }
      const result = refundResult(refund);
      if (result.status === 'pending' || result.status === 'requires_action') {
        throw ApplicationFailure.create({
          type: REFUND_PENDING,
          message: `the refund ${refund.id} is ${result.status.replace(/_/g, ' ')}`,
          nonRetryable: false,
        });
      }
      return result;
    },
  };
}

/** A confirmed PaymentIntent as the workflow needs it: taken (or settling), else a decline. */
function settledOrDeclined(intent: Stripe.PaymentIntent): ChargeResult {
  if (intent.status === 'succeeded') return { paymentIntentId: intent.id, status: 'succeeded' };
  if (intent.status === 'processing') return { paymentIntentId: intent.id, status: 'processing' };
  // Confirmed but not paid: the card needs the customer (3-D Secure) or was refused.
  throw declined({
    code: intent.last_payment_error?.code ?? intent.status,
    declineCode: intent.last_payment_error?.decline_code,
    message: intent.last_payment_error?.message ?? `the payment is ${intent.status.replace(/_/g, ' ')}`,
  });
}

/** Of an order's PaymentIntents: one that took money first, else one still settling, else none. */
function bestOf(intents: readonly Stripe.PaymentIntent[]): FoundPayment {
  const succeeded = intents.find((intent) => intent.status === 'succeeded');
  if (succeeded) return { outcome: 'succeeded', paymentIntentId: succeeded.id };
  const processing = intents.find((intent) => intent.status === 'processing');
  if (processing) return { outcome: 'processing', paymentIntentId: processing.id };
  return { outcome: 'none' };
}

function refundResult(refund: Stripe.Refund): RefundResult {
  return {
    refundId: refund.id,
    amount: refund.amount,
    status: (refund.status ?? 'pending') as RefundResult['status'],
    failureReason: refund.failure_reason ?? undefined,
  };
}
