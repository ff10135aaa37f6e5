/**
 * The checkout's activities as the workflow sees them: inputs and outputs only. Workflows
 * import this module's types, never the implementations.
 */
import type { CheckoutSettings } from '../../config/settings';
import type { OrderStatus, OrderView, PlacedOrder } from '../../domain/checkout';

export interface ChargeRequest {
  orderId: string;
  /** The business attempt: 1, then +1 for every new payment method support supplies. */
  paymentAttempt: number;
  amount: number;
  currency: string;
  paymentMethod: string;
  customerId: string;
}

/** The order's one PaymentIntent, created without confirming it: nothing is charged yet. */
export interface PaymentIntentRequest {
  orderId: string;
  amount: number;
  currency: string;
  customerId: string;
}

/**
 * One payment attempt on the order's PaymentIntent: confirmed with the attempt's payment method,
 * under the attempt's idempotency key. A PaymentIntent succeeds at most once, so however many
 * attempts confirm it, the card is charged at most once.
 */
export interface ConfirmRequest extends ChargeRequest {
  paymentIntentId: string;
}

export interface ChargeResult {
  paymentIntentId: string;
  /** `processing`: Stripe took the charge but has not settled it; the order is not paid until it has. */
  status: 'succeeded' | 'processing';
}

/** Before a new charge, whether an earlier attempt for the order took money. */
export interface PaymentLookup {
  orderId: string;
  /** PaymentIntents earlier attempts got back; attempts that got no answer are found by the order's metadata. */
  paymentIntentIds: string[];
}

export interface FoundPayment {
  /** `none`: no attempt for this order took money, or is about to. */
  outcome: 'succeeded' | 'processing' | 'none';
  paymentIntentId?: string;
}

/** The ApplicationFailure type of a PaymentIntent still processing: retried until it settles or the deadline. */
export const PAYMENT_PROCESSING = 'PaymentProcessing';
/** The ApplicationFailure type of a refund Stripe refuses for good (already refunded, disputed, too large). */
export const REFUND_REFUSED = 'RefundRefused';
/** The ApplicationFailure type of a refund Stripe has not settled yet: retried until it has. */
export const REFUND_PENDING = 'RefundPending';

export interface RefundRefusedDetails {
  code?: string;
  message: string;
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
  /** Stripe's reason for a failed or canceled refund. */
  failureReason?: string;
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
  kind: 'payment_failed' | 'payment_unconfirmed' | 'delivery_delayed' | 'delivery_failed' | 'refund_failed';
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
  /** The customer's name, when the storefront gave it (v1.2). */
  customerName?: string;
  items: { sku: string; quantity: number; unitPrice: number; name?: string }[];
  /** Answers after this moment come too late. */
  answerBy: string;
}

export interface StatusRecord {
  orderId: string;
  status: OrderStatus;
  /** Increases with every change, so a late write never overwrites a newer status. */
  version: number;
  view: OrderView;
  /** With the first record of a lean order: the order, saved first if the store lacks it. */
  order?: PlacedOrder;
}

export interface CheckoutActivities {
  loadCheckoutSettings(): Promise<CheckoutSettings>;
  saveOrder(order: PlacedOrder): Promise<void>;
  recordOrderStatus(record: StatusRecord): Promise<void>;
  /** Orders started before the one PaymentIntent: a PaymentIntent created and confirmed per attempt. */
  chargePayment(request: ChargeRequest): Promise<ChargeResult>;
  /** Orders started before the one PaymentIntent: by PaymentIntent id, else by Stripe's search. */
  findPayment(lookup: PaymentLookup): Promise<FoundPayment>;
  /** Creates the order's one PaymentIntent (not confirmed) under the order's key; its id. */
  openPaymentIntent(request: PaymentIntentRequest): Promise<{ paymentIntentId: string }>;
  /**
   * An attempt: confirms the order's PaymentIntent with the attempt's method. Already succeeded
   * (or processing) is reported as such, never charged again; a refused card is a PaymentDeclined.
   */
  confirmPaymentIntent(request: ConfirmRequest): Promise<ChargeResult>;
  /** Where the order's PaymentIntent stands, read by id (strongly consistent, unlike search). */
  checkPaymentIntent(input: { orderId: string; paymentIntentId: string }): Promise<FoundPayment>;
  /** A processing PaymentIntent's outcome: succeeded, or a PaymentDeclined; PaymentProcessing (retryable) meanwhile. */
  confirmPayment(input: { orderId: string; paymentIntentId: string }): Promise<ChargeResult>;
  refundPayment(request: RefundRequest): Promise<RefundResult>;
  /** A pending refund's outcome (succeeded, failed or canceled); RefundPending (retryable) meanwhile. */
  confirmRefund(input: { orderId: string; refundId: string }): Promise<RefundResult>;
  publishOrderEvent(event: OrderEvent): Promise<void>;
  emailCustomer(email: CustomerEmail): Promise<void>;
  requestManagerAuthorization(request: AuthorizationRequest): Promise<void>;
  alertSupport(alert: SupportAlert): Promise<void>;
}

/** Where the activities charge and refund (Stripe, or the development gateway): activities/checkout/payments.ts. */
export interface PaymentGateway {
  readonly name: string;
  /** Orders started before the one PaymentIntent: creates and confirms a PaymentIntent per attempt. */
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** Orders started before the one PaymentIntent: whether any earlier attempt took money (or is settling). */
  findPayment(lookup: PaymentLookup): Promise<FoundPayment>;
  /** The order's one PaymentIntent, created unconfirmed under the order's key. */
  openPaymentIntent(request: PaymentIntentRequest): Promise<{ paymentIntentId: string }>;
  /** Confirms the order's PaymentIntent for one attempt; already succeeded or processing is reported, not charged. */
  confirmPaymentIntent(request: ConfirmRequest): Promise<ChargeResult>;
  /** The order's PaymentIntent by id: succeeded, processing, or `none` (nothing taken, nothing settling). */
  checkPaymentIntent(paymentIntentId: string): Promise<FoundPayment>;
  /** A PaymentIntent's settled outcome; throws a retryable PaymentProcessing while it is processing. */
  confirmPayment(paymentIntentId: string): Promise<ChargeResult>;
  refund(request: RefundRequest): Promise<RefundResult>;
  /** A refund's settled outcome; throws a retryable RefundPending while Stripe has not settled it. */
  confirmRefund(refundId: string): Promise<RefundResult>;
}
