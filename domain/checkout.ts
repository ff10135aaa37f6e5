import type { AcceptanceOutcome, AuthorizationDecision } from './acceptance';
import type { DeliveryState, TimelineEvent } from './process';

/** The order as the storefront places it, and the facts the checkout process keeps about it. */

export const ORDER_STATUSES = [
  'Received',
  'Authorized',
  'Accepted',
  'Rejected',
  'PaymentFailed',
  'PaymentUnconfirmed',
  'Paid',
  'Shipped',
  'Cancelled',
  'Refunded',
  'PartiallyRefunded',
  'Completed',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrderItem {
  sku: string;
  quantity: number;
  /** Minor units (cents). */
  unitPrice: number;
  /** What the shop calls it (v1.2; orders placed before say only the SKU). */
  name?: string;
}

export interface Customer {
  id: string;
  email: string;
  /** The customer's name as the storefront has it (v1.2). */
  name?: string;
}

/** Where the goods go (v1.2): what the warehouse writes on the parcel. */
export interface ShippingAddress {
  /** Who receives it. */
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  /** ISO 3166-1 alpha-2, upper case: "DE". */
  country: string;
}

/** What `POST /orders` accepted, with the order id decided. */
export interface PlacedOrder {
  orderId: string;
  customer: Customer;
  items: OrderItem[];
  currency: string;
  paymentMethod: string;
  /** Minor units: the sum of quantity × unitPrice. */
  total: number;
  placedAt: string;
  shippingAddress?: ShippingAddress;
}

export interface Cancellation {
  reason?: string;
  requestedBy: string;
  requestedAt: string;
}

export interface PaymentRecord {
  attempt: number;
  paymentIntentId?: string;
  /**
   * `processing`: Stripe took the charge but has not settled it yet (the order is not paid until it
   * has). `unconfirmed`: Stripe did not confirm the attempt's outcome within PAYMENT_ATTEMPT_TIMEOUT;
   * before anything else is charged, the process asks Stripe whether that attempt took money.
   */
  status: 'succeeded' | 'declined' | 'processing' | 'unconfirmed';
  declineCode?: string;
  message?: string;
  /** For `unconfirmed`: when the attempt's deadline passed. */
  unconfirmedSince?: string;
}

export interface RefundRecord {
  refundId?: string;
  /** What goes back to the customer, in minor units. */
  amount: number;
  /** Kept for goods returned out of their original packaging, in minor units. */
  restockingFee?: number;
  status: 'pending' | 'succeeded' | 'failed';
  /** Why Stripe refused the refund for good (already refunded, disputed, over what is refundable). */
  failureReason?: string;
}

/** The remorse window and the managers' answers (docs/processes.md, "Checkout and order acceptance"). */
export interface AcceptanceRecord {
  /** A cancel received before this moment costs nothing and reaches no one downstream. */
  remorseWindowEndsAt: string;
  authorizationRequired: boolean;
  /** The answers that counted: the first of each manager, while the outcome was open. */
  authorizations: AuthorizationDecision[];
  outcome?: AcceptanceOutcome;
  decidedAt?: string;
  /** Why a `Rejected` order was rejected. */
  rejectionReason?: string;
}

/** A shipped order cancelled: the refund waits for the goods. */
export interface GoodsReturnRecord {
  /** No goods by then: no refund, and the order is `Completed` with the cancellation on record. */
  expectedBy: string;
  receivedAt?: string;
  originalPackaging?: boolean;
}

/** What `GET /orders/:id` shows; kept by the checkout workflow and answered by its query. */
export interface OrderView {
  orderId: string;
  status: OrderStatus;
  total: number;
  currency: string;
  customerId: string;
  /** The customer's name, when the storefront gave it (v1.2). */
  customerName?: string;
  items: OrderItem[];
  shippingAddress?: ShippingAddress;
  placedAt: string;
  updatedAt: string;
  /** Absent only on orders placed before acceptance existed. */
  acceptance?: AcceptanceRecord;
  payment?: PaymentRecord;
  paymentAttempts: number;
  /** When the order is `PaymentFailed`: the moment it is cancelled if support does not answer. */
  paymentResolutionDeadline?: string;
  cancellation?: Cancellation;
  refund?: RefundRecord;
  shipment?: { trackingNumber?: string; shippedAt: string };
  /** When shipped: the end of the return window, after which the order is `Completed`. */
  returnWindowEndsAt?: string;
  goodsReturn?: GoodsReturnRecord;
  notifications: Record<string, DeliveryState>;
  /** Every step and every person's action, oldest first (kept since the back office existed). */
  timeline?: TimelineEvent[];
  /** The bulk actions that acted on the order (API v1.2), each at most once. */
  bulkActions?: string[];
}

export class OrderValidationError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'OrderValidationError';
  }
}

/**
 * The most one order may total, in minor units: Stripe's largest charge (99,999,999 minor units,
 * 999,999.99 in a two-decimal currency). A larger order could never be paid.
 */
export const MAX_ORDER_TOTAL = 99_999_999;

/** The order's total in minor units; refuses totals that cannot be charged exactly. */
export function orderTotal(items: readonly OrderItem[]): number {
  if (items.length === 0) throw new OrderValidationError('an order needs at least one item', 'items');
  let total = 0;
  items.forEach((item, index) => {
    if (!Number.isSafeInteger(item.quantity) || item.quantity <= 0) {
      throw new OrderValidationError('quantity must be a positive integer', `items.${index}.quantity`);
    }
    if (!Number.isSafeInteger(item.unitPrice) || item.unitPrice <= 0) {
      throw new OrderValidationError(
        'unitPrice must be a positive integer in minor units',
        `items.${index}.unitPrice`,
      );
    }
    total += item.quantity * item.unitPrice;
  });
  if (!Number.isSafeInteger(total) || total > MAX_ORDER_TOTAL) {
    throw new OrderValidationError(
      `the order total is over ${MAX_ORDER_TOTAL} minor units, the most one payment can take`,
      'items',
    );
  }
  return total;
}

/** Statuses after which the checkout process has ended. */
export const FINAL_STATUSES: ReadonlySet<OrderStatus> = new Set([
  'Rejected',
  'Cancelled',
  'Refunded',
  'PartiallyRefunded',
  'Completed',
]);

/**
 * An order as it stands when it is placed, before its process has recorded anything: what the
 * process starts from, and what the API answers from its own record until the process has run.
 */
export function placedOrderView(order: PlacedOrder, status: OrderStatus, updatedAt: string): OrderView {
  return {
    orderId: order.orderId,
    status,
    total: order.total,
    currency: order.currency,
    customerId: order.customer.id,
    ...(order.customer.name !== undefined ? { customerName: order.customer.name } : {}),
    items: order.items,
    ...(order.shippingAddress ? { shippingAddress: order.shippingAddress } : {}),
    placedAt: order.placedAt,
    updatedAt,
    paymentAttempts: 0,
    notifications: {},
  };
}

/** The order waits for support's decision on a failed or unconfirmed payment: a retry or a cancel. */
export function awaitingPaymentDecision(view: Pick<OrderView, 'status' | 'cancellation'>): boolean {
  return (view.status === 'PaymentFailed' || view.status === 'PaymentUnconfirmed') && !view.cancellation;
}

/** The order is paid and not being cancelled: the warehouse may ship it. */
export function readyToShip(view: Pick<OrderView, 'status' | 'cancellation'>): boolean {
  return view.status === 'Paid' && !view.cancellation;
}
