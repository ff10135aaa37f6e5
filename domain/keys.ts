/**
 * Idempotency keys and message ids, derived from the order and the business fact, never from
 * an activity attempt: a retried or re-run activity sends the same key, so Stripe charges once
 * and a consumer can drop a duplicate event.
 */

/**
 * The order's one PaymentIntent: created once, under a key from the order alone, so however often
 * the creation is repeated Stripe answers with the same intent (while it keeps the key, 24 h; the
 * workflow keeps the intent's id from the first answer, so nothing depends on the key after that).
 */
export function paymentIntentIdempotencyKey(orderId: string): string {
  return `order-${orderId}-payment-intent`;
}

/**
 * One Stripe charge per order and payment attempt (a new attempt = a new method from support): the
 * confirmation of the order's PaymentIntent with the attempt's method (orders started before that:
 * a PaymentIntent created and confirmed in one request).
 */
export function chargeIdempotencyKey(orderId: string, paymentAttempt: number): string {
  return `order-${orderId}-charge-${paymentAttempt}`;
}

/** One refund per order. */
export function refundIdempotencyKey(orderId: string): string {
  return `order-${orderId}-refund`;
}

/** The RabbitMQ messageId of one fact about an order; `occurrence` tells repeated facts apart. */
export function orderEventMessageId(orderId: string, eventType: string, occurrence = 1): string {
  return occurrence === 1 ? `${orderId}:${eventType}` : `${orderId}:${eventType}:${occurrence}`;
}
