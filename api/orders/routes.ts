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
import { Router, type Request, type Response } from 'express';
import {
  FINAL_STATUSES,
  orderTotal,
  type OrderStatus,
  type OrderView,
  type PlacedOrder,
} from '../../domain/order';
import type { CheckoutSettings } from '../../config/settings';
import type { StoredOrder } from '../../store';
import type { OrderStore } from '../../store';
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
import { requireRole } from '../auth';
import { conflict, notFound } from '../errors';
import { askWithinDeadline } from '../reads';
import { askProcess } from '../updates';
import { parseBody } from '../schemas';
import {
  authorizationBody,
  cancelBody,
  ORDER_ID_PATTERN,
  paymentRetryBody,
  placeOrderBody,
  returnBody,
  shipmentBody,
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
  body: Pick<PlaceOrderBody, 'customer' | 'items' | 'currency' | 'paymentMethod'>,
): string {
  const canonical = JSON.stringify({
    customer: { id: body.customer.id, email: body.customer.email },
    items: body.items.map((item) => ({ sku: item.sku, quantity: item.quantity, unitPrice: item.unitPrice })),
    currency: body.currency,
    paymentMethod: body.paymentMethod,
  });
  return crypto.createHash('sha256').update(canonical).digest('hex');
}

/** Who sent a message, as the order's timeline shows it: `support:sam`. */
export function callerName(req: Request): string {
  if (!req.caller) return 'unknown';
  const { caller } = req;
  const role = caller.roles.find((r) => r !== 'employee') ?? caller.roles[0] ?? 'unknown';
  return `${role}:${caller.sub}`;
}

/** Reading an order and sending it messages: what every orders route shares. */
export function orderAccess({ client, store }: Pick<OrdersDeps, 'client' | 'store'>) {
  function handleFor(orderId: string): WorkflowHandle {
    return client.workflow.getHandle(checkoutWorkflowId(orderId));
  }

  /** The view the store holds: the workflow's last recorded one, or what the API recorded at the click. */
  function storedView(stored: StoredOrder): OrderView {
    if (stored.view) return stored.view;
    const { order } = stored;
    return {
      orderId: order.orderId,
      status: stored.status,
      total: order.total,
      currency: order.currency,
      customerId: order.customer.id,
      items: order.items,
      placedAt: order.placedAt,
      updatedAt: stored.updatedAt,
      paymentAttempts: 0,
      notifications: {},
    };
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
    if (view.status !== 'PaymentFailed' && view.status !== 'PaymentUnconfirmed') {
      throw conflict(`order ${orderId} is ${view.status}, neither PaymentFailed nor PaymentUnconfirmed`, {
        reason: 'not_awaiting_payment',
        status: view.status,
      });
    }
    await signalIfRunning(orderId, retryPaymentSignal, request);
    return view;
  }

  return { handleFor, storedView, currentView, assertKnown, signalIfRunning, retryPayment };
}
export type OrderAccess = ReturnType<typeof orderAccess>;

