/**
 * A customer calling about their own orders (API v1.2, "Customers"): a token whose only role is
 * `customer` (the shop's customer provider issues no other; a shared-secret token may name it). Its
 * `sub` is the customer's id, the `customer.id` the storefront put in their orders.
 */
import type { Caller } from './auth';
import { forbidden } from './errors';

/** The customer's id when the caller is a customer (and nothing else), else undefined. */
export function customerOf(caller: Caller | undefined): string | undefined {
  return caller?.roles.length === 1 && caller.roles[0] === 'customer' ? caller.sub : undefined;
}

/** 403 unless the order is the customer's own. */
export function assertOwnOrder(customerId: string, order: { orderId: string; customerId?: string }): void {
  if (order.customerId !== customerId) throw forbidden(`order ${order.orderId} is not one of your orders`);
}
