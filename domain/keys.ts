/**
 * Idempotency keys and message ids, derived from the order and the business fact, never from
 * an activity attempt: a retried or re-run activity sends the same key, so Stripe charges once
 * and a consumer can drop a duplicate event.
 */

/** One Stripe charge per order and payment attempt (a new attempt = a new method from support). */
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