export function ordersRouter({ client, store, taskQueue, checkout }: OrdersDeps): Router {
  const router = Router();
  const { currentView, assertKnown, signalIfRunning, retryPayment, handleFor, storedView } = orderAccess({
    client,
    store,
  });

  /** Starts the order's workflow; one that is already there (a repeated click, a race) is the same order. */
  async function startCheckout(order: PlacedOrder, fingerprint: string): Promise<void> {
    try {
      await client.workflow.start(
        'checkoutWorkflow',
        checkoutStartOptions(order, fingerprint, taskQueue, checkout),
      );
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  router.post('/orders', requireRole('storefront'), async (req, res) => {
    const body = parseBody(placeOrderBody, req.body);
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
      res.status(202).json({
        orderId,
        status: 'Received' satisfies OrderStatus,
        total: order.total,
        currency: order.currency,
      });
      return;
    }
    const stored = await store.getOrder(orderId);
    if (!stored || requestFingerprint(stored.order) !== fingerprint) {
      throw conflict(`order ${orderId} already exists with a different body`, [{ field: 'orderId' }]);
    }
    // Recorded but never started (the API stopped between the two): start it now. An order whose
    // workflow has recorded any status is never started again, even once its history is deleted.
    if (stored.statusVersion === 0 && !FINAL_STATUSES.has(stored.status)) {
      await startCheckout(stored.order, fingerprint);
      res.status(200).json(await currentView(orderId));
      return;
    }
    // A repeated click: the order as its workflow last recorded it, without asking Temporal.
    res.status(200).json(storedView(stored));
  });

  router.get('/orders/:id', requireRole('storefront', 'support'), async (req, res) => {
    res.json(await currentView(req.params.id as string));
  });

  /** The answer to a message: the order as it is now (from the store when no worker answers). */
  async function answerWithOrder(res: Response, orderId: string): Promise<void> {
    const view = await currentView(orderId);
    res.status(202).json({ ...view, orderId, status: view.status });
  }

  router.post('/orders/:id/cancel', requireRole('storefront', 'support'), async (req, res) => {
    const orderId = req.params.id as string;
    const body = parseBody(cancelBody, req.body);
    await assertKnown(orderId);
    await signalIfRunning(orderId, cancelOrderSignal, { reason: body.reason, requestedBy: callerName(req) });
    await answerWithOrder(res, orderId);
  });

  // A manager's answer to a large order's authorization request, one round trip: the order's
  // update answers with the order after it. A late one, or a second one from the same manager, is
  // answered with the order as it is, as is one for an order that needs none. With no worker in
  // time, or the order ended, a signal carries it and the stored view answers.
  router.post('/orders/:id/authorizations', requireRole('manager'), async (req, res) => {
    const orderId = req.params.id as string;
    const body = parseBody(authorizationBody, req.body);
    if (!ORDER_ID_PATTERN.test(orderId)) throw notFound(`order ${orderId}`);
    const message = { approved: body.approved, note: body.note, managerId: req.caller?.sub ?? 'unknown' };
    const answer = await askProcess(client, handleFor(orderId), answerAuthorizationUpdate, message);
    if (answer.kind === 'answered') {
      res.status(202).json({ ...answer.view, orderId, status: answer.view.status });
      return;
    }
    await assertKnown(orderId);
    await signalIfRunning(orderId, authorizeOrderSignal, message);
    await answerWithOrder(res, orderId);
  });

  // The warehouse reports cancelled goods back. Without a cancellation on record it changes nothing.
  router.post('/orders/:id/return', requireRole('warehouse'), async (req, res) => {
    const orderId = req.params.id as string;
    const body = parseBody(returnBody, req.body);
    await assertKnown(orderId);
    await signalIfRunning(orderId, goodsReturnedSignal, {
      originalPackaging: body.originalPackaging,
      reportedBy: callerName(req),
    });
    await answerWithOrder(res, orderId);
  });

  router.post('/orders/:id/payment-retry', requireRole('support'), async (req, res) => {
    const orderId = req.params.id as string;
    const body = parseBody(paymentRetryBody, req.body);
    const view = await retryPayment(orderId, {
      paymentMethod: body.paymentMethod,
      requestedBy: callerName(req),
    });
    res.status(202).json({ ...view, orderId, status: view.status, retryRequested: true });
  });

  // A shipment reported twice (a warehouse retrying after a lost answer) is answered with the order
  // as it is; 409 only for an order that can never be shipped as it stands.
  router.post('/orders/:id/shipment', requireRole('warehouse'), async (req, res) => {
    const orderId = req.params.id as string;
    const body = parseBody(shipmentBody, req.body);
    const view = await currentView(orderId);
    if (view.shipment) {
      res.status(202).json({ ...view, orderId, status: view.status, shipmentRecorded: true });
      return;
    }
    if (view.status !== 'Paid' || view.cancellation) {
      throw conflict(
        `order ${orderId} is ${view.status}${view.cancellation ? ' with a cancellation requested' : ''}: it is not ready to ship`,
        { status: view.status },
      );
    }
    await signalIfRunning(orderId, orderShippedSignal, { trackingNumber: body.trackingNumber });
    res.status(202).json({ orderId, status: view.status, shipmentRecorded: true });
  });

  return router;
}
