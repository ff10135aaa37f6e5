/**
 * The messages the checkout process understands, shared by the workflow (which handles them)
 * and the API (which sends them), with its search attributes and workflow ids. Names are part of every running order's history: rename none.
 */
import {
  defineSearchAttributeKey,
  SearchAttributeType,
  WorkflowIdReusePolicy,
  type SearchAttributePair,
} from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CheckoutSettings } from '../../config/settings';
import { type OrderView, type PlacedOrder } from '../../domain/checkout';
import type { BulkOrigin } from '../../domain/bulk-actions';
import { formatMoney, plural } from '../../domain/words';

export interface CancelRequest {
  reason?: string;
  requestedBy: string;
  /** Sent by a bulk action (API v1.2): which one, and who started it. */
  bulkAction?: BulkOrigin;
}

export interface PaymentRetryRequest {
  paymentMethod: string;
  requestedBy: string;
  /**
   * Sent by a bulk action: which one, and who started it. The order takes one retry of a bulk
   * action at most, and its charge waits behind new customers' on the Stripe queue (priority).
   */
  bulkAction?: BulkOrigin;
}

export interface ShipmentReport {
  trackingNumber?: string;
}

/** A manager's answer to an authorization request (`POST /orders/:id/authorizations`). */
export interface AuthorizationAnswer {
  approved: boolean;
  note?: string;
  managerId: string;
}

/** The warehouse's report that cancelled goods came back (`POST /orders/:id/return`). */
export interface ReturnReport {
  originalPackaging: boolean;
  reportedBy: string;
}

/** Cancel stays a signal: it must land even while no worker runs, and is never refused. */
export const cancelOrderSignal = defineSignal<[CancelRequest]>('cancelOrder');
export const retryPaymentSignal = defineSignal<[PaymentRetryRequest]>('retryPayment');
export const orderShippedSignal = defineSignal<[ShipmentReport]>('orderShipped');
export const authorizeOrderSignal = defineSignal<[AuthorizationAnswer]>('authorizeOrder');
export const goodsReturnedSignal = defineSignal<[ReturnReport]>('goodsReturned');

export const orderStatusQuery = defineQuery<OrderView>('orderStatus');

/**
 * A manager's answer, taken and answered with the order as it stands after it. Never refused: a
 * late or repeated answer, or one for an order that needs none, changes nothing and is answered
 * with the order as it is.
 */
export const answerAuthorizationUpdate = defineUpdate<OrderView, [AuthorizationAnswer]>(
  'answerAuthorization',
);
/**
 * Support's retry of a failed or unconfirmed payment, answered with the order once the retry is on
 * record. Refused (409) when the order is neither PaymentFailed nor PaymentUnconfirmed, or is being
 * cancelled; a repeated retry is answered with the order as it is.
 */
export const retryPaymentUpdate = defineUpdate<OrderView, [PaymentRetryRequest]>('requestPaymentRetry');

/**
 * The order's status as a search attribute, so the Temporal UI and CLI can list orders by where
 * they are: `OrderStatus = "PaymentFailed"`. Registered with every server the project starts, and
 * by the worker on a cluster that lacks it.
 */
export const orderStatusSearchAttribute = defineSearchAttributeKey(
  'OrderStatus',
  SearchAttributeType.KEYWORD,
);
export const orderIdSearchAttribute = defineSearchAttributeKey('OrderId', SearchAttributeType.KEYWORD);
export const customerIdSearchAttribute = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);

/** What the worker registers and the Temporal UI lists orders by. */
export const CHECKOUT_SEARCH_ATTRIBUTES = [
  orderStatusSearchAttribute,
  orderIdSearchAttribute,
  customerIdSearchAttribute,
] as const;

/** The workflow id of an order: derived from the order id, so a repeated click is the same order. */
export function checkoutWorkflowId(orderId: string): string {
  return `order-${orderId}`;
}

/**
 * The revision of the checkout an order starts on, carried in its input: a running order keeps the
 * revision it started with, so the workflow branches on it as on a patch, but without the patch's
 * marker and search-attribute upsert on every new order. Orders started without one are revision 1.
 *
 * 2: at a remorse window of 0 the order's first store record is its acceptance decision, not
 *    `Received` and then the decision (the API has stored the order as Received already).
 * 3: the order has one PaymentIntent, which every payment attempt confirms (workflows/checkout/
 *    payment.ts, ONE_PAYMENT_INTENT_PATCH, which orders without revision 3 take by its marker).
 */
export const CHECKOUT_REVISION = 3;

/**
 * The checkout workflow's argument: the order, the revision it started on and the settings it was
 * placed under. `POST /orders` sends the API's settings (the same environment as the worker's in
 * every deployment this project ships), so the order does not spend a local activity, an activation
 * and a marker reading the worker's. An order started without them (by an API before they were
 * sent, or a raw client) reads the worker's settings once, at its start, as before.
 */
export type CheckoutInput = PlacedOrder & { revision?: number; settings?: CheckoutSettings };

/**
 * What `POST /orders` asks Temporal for: the checkout workflow under the order's id, with the
 * request's fingerprint in its memo and a summary for the UI. The benchmark's raw client sends exactly
 * this request, and the two latencies compare like with like.
 */
export function checkoutStartOptions(
  order: PlacedOrder,
  fingerprint: string,
  taskQueue: string,
  settings?: CheckoutSettings,
) {
  return {
    workflowId: checkoutWorkflowId(order.orderId),
    taskQueue,
    args: [{ ...order, revision: CHECKOUT_REVISION, ...(settings && { settings }) }] as [CheckoutInput],
    memo: { requestFingerprint: fingerprint, customerId: order.customer.id },
    // What the Temporal UI lists for this workflow, in words.
    staticSummary: `Order ${order.orderId}: ${plural(order.items.length, 'line')}, ${formatMoney(order.total, order.currency)}, customer ${order.customer.id}`,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    // Listed by the Temporal UI from its start, Received; the workflow does not upsert them again.
    typedSearchAttributes: [
      { key: orderStatusSearchAttribute, value: 'Received' },
      { key: orderIdSearchAttribute, value: order.orderId },
      { key: customerIdSearchAttribute, value: order.customer.id },
    ] satisfies SearchAttributePair[],
  };
}
