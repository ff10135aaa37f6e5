/** The words of each email, kept apart from sending so they can be read and tested on their own. */
import type { CustomerEmail, SupportAlert } from './types';

function money(amount: unknown, currency: unknown): string {
  if (typeof amount !== 'number' || typeof currency !== 'string') return '';
  return `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;
}

export function customerEmailContent(email: CustomerEmail): { subject: string; text: string } {
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
    case 'order_refunded':
      return {
        subject: `Your refund for order ${orderId}`,
        text: `Your order ${orderId} has been cancelled and ${money(email.data.amount, email.data.currency)} refunded to your payment method.`,
      };
  }
}

export function supportAlertContent(alert: SupportAlert): { subject: string; text: string } {
  const headline = {
    payment_failed: 'Payment failed',
    delivery_delayed: 'Delivery delayed',
    delivery_failed: 'Delivery refused',
  }[alert.kind];
  return {
    subject: `[${headline}] order ${alert.orderId}`,
    text: `${alert.message}\n\nDetails: ${JSON.stringify(alert.data ?? {})}`,
  };
}
