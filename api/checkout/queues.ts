/**
 * The orders' work queues and histories (docs/api.md, contract v1.1): lists from the app's store, where every
 * order's process records its view and the columns its queue needs (indexed, keyset-paginated);
 * the timeline from the process itself, with the stored copy when no worker answers; and the
 * batch action support uses after an incident, answered per order.
 */
import type { Client } from '@temporalio/client';
import { Router, type Request } from 'express';
import type { OrderStatus, OrderView } from '../../domain/checkout';
import { describeSupportReason, supportNeed, workNeed } from '../../domain/work-queues';
import type { OrderStore, StoredOrder } from '../../store';
import { encodeCursor } from '../../store/lists';
import { cancelOrderSignal } from '../../workflows/checkout/messages';
import { holds, type Role } from '../auth';
import {
  batchOrders,
  listOrders,
  orderTimelineRoute,
  type BatchAnswer,
  type OrderList,
  type OrderListItem,
} from './contract';
import { HttpError, isDatabaseUnavailable, isTemporalUnavailable } from '../errors';
import { handle, mount } from '../mount';
import { checkoutTimelineOf, peopleOf } from './timeline';
import { pageAfter } from '../pages';
import { orderAccess } from './routes';
import { callerName } from '../auth';
import { customerOrder, customerTimeline } from '../../domain/customer-orders';
import { assertOwnOrder, customerOf } from '../customer-caller';

export const DEFAULT_PAGE = 25;
/** How many orders of a batch are messaged at once. */
const BATCH_CONCURRENCY = 8;

/** Which role works each queue; the plain list is the storefront's and support's. */
const QUEUE_ROLES: Record<string, Role[]> = {
  none: ['storefront', 'support', 'customer'],
  support: ['support'],
  authorization: ['manager'],
  shipment: ['warehouse'],
  return: ['warehouse'],
};

export function orderQueuesRouter({
  client,
  store,
  nameOf,
  log = () => undefined,
}: {
  client: Client;
  store: OrderStore;
  /** A person's name by their id (the organisation's directory), for the timelines' words. */
  nameOf?: (id: string) => Promise<string | undefined>;
  /** Where a batch's failures are told in full (the answer says only what the caller can act on). */
  log?: (message: string, err?: unknown) => void;
}): Router {
  const access = orderAccess({ client, store });

  return mount(Router(), [
    handle(listOrders, async ({ query, req }) => {
      const roles = QUEUE_ROLES[query.needs ?? 'none']!;
      if (!holds(req.caller, ...roles)) {
        throw new HttpError(
          403,
          'forbidden',
          query.needs
            ? `the ${query.needs} queue is for the role ${roles.join(' or ')}`
            : `listing orders needs the role ${roles.join(' or ')}`,
        );
      }
      // A customer lists their own orders: their id, or none (it is then theirs).
      const customer = customerOf(req.caller);
      if (customer && query.customerId !== undefined && query.customerId !== customer)
        throw new HttpError(403, 'forbidden', 'a customer lists only their own orders');
      const page = await store.listOrders({
        status: query.status,
        customerId: customer ?? query.customerId,
        needs: query.needs,
        limit: query.limit ?? DEFAULT_PAGE,
        after: pageAfter(query.cursor),
      });
      const answer: OrderList = {
        orders: page.items.map((stored) =>
          customer
            ? customerListItem(stored, access.storedView(stored))
            : listItem(stored, access.storedView(stored), req),
        ),
        ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}),
      };
      return { status: 200, body: answer };
    }),

    handle(orderTimelineRoute, async ({ params, caller }) => {
      const customer = customerOf(caller);
      if (customer) {
        assertOwnOrder(customer, await access.knownOwnerOf(params.id));
        const own = await access.currentView(params.id);
        return { status: 200, body: { orderId: params.id, events: customerTimeline(own) } };
      }
      const view = await access.currentView(params.id);
      const names = new Map<string, string>();
      for (const id of peopleOf(view)) {
        const name = await nameOf?.(id);
        if (name) names.set(id, name);
      }
      return { status: 200, body: { orderId: params.id, events: checkoutTimelineOf(view, names) } };
    }),

    handle(batchOrders, async ({ body, req }) => {
      const requestedBy = callerName(req);
      const results = new Array<BatchAnswer['results'][number]>(body.orderIds.length);
      let next = 0;
      const work = async (): Promise<void> => {
        while (next < body.orderIds.length) {
          const index = next++;
          const orderId = body.orderIds[index]!;
          results[index] = await oneOrder(orderId).catch((err: unknown) => {
            if (!(err instanceof HttpError)) log(`batch ${body.action}: order ${orderId} failed`, err);
            return { orderId, outcome: 'refused' as const, error: batchRefusal(err) };
          });
        }
      };
      const oneOrder = async (orderId: string): Promise<BatchAnswer['results'][number]> => {
        if (body.action === 'cancel') {
          await access.assertKnown(orderId);
          await access.signalIfRunning(orderId, cancelOrderSignal, { reason: body.reason, requestedBy });
          // The cancel is delivered: accepted, whether or not the order can be read right after.
          const view = await access.currentView(orderId).catch((err: unknown) => {
            log(`batch cancel: order ${orderId} cancelled, its status not read`, err);
            return undefined;
          });
          return { orderId, outcome: 'accepted', ...(view ? { status: view.status } : {}) };
        }
        const paymentMethod = body.paymentMethod ?? (await store.getOrder(orderId))?.order.paymentMethod;
        if (!paymentMethod) {
          const view = await access.currentView(orderId);
          return {
            orderId,
            outcome: 'refused',
            status: view.status,
            error: 'the order has no payment method on record',
          };
        }
        try {
          const view = await access.retryPayment(orderId, { paymentMethod, requestedBy });
          return { orderId, outcome: 'accepted', status: view.status };
        } catch (err) {
          if (!(err instanceof HttpError) || err.status !== 409) throw err;
          const { status } = (err.details ?? {}) as { status?: OrderStatus };
          return {
            orderId,
            outcome: 'refused',
            status,
            error: `the order is ${status ?? 'not waiting on a payment'}; only a failed or unconfirmed payment can be retried`,
          };
        }
      };
      await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, body.orderIds.length) }, work));
      return { status: 200, body: { results } };
    }),
  ]);
}

