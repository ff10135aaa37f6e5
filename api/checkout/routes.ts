/**
 * The orders part of the public contract. Placing an order records it in the app's store and
 * starts its checkout workflow; the workflow id comes from the order id, and the stored order is
 * consulted first, so a repeated click finds the same order for as long as the store keeps it, not
 * only as long as Temporal keeps its history. A message that needs the order's answer (a manager's
 * authorization, a payment retry) is an update: one round trip, refused or answered with the order
 * after it; a cancel, a shipment and a return are signals, which land even when no worker is
 * running. Reads ask the workflow with a short deadline and fall back to the stored view.
 */
import crypto from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { Router } from 'express';
import {
  awaitingPaymentDecision,
  FINAL_STATUSES,
  orderTotal,
  placedOrderView,
  readyToShip,
  type OrderView,
  type PlacedOrder,
} from '../../domain/checkout';
import type { CheckoutSettings } from '../../config/settings';
import type { OrderStore, StoredOrder } from '../../store';
import {
  authorizeOrderSignal,
  cancelOrderSignal,
  checkoutStartOptions,
  checkoutWorkflowId,
  goodsReturnedSignal,
  orderShippedSignal,
  answerAuthorizationUpdate,
  orderStatusQuery,
  retryPaymentSignal,
  retryPaymentUpdate,
  type PaymentRetryRequest,
} from '../../workflows/checkout/messages';
import { checkoutWorkflow } from '../../workflows/checkout/workflow';
import { callerName } from '../auth';
import { conflict, notFound } from '../errors';
import { handle, mount } from '../mount';
import { askWithinDeadline } from '../reads';
import { assertOwnOrder, customerOf } from '../customer-caller';
import { customerOrder } from '../../domain/customer-orders';
import { askProcess } from '../updates';
import {
  authorizeOrder,
  cancelOrder,
  getOrder,
  ORDER_ID_PATTERN,
  placeOrder,
  retryOrderPayment,
  returnOrder,
  shipOrder,
  type PlaceOrderBody,
} from './contract';

export interface OrdersDeps {
  client: Client;
  store: OrderStore;
  taskQueue: string;
  /** The settings an order is placed under, sent with it (CheckoutInput); unset: the worker's. */
  checkout?: CheckoutSettings;
}

/**
 * A stable fingerprint of what the storefront sent, to tell a repeated click from a different order.
 * Everything in it is kept in the stored order, so a stored order's fingerprint is computed from it.
 */
export function requestFingerprint(
  body: Pick<PlaceOrderBody, 'customer' | 'items' | 'currency' | 'paymentMethod' | 'shippingAddress'>,
): string {
  // The names and the address (v1.2) are left out when absent (JSON drops undefined), so an order
  // placed before them keeps the fingerprint it had.
  const address = body.shippingAddress;
  const canonical = JSON.stringify({
    customer: { id: body.customer.id, email: body.customer.email, name: body.customer.name },
    items: body.items.map((item) => ({
      sku: item.sku,
      quantity: item.quantity,
      unitPrice: item.unitPrice,
      name: item.name,
    })),
    currency: body.currency,
    paymentMethod: body.paymentMethod,
    shippingAddress: address && {
      name: address.name,
      line1: address.line1,
      line2: address.line2,
      city: address.city,
      postalCode: address.postalCode,
      country: address.country,
    },
  });
  return crypto.createHash('sha256').update(canonical).digest('hex');
}

