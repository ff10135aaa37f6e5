/**
 * Payments through Stripe: one PaymentIntent per order, created once (unconfirmed) under the
 * order's key; each payment attempt confirms that same intent with the attempt's payment method,
 * under the attempt's key. A PaymentIntent succeeds at most once: a confirm of one that already
 * succeeded (an earlier attempt whose answer was lost) is refused by Stripe and reported here as
 * the payment it is, so a second charge cannot happen, whatever is retried or whatever Stripe's
 * (eventually consistent) search says. Refunds go against that intent. Idempotency keys come from
 * the order (domain/keys.ts), so however often Temporal retries or re-runs an activity, Stripe sees
 * one request. Orders started before the one PaymentIntent keep `charge` (an intent created and
 * confirmed per attempt) and `findPayment` (by id, else by search).
 *
 * Errors are sorted for Temporal: a card error (402) or a request Stripe will never accept (400,
 * 404) is a non-retryable `PaymentDeclined`, a business outcome the workflow handles; anything
 * transient (network, 5xx, 429, lock timeouts, an idempotent request still in flight) is thrown
 * as retryable, and Temporal retries it with backoff.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import Stripe from 'stripe';
import { paceWait } from '../../domain/bulk-actions';
import { chargeIdempotencyKey, paymentIntentIdempotencyKey, refundIdempotencyKey } from '../../domain/keys';
import {
  PAYMENT_DECLINED,
  PAYMENT_PROCESSING,
  REFUND_PENDING,
  REFUND_REFUSED,
  type ChargeRequest,
  type ChargeResult,
  type ConfirmRequest,
  type FoundPayment,
  type PaymentDeclinedDetails,
  type PaymentIntentRequest,
  type PaymentLookup,
  type RefundRequest,
  type RefundResult,
  type PaymentGateway,
} from './types';

export interface StripeClientOptions {
  secretKey: string;
  /** e.g. http://127.0.0.1:12111 for a local stripe-mock; unset for api.stripe.com. */
  apiBase?: string;
  /**
   * This process's requests, evenly spaced at this rate (STRIPE_MAX_REQUESTS_PER_SECOND), and
   * search at most 20 a second (Stripe's own limit for it). Unset: as they come.
   */
  maxRequestsPerSecond?: number;
}

/** Stripe's limit on search requests, a second. */
export const STRIPE_SEARCH_PER_SECOND = 20;

/** The priority key of the activity a request is made in (1 first; Temporal's default is 3). */
function activityPriority(): number {
  try {
    return Context.current().info.priority?.priorityKey ?? DEFAULT_PRIORITY;
  } catch {
    return DEFAULT_PRIORITY; // outside an activity (a script, a test)
  }
}
const DEFAULT_PRIORITY = 3;

/**
 * Requests in turn, spaced by when the one before really went (paceWait); among those waiting, the
 * activity of the highest priority goes next (a new customer's charge before a bulk action's), then
 * the longest waiting.
 */
function turns(perSecond: number): (priority: number) => Promise<void> {
  const waiting: { priority: number; seq: number; go: () => void }[] = [];
  let sentAt: number | undefined;
  let seq = 0;
  let pumping = false;
  const pump = async (): Promise<void> => {
    if (pumping) return;
    pumping = true;
    while (waiting.length > 0) {
      const wait = paceWait(sentAt, Date.now(), perSecond);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      waiting.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
      const next = waiting.shift()!;
      sentAt = Date.now();
      next.go();
    }
    pumping = false;
  };
  return (priority) =>
    new Promise<void>((go) => {
      waiting.push({ priority, seq: seq++, go });
      void pump();
    });
}

/**
 * Stripe's node HTTP client with each request waiting for its turn (see `turns`), search no faster
 * than Stripe's own limit for it.
 */
function pacedHttpClient(perSecond: number): Stripe.HttpClient {
  const inner = Stripe.createNodeHttpClient();
  const all = turns(perSecond);
  const search = turns(Math.min(perSecond, STRIPE_SEARCH_PER_SECOND));
  const paced = Object.create(inner) as Stripe.HttpClient;
  paced.makeRequest = async (host, port, path, method, headers, requestData, protocol, timeout) => {
    const priority = activityPriority();
    if (path.includes('/search')) await search(priority);
    await all(priority);
    return inner.makeRequest(host, port, path, method, headers, requestData, protocol, timeout);
  };
  return paced;
}

