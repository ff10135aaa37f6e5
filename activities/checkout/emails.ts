/** The words of each checkout email, kept apart from sending so they can be read and tested on their own. */
import { formatMoney, formatTime, plural } from '../../domain/words';
import type { AuthorizationRequest, CustomerEmail, SupportAlert } from './types';

function money(amount: unknown, currency: unknown): string {
  if (typeof amount !== 'number' || typeof currency !== 'string') return '';
  return formatMoney(amount, currency);
}

function timeIn(value: unknown): string {
  return typeof value === 'string' ? formatTime(value) : String(value);
}

/**
 * A customer's email about their order, with where to follow it: their account's page
 * (PUBLIC_URL/account/) when the shop has one.
 */
export function customerEmailContent(
  email: CustomerEmail,
  accountUrl?: string,
): { subject: string; text: string } {
  const content = customerEmailWords(email);
  return accountUrl
    ? { ...content, text: `${content.text}\n\nFollow your orders in your account: ${accountUrl}` }
    : content;
}

function customerEmailWords(email: CustomerEmail): { subject: string; text: string } {
  const { orderId } = email;
  const total = money(email.data.total, email.data.currency);
  switch (email.kind) {
    case 'order_confirmation':
      return {
        subject: `Your order ${orderId} is confirmed`,
        text: `Thank you for your order ${orderId}. We have taken payment of ${total} and will let you know when it ships.`,
      };
    case 'order_cancelled':
      return {
        subject: `Your order ${orderId} is cancelled`,
        text: `Your order ${orderId} has been cancelled. Nothing was charged.`,
      };
    case 'payment_cancelled_unresolved':
      return {
        subject: `Your order ${orderId} is cancelled`,
        text: `We could not take payment for your order ${orderId}, and it has now been cancelled. Nothing was charged.`,
      };
    case 'order_rejected':
      return {
        subject: `Your order ${orderId} could not be accepted`,
        text: `We are sorry: your order ${orderId} could not be accepted. Nothing was charged.`,
      };
    case 'order_refunded': {
      const fee =
        typeof email.data.restockingFee === 'number' && email.data.restockingFee > 0
          ? ` A restocking fee of ${money(email.data.restockingFee, email.data.currency)} was kept because the goods did not come back in their original packaging.`
          : '';
      return {
        subject: `Your refund for order ${orderId}`,
        text: `Your order ${orderId} has been cancelled and ${money(email.data.amount, email.data.currency)} refunded to your payment method.${fee}`,
      };
    }
    case 'return_instructions':
      return {
        subject: `Returning order ${orderId}`,
        text: `We have your cancellation of order ${orderId}. It has already shipped: please send the goods back by ${timeIn(email.data.expectedBy)}. Goods in their original packaging are refunded in full; otherwise a restocking fee of ${String(email.data.restockingFeePercent)}% is kept.`,
      };
    case 'return_not_received':
      return {
        subject: `Your cancellation of order ${orderId}`,
        text: `We did not receive the goods of order ${orderId} back by ${timeIn(email.data.expectedBy)}, so no refund was made. Your cancellation stays on record.`,
      };
  }
}

/**
 * The managers' email about a large order: the order in words (who, what, how much), the deadline
 * in words, and the inbox where they answer (`backOfficeUrl`, PUBLIC_URL).
 */
export function authorizationRequestContent(
  request: AuthorizationRequest,
  backOfficeUrl?: string,
): {
  subject: string;
  text: string;
} {
  const who = request.customerName ?? `customer ${request.customerId}`;
  const total = money(request.total, request.currency);
  const count = request.items.reduce((sum, item) => sum + item.quantity, 0);
  const lines = request.items.map(
    (item) => `  ${item.quantity} × ${item.name ?? item.sku} at ${money(item.unitPrice, request.currency)}`,
  );
  return {
    subject: `Authorization needed: ${who}'s order of ${total}`,
    text: [
      `${who} ordered ${plural(count, 'item')} for ${total} (order ${request.orderId}). An order this large needs a manager's authorization.`,
      '',
      ...lines,
      '',
      `Approve or refuse it by ${formatTime(request.answerBy)}${backOfficeUrl ? ` in your inbox: ${backOfficeUrl.replace(/\/+$/, '')}/#/inbox` : ' in the back office'}.`,
      'Without an approval by then the order is rejected and nothing is charged.',
    ].join('\n'),
  };
}

export function supportAlertContent(alert: SupportAlert): { subject: string; text: string } {
  const headline = {
    payment_failed: 'Payment failed',
    payment_unconfirmed: 'Payment unconfirmed',
    delivery_delayed: 'Delivery delayed',
    delivery_failed: 'Delivery refused',
    refund_failed: 'Refund failed',
  }[alert.kind];
  return {
    subject: `[${headline}] order ${alert.orderId}`,
    text: `${alert.message}\n\nDetails: ${JSON.stringify(alert.data ?? {})}`,
  };
}