/** Reading an order and sending it messages: what every orders route shares. */
export function orderAccess({ client, store }: Pick<OrdersDeps, 'client' | 'store'>) {
  function handleFor(orderId: string): WorkflowHandle {
    return client.workflow.getHandle(checkoutWorkflowId(orderId));
  }

  /** The view the store holds: the workflow's last recorded one, or what the API recorded at the click. */
  function storedView(stored: StoredOrder): OrderView {
    return stored.view ?? placedOrderView(stored.order, stored.status, stored.updatedAt);
  }

  /**
   * The order as its workflow sees it. A query needs a running worker; when none answers within
   * QUERY_DEADLINE_MS (stopped, backlogged) or the history is gone, the stored view answers.
   */
  async function currentView(orderId: string): Promise<OrderView> {
    if (!ORDER_ID_PATTERN.test(orderId)) throw notFound(`order ${orderId}`);
    try {
      return await askWithinDeadline(client, () => handleFor(orderId).query(orderStatusQuery));
    } catch (err) {
      const stored = await store.getOrder(orderId);
      if (stored) return storedView(stored);
      if (err instanceof WorkflowNotFoundError) throw notFound(`order ${orderId}`);
      throw err;
    }
  }

  /**
   * 404 unless the order is known, without asking its workflow (which may have no worker): the store
   * first; for an order placed before the API recorded orders itself, the workflow's description.
   */
  async function assertKnown(orderId: string): Promise<void> {
    if (!ORDER_ID_PATTERN.test(orderId)) throw notFound(`order ${orderId}`);
    if (await store.getOrder(orderId)) return;
    try {
      await handleFor(orderId).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notFound(`order ${orderId}`);
      throw err;
    }
  }

  /** Signals a running order; a closed one has nothing to hear it, and that is not an error. */
  async function signalIfRunning<Args extends unknown[]>(
    orderId: string,
    signal: Parameters<WorkflowHandle['signal']>[0],
    ...args: Args
  ): Promise<boolean> {
    try {
      await handleFor(orderId).signal(signal, ...args);
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /**
   * Support's payment retry, one round trip: the order's update refuses it (409) unless the order
   * waits on a failed or unconfirmed payment, and answers with the order once the retry is on
   * record. With no worker in time, or the order ended, the stored view decides and a signal
   * carries the retry (it lands when a worker returns; a repeated one changes nothing).
   */
  async function retryPayment(orderId: string, request: PaymentRetryRequest): Promise<OrderView> {
    if (!ORDER_ID_PATTERN.test(orderId)) throw notFound(`order ${orderId}`);
    const answer = await askProcess(client, handleFor(orderId), retryPaymentUpdate, request);
    if (answer.kind === 'answered') return answer.view;
    const view = await currentView(orderId);
    if (!awaitingPaymentDecision(view)) {
      throw conflict(`order ${orderId} is ${view.status}, neither PaymentFailed nor PaymentUnconfirmed`, {
        reason: 'not_awaiting_payment',
        status: view.status,
      });
    }
    await signalIfRunning(orderId, retryPaymentSignal, request);
    return view;
  }

  /**
   * Whose order it is, from the store alone (before any workflow is asked): a customer asking for
   * an order that is not theirs, or none at all, is told the same (403), so order ids cannot be
   * probed.
   */
  async function knownOwnerOf(orderId: string): Promise<{ orderId: string; customerId?: string }> {
    const stored = ORDER_ID_PATTERN.test(orderId) ? await store.getOrder(orderId) : undefined;
    return { orderId, customerId: stored?.order.customer.id };
  }

  return { handleFor, storedView, currentView, assertKnown, signalIfRunning, retryPayment, knownOwnerOf };
}
export type OrderAccess = ReturnType<typeof orderAccess>;

export function ordersRouter({ client, store, taskQueue, checkout }: OrdersDeps): Router {
  const { currentView, assertKnown, signalIfRunning, retryPayment, handleFor, storedView, knownOwnerOf } =
    orderAccess({
      client,
      store,
    });

  /** Starts the order's workflow; one that is already there (a repeated click, a race) is the same order. */
  async function startCheckout(order: PlacedOrder, fingerprint: string): Promise<void> {
    try {
      await client.workflow.start(
        checkoutWorkflow,
        checkoutStartOptions(order, fingerprint, taskQueue, checkout),
      );
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  /** The answer to a message: the order as it is now (from the store when no worker answers). */
  async function orderNow(orderId: string): Promise<OrderView> {
    return currentView(orderId);
  }

  return mount(Router(), [
    handle(placeOrder, async ({ body }) => {
      const orderId = body.orderId ?? crypto.randomUUID();
      const fingerprint = requestFingerprint(body);
      const order: PlacedOrder = {
        orderId,
        customer: body.customer,
        items: body.items,
        currency: body.currency,
        paymentMethod: body.paymentMethod,
        total: orderTotal(body.items),
        placedAt: new Date().toISOString(),
        ...(body.shippingAddress ? { shippingAddress: body.shippingAddress } : {}),
      };
      // The store decides whether this is a new order: it keeps orders longer than Temporal keeps
      // their histories, and it answers with no worker running.
      const { created } = await store.saveOrder(order);
      if (created) {
        try {
          await startCheckout(order, fingerprint);
        } catch (err) {
          // Not started (Temporal unreachable, say): the answer says nothing happened, so nothing
          // stays behind. Should the start have got through after all, its workflow saves the order.
          await store.forgetUnstarted(orderId);
          throw err;
        }
        return {
          status: 202,
          body: { orderId, status: 'Received', total: order.total, currency: order.currency },
        };
      }
      const stored = await store.getOrder(orderId);
      if (!stored || requestFingerprint(stored.order) !== fingerprint) {
        throw conflict(`order ${orderId} already exists with a different body`, [{ field: 'orderId' }]);
      }
      // Recorded but never started (the API stopped between the two): start it now. An order whose
      // workflow has recorded any status is never started again, even once its history is deleted.
      if (stored.statusVersion === 0 && !FINAL_STATUSES.has(stored.status)) {
        await startCheckout(stored.order, fingerprint);
        return { status: 200, body: await currentView(orderId) };
      }
      // A repeated click: the order as its workflow last recorded it, without asking Temporal.
      return { status: 200, body: storedView(stored) };
    }),

    handle(getOrder, async ({ params, caller }) => {
      const customer = customerOf(caller);
      if (customer) assertOwnOrder(customer, await knownOwnerOf(params.id));
      const view = await currentView(params.id);
      return { status: 200, body: customer ? customerOrder(view, Date.now()) : view };
    }),

    handle(cancelOrder, async ({ params, body, req, caller }) => {
      const customer = customerOf(caller);
      if (customer) assertOwnOrder(customer, await knownOwnerOf(params.id));
      await assertKnown(params.id);
      await signalIfRunning(params.id, cancelOrderSignal, {
        reason: body.reason,
        requestedBy: callerName(req),
      });
      const view = await orderNow(params.id);
      return { status: 202, body: customer ? customerOrder(view, Date.now()) : view };
    }),

    // A manager's answer to a large order's authorization request, one round trip: the order's
    // update answers with the order after it. A late one, or a second one from the same manager, is
    // answered with the order as it is, as is one for an order that needs none. With no worker in
    // time, or the order ended, a signal carries it and the stored view answers.
    handle(authorizeOrder, async ({ params, body, caller }) => {
      const orderId = params.id;
      if (!ORDER_ID_PATTERN.test(orderId)) throw notFound(`order ${orderId}`);
      const message = { approved: body.approved, note: body.note, managerId: caller.sub };
      const answer = await askProcess(client, handleFor(orderId), answerAuthorizationUpdate, message);
      if (answer.kind === 'answered') return { status: 202, body: answer.view };
      await assertKnown(orderId);
      await signalIfRunning(orderId, authorizeOrderSignal, message);
      return { status: 202, body: await orderNow(orderId) };
    }),

    // The warehouse reports cancelled goods back. Without a cancellation on record it changes nothing.
    handle(returnOrder, async ({ params, body, req }) => {
      await assertKnown(params.id);
      await signalIfRunning(params.id, goodsReturnedSignal, {
        originalPackaging: body.originalPackaging,
        reportedBy: callerName(req),
      });
      return { status: 202, body: await orderNow(params.id) };
    }),

    handle(retryOrderPayment, async ({ params, body, req }) => {
      const view = await retryPayment(params.id, {
        paymentMethod: body.paymentMethod,
        requestedBy: callerName(req),
      });
      return { status: 202, body: { ...view, retryRequested: true } };
    }),

    // A shipment reported twice (a warehouse retrying after a lost answer) is answered with the
    // order as it is; 409 only for an order that can never be shipped as it stands.
    handle(shipOrder, async ({ params, body }) => {
      const orderId = params.id;
      const view = await currentView(orderId);
      if (view.shipment) return { status: 202, body: { ...view, shipmentRecorded: true } };
      if (!readyToShip(view)) {
        throw conflict(
          `order ${orderId} is ${view.status}${view.cancellation ? ' with a cancellation requested' : ''}: it is not ready to ship`,
          { status: view.status },
        );
      }
      await signalIfRunning(orderId, orderShippedSignal, { trackingNumber: body.trackingNumber });
      return { status: 202, body: { orderId, status: view.status, shipmentRecorded: true } };
    }),
  ]);
}
