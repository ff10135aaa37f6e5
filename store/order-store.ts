/**
 * The app's own record of orders. SQLite in the data folder by default; the interface is small so
 * that PostgreSQL can stand behind it too. Saving is idempotent on the order id.
 */
import type { OrderStatus, OrderView, PlacedOrder } from '../domain/checkout';
import type { OrderListQuery, Page } from './lists';

export interface StoredOrder {
  order: PlacedOrder;
  status: OrderStatus;
  statusVersion: number;
  view?: OrderView;
  updatedAt: string;
}

export interface WaitingOrders {
  status: OrderStatus;
  count: number;
  /** ISO time the oldest order in the status entered it. */
  oldestUpdatedAt: string;
}

export interface OrderStore {
  /** Saves the order once; saving it again changes nothing. Returns whether this call created it. */
  saveOrder(order: PlacedOrder): Promise<{ created: boolean }>;
  getOrder(orderId: string): Promise<StoredOrder | undefined>;
  /**
   * Forgets an order its workflow never recorded anything of (status version 0): the API's own
   * record of a click whose start Temporal refused, so a refused request leaves nothing behind.
   */
  forgetUnstarted(orderId: string): Promise<void>;
  /** Records a status; a version not newer than the one stored is ignored (late retries). */
  recordStatus(orderId: string, status: OrderStatus, version: number, view: OrderView): Promise<void>;
  /** One page of a list or work queue (store/lists.ts), in the list's order. */
  listOrders(query: OrderListQuery): Promise<Page<StoredOrder>>;
  /**
   * How many orders are now in each of `statuses`, and when the oldest of them entered it: the
   * API's `commerce_orders_in_status` and `commerce_orders_oldest_in_status_seconds` gauges, which
   * the alert rules read (an order waiting too long in PaymentUnconfirmed). Statuses with no order
   * are left out.
   */
  waitingOrders(statuses: readonly OrderStatus[]): Promise<WaitingOrders[]>;
  /** A cheap round trip, for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
