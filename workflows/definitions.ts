/**
 * The messages the checkout process understands, shared by the workflow (which handles them)
 * and the API (which sends them). Names are part of every running order's history: rename none.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { OrderView } from '../domain/order';

export const TASK_QUEUE_DEFAULT = 'commerce';

export interface CancelRequest {
  reason?: string;
  requestedBy: string;
}

export interface PaymentRetryRequest {
  paymentMethod: string;
  requestedBy: string;
}

export interface ShipmentReport {
  trackingNumber?: string;
}

export const cancelOrderSignal = defineSignal<[CancelRequest]>('cancelOrder');
export const retryPaymentSignal = defineSignal<[PaymentRetryRequest]>('retryPayment');
export const orderShippedSignal = defineSignal<[ShipmentReport]>('orderShipped');

export const orderStatusQuery = defineQuery<OrderView>('orderStatus');

/** The workflow id of an order: derived from the order id, so a repeated click is the same order. */
export function checkoutWorkflowId(orderId: string): string {
  return `order-${orderId}`;
}