/** Why one order of a batch was refused, in words for support: never an internal error's text. */
export function batchRefusal(err: unknown): string {
  if (err instanceof HttpError) return err.status === 404 ? 'no such order' : err.message;
  if (isTemporalUnavailable(err) || isDatabaseUnavailable(err)) {
    return 'the order could not be reached right now; try it again in a moment';
  }
  return 'the order could not be handled; the error is logged for the engineers';
}

/** What every row of a list shows: the order's figures, whose it is, when it was placed and changed. */
function summaryOf(stored: StoredOrder, view: OrderView): OrderListItem {
  return {
    orderId: view.orderId,
    status: view.status,
    total: view.total,
    currency: view.currency,
    customerId: view.customerId ?? stored.order.customer.id,
    placedAt: view.placedAt,
    updatedAt: stored.updatedAt,
  };
}

/** A customer's own order in their list: its figures and where it stands, in their words. */
function customerListItem(stored: StoredOrder, view: OrderView): OrderListItem {
  const order = customerOrder(view, Date.now());
  return {
    ...summaryOf(stored, view),
    state: order.state,
    ...(order.next && { next: order.next }),
    cancelFree: order.cancelFree,
    ...(order.cancelFreeUntil && { cancelFreeUntil: order.cancelFreeUntil }),
    canCancel: order.canCancel,
  };
}

/** One row of a list: the order's summary, and what its queue shows about it. */
function listItem(stored: StoredOrder, view: OrderView, req: Request): OrderListItem {
  const support = supportNeed(view);
  const work = workNeed(view);
  const item = summaryOf(stored, view);
  if (support) {
    item.reason = support.reason;
    item.reasonText = describeSupportReason(support.reason);
    if (support.deadline) item.deadline = support.deadline;
    if (view.payment?.message) item.lastPaymentError = view.payment.message;
    item.paymentAttempts = view.paymentAttempts;
  }
  if (view.acceptance?.authorizationRequired) {
    item.remorseWindowEndsAt = view.acceptance.remorseWindowEndsAt;
    item.authorizations = view.acceptance.authorizations.map((a) => ({ ...a }));
    item.answeredByMe = view.acceptance.authorizations.some((a) => a.managerId === req.caller?.sub);
  }
  // The names and the address as the storefront sent them: the view of an order run by a worker
  // from before v1.2 lacks them, the stored order has them.
  const placed = stored.order;
  const customerName = view.customerName ?? placed.customer.name;
  if (customerName !== undefined) item.customerName = customerName;
  // What is in the parcel, and where it goes: for whoever packs it, receives it back or authorizes it.
  const handled = work?.queue === 'shipment' || work?.queue === 'return';
  if (handled || work?.queue === 'authorization') item.items = placed.items.map((line) => ({ ...line }));
  const address = view.shippingAddress ?? placed.shippingAddress;
  if (handled && address) item.shippingAddress = { ...address };
  if (work?.queue === 'return' && view.goodsReturn) item.expectedBy = view.goodsReturn.expectedBy;
  if (view.shipment?.trackingNumber) item.trackingNumber = view.shipment.trackingNumber;
  return item;
}