export function createStripeClient(options: StripeClientOptions): Stripe {
  const config: ConstructorParameters<typeof Stripe>[1] = {
    // Temporal owns retries: every attempt it makes carries the same idempotency key.
    maxNetworkRetries: 0,
    timeout: 20_000,
    appInfo: { name: 'temporal-commerce' },
    ...(options.maxRequestsPerSecond ? { httpClient: pacedHttpClient(options.maxRequestsPerSecond) } : {}),
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
  // Too many requests: never a decline, and never the end of an attempt. Retried after Stripe's
  // Retry-After when it sends one, else on the retry policy's backoff.
  if (err.statusCode === 429) {
    const retryAfter = Number(err.headers?.['retry-after']);
    return ApplicationFailure.create({
      type: 'StripeRateLimitError',
      message: `Stripe 429: too many requests, retried${retryAfter > 0 ? ` after ${retryAfter} s` : ''} (${err.message})`,
      nonRetryable: false,
      ...(retryAfter > 0 ? { nextRetryDelay: Math.min(retryAfter, 300) * 1000 } : {}),
    });
  }
  // Network, 5xx, lock timeouts, an idempotent request still in flight, and credentials an
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

    async openPaymentIntent(request: PaymentIntentRequest): Promise<{ paymentIntentId: string }> {
      try {
        const intent = await stripe.paymentIntents.create(
          {
            amount: request.amount,
            currency: request.currency,
            // Confirmed by each attempt with its own method; never here, so creating charges nothing.
            automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
            description: `Order ${request.orderId}`,
            metadata: { orderId: request.orderId, customerId: request.customerId },
          },
          { idempotencyKey: paymentIntentIdempotencyKey(request.orderId) },
        );
        return { paymentIntentId: intent.id };
      } catch (err) {
        throw classifyStripeError(err);
      }
    },

    async confirmPaymentIntent(request: ConfirmRequest): Promise<ChargeResult> {
      let intent: Stripe.PaymentIntent;
      try {
        intent = await stripe.paymentIntents.confirm(
          request.paymentIntentId,
          { payment_method: request.paymentMethod },
          { idempotencyKey: chargeIdempotencyKey(request.orderId, request.paymentAttempt) },
        );
      } catch (err) {
        if (!isUnexpectedState(err)) throw classifyStripeError(err);
        // Refused because the intent is past confirming: an earlier attempt (its answer lost) took
        // the money or is settling it. That is the payment, not a decline; nothing more is charged.
        return alreadyConfirmed(await retrieve(stripe, request.paymentIntentId));
      }
      return settledOrDeclined(intent);
    },

    async checkPaymentIntent(paymentIntentId: string): Promise<FoundPayment> {
      return bestOf([await retrieve(stripe, paymentIntentId)]);
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

async function retrieve(stripe: Stripe, paymentIntentId: string): Promise<Stripe.PaymentIntent> {
  try {
    return await stripe.paymentIntents.retrieve(paymentIntentId);
  } catch (err) {
    throw classifyStripeError(err);
  }
}

/** Stripe's refusal to confirm an intent in a state that cannot be confirmed (succeeded, processing, canceled). */
function isUnexpectedState(err: unknown): boolean {
  return err instanceof Stripe.errors.StripeError && err.code === 'payment_intent_unexpected_state';
}

/** An intent Stripe would not confirm again, as it stands now. */
function alreadyConfirmed(intent: Stripe.PaymentIntent): ChargeResult {
  if (intent.status === 'succeeded' || intent.status === 'processing') return settledOrDeclined(intent);
  if (intent.status === 'canceled') {
    throw declined({
      code: 'payment_intent_canceled',
      message: `the PaymentIntent ${intent.id} is canceled`,
    });
  }
  // Confirmable again by now (a concurrent confirm failed in between): asked again, within the
  // attempt's deadline, rather than called a decline the bank never gave.
  throw ApplicationFailure.create({
    type: 'PaymentIntentChanging',
    message: `Stripe refused to confirm ${intent.id}, which is now ${intent.status}`,
    nonRetryable: false,
  });
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
