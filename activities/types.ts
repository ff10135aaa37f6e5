/**
 * The checkout's activities as the workflow sees them: inputs and outputs only. Workflows
 * import this module's types, never the implementations.
 */
import type { CheckoutSettings } from '../config/settings';
import type { OrderStatus, OrderView, PlacedOrder } from '../domain/order';

export interface ChargeRequest {
  orderId: string;
  /** The business attempt: 1, then +1 for every new payment method support supplies. */
  paymentAttempt: number;
  amount: number;
  currency: string;
  paymentMethod: string;
  customerId: string;
}

export interface ChargeResult {
  paymentIntentId: string;
  status: 'succeeded';
}

/** The ApplicationFailure type of a charge the customer's bank or Stripe refused. */
export const PAYMENT_DECLINED = 'PaymentDeclined';

export interface PaymentDeclinedDetails {
  code?: string;
  declineCode?: string;
  message: string;
}

export interface RefundRequest {
  orderId: string;
  paymentIntentId: string;
  amount: number;
  reason: string;
}

export interface RefundResult {
  refundId: string;
  amount: number;
  status: 'pending' | 'succeeded' | 'failed' | 'requires_action' | 'canceled';
}

export interface OrderEvent {
  /** Routing key on the `commerce` exchange, e.g. `order.paid`. */
  type: string;
  orderId: string;
  /** Identical on every retry of the same fact. */
  messageId: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

export type CustomerEmailKind =
  | 'order_confirmation'
  | 'order_cancelled'
  | 'order_rejected'
  | 'order_refunded'
  | 'payment_cancelled_unresolved'
  | 'return_instructions'
  | 'return_not_received';

export interface CustomerEmail {
  kind: CustomerEmailKind;
  orderId: string;
  to: string;
  /** Identical on every retry of the same email; sent as a header so duplicates can be told. */
  messageKey: string;
  data: Record<string, unknown>;
}

export interface SupportAlert {
  orderId: string;
  kind: 'payment_failed' | 'delivery_delayed' | 'delivery_failed' | 'refund_failed';
  message: string;
  messageKey: string;
  data?: Record<string, unknown>;
}

/** The email half of a large order's two authorization requests, to the managers' address. */
export interface AuthorizationRequest {
  orderId: string;
  /** Identical on every retry of the same request. */
  messageKey: string;
  total: number;
  currency: string;
  customerId: string;
  items: { sku: string; quantity: number; unitPrice: number }[];
  /** Answers after this moment come too late. */
  answerBy: string;
}

export interface StatusRecord {
  orderId: string;
  status: OrderStatus;
  /** Increases with every change, so a late write never overwrites a newer status. */
  version: number;
  view: OrderView;
}

export interface CheckoutActivities {
  loadCheckoutSettings(): Promise<CheckoutSettings>;
  saveOrder(order: PlacedOrder): Promise<void>;
  recordOrderStatus(record: StatusRecord): Promise<void>;
  chargePayment(request: ChargeRequest): Promise<ChargeResult>;
  refundPayment(request: RefundRequest): Promise<RefundResult>;
  publishOrderEvent(event: OrderEvent): Promise<void>;
  emailCustomer(email: CustomerEmail): Promise<void>;
  requestManagerAuthorization(request: AuthorizationRequest): Promise<void>;
  alertSupport(alert: SupportAlert): Promise<void>;
}
