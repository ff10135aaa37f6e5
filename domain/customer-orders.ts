/**
 * An order as its customer reads it (API v1.2, "Customers"): where it stands and what happens next,
 * in the customer's words. Nothing internal: no manager's or support person's name, no Stripe code
 * or message, no delivery bookkeeping. Pure: the API's customer routes and the account pages use it.
 */
import type { OrderStatus, OrderView } from './checkout';
import { formatMoney, formatTime, statusWords } from './words';

export interface CustomerOrder {
  orderId: string;
  status: OrderStatus;
  total: number;
  currency: string;
  customerId: string;
  placedAt: string;
  updatedAt: string;
  items: OrderView['items'];
  shippingAddress?: OrderView['shippingAddress'];
  /** Where the order stands, in a line. */
  state: string;
  /** What happens next, when something does. */
  next?: string;
  /** Whether a cancel now costs nothing (the remorse window is open). */
  cancelFree: boolean;
  /** Until when, while it does. */
  cancelFreeUntil?: string;
  /** Whether the shop takes a cancel at all now (not once it ended). */
  canCancel: boolean;
  refund?: { amount: number; status: 'pending' | 'succeeded' | 'failed' };
  shipment?: { trackingNumber?: string; shippedAt: string };
}

export interface CustomerEvent {
  at: string;
  kind: string;
  detail: string;
}

const ENDED: ReadonlySet<OrderStatus> = new Set([
  'Rejected',
  'Cancelled',
  'Refunded',
  'PartiallyRefunded',
  'Completed',
]);

/** The status in the customer's words. */
export const CUSTOMER_STATUS_WORDS: Readonly<Record<OrderStatus, string>> = {
  Received: 'Order received',
  Authorized: 'Order accepted',
  Accepted: 'Order accepted',
  Rejected: 'We could not accept this order',
  PaymentFailed: 'Your payment did not go through',
  PaymentUnconfirmed: 'We are confirming your payment with the bank',
  Paid: 'Paid, being packed',
  Shipped: 'On its way',
  Cancelled: 'Cancelled',
  Refunded: 'Refunded',
  PartiallyRefunded: 'Partly refunded',
  Completed: 'Completed',
};

/** The order as its customer sees it at `now` (ms). */
export function customerOrder(view: OrderView, now: number): CustomerOrder {
  const money = (amount: number) => formatMoney(amount, view.currency);
  const windowEnds = view.acceptance?.remorseWindowEndsAt;
  const cancelFree =
    !view.cancellation && !ENDED.has(view.status) && !!windowEnds && Date.parse(windowEnds) > now;
  const order: CustomerOrder = {
    orderId: view.orderId,
    status: view.status,
    total: view.total,
    currency: view.currency,
    customerId: view.customerId,
    placedAt: view.placedAt,
    updatedAt: view.updatedAt,
    items: view.items.map((item) => ({ ...item })),
    ...(view.shippingAddress && { shippingAddress: { ...view.shippingAddress } }),
    state: CUSTOMER_STATUS_WORDS[view.status] ?? view.status,
    cancelFree,
    ...(cancelFree && { cancelFreeUntil: windowEnds }),
    canCancel: !view.cancellation && !ENDED.has(view.status),
    ...(view.refund && { refund: { amount: view.refund.amount, status: view.refund.status } }),
    ...(view.shipment && { shipment: { ...view.shipment } }),
  };
  const next = nextStep(view, order, money);
  if (next) order.next = next;
  return order;
}

function nextStep(view: OrderView, order: CustomerOrder, money: (n: number) => string): string | undefined {
  if (order.cancelFree) return `You can still cancel at no cost until ${formatTime(order.cancelFreeUntil!)}.`;
  if (view.refund?.status === 'pending') return `A refund of ${money(view.refund.amount)} is on its way.`;
  if (view.refund?.status === 'succeeded') return `${money(view.refund.amount)} went back to your card.`;
  if (view.refund?.status === 'failed')
    return 'Your refund needs a person: our support team will contact you.';
  if (view.goodsReturn && !view.goodsReturn.receivedAt)
    return `Send the goods back by ${formatTime(view.goodsReturn.expectedBy)} for your refund.`;
  if (view.cancellation) return view.payment?.status === 'succeeded' ? undefined : 'Nothing was charged.';
  switch (view.status) {
    case 'Received':
    case 'Authorized':
    case 'Accepted':
      return 'We take the payment next.';
    case 'PaymentFailed':
      return view.paymentResolutionDeadline
        ? `Nothing was charged. Our support team will contact you; unless it is settled by ${formatTime(view.paymentResolutionDeadline)}, the order is cancelled.`
        : 'Nothing was charged. Our support team will contact you.';
    case 'PaymentUnconfirmed':
      return 'You will not be charged twice. We will tell you when it is settled.';
    case 'Paid':
      return 'It ships soon; you will get an email with its tracking number.';
    case 'Shipped':
      return view.returnWindowEndsAt
        ? `You can send it back until ${formatTime(view.returnWindowEndsAt)}.`
        : undefined;
    case 'Rejected':
      return 'Nothing was charged.';
    default:
      return undefined;
  }
}

/**
 * The order's steps for its customer: when it was placed, each status it reached (in their words),
 * and their own cancel. No one else's actions, no payment codes.
 */
export function customerTimeline(view: OrderView): CustomerEvent[] {
  const events: CustomerEvent[] = [{ at: view.placedAt, kind: 'placed', detail: 'You placed the order' }];
  for (const event of view.timeline ?? []) {
    if (event.kind === 'status') {
      const status = /^Status: /.test(event.detail) ? statusIn(event.detail, view) : undefined;
      if (status && status !== 'Received')
        events.push({ at: event.at, kind: 'status', detail: CUSTOMER_STATUS_WORDS[status] });
    } else if (event.kind === 'cancel_requested' && event.actor?.startsWith('customer:')) {
      events.push({ at: event.at, kind: 'cancel_requested', detail: 'You asked to cancel' });
    }
  }
  if (events.length === 1 && view.status !== 'Received')
    events.push({ at: view.updatedAt, kind: 'status', detail: CUSTOMER_STATUS_WORDS[view.status] });
  return events;
}

/** Which status a `Status: …` line of the timeline names (the process's own words, read back). */
function statusIn(detail: string, view: OrderView): OrderStatus | undefined {
  const words = detail.slice('Status: '.length);
  for (const status of Object.keys(CUSTOMER_STATUS_WORDS) as OrderStatus[])
    if (statusWords(status) === words) return status;
  return words === view.status ? view.status : undefined;
}
