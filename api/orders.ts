/**
 * The orders part of the public contract. Placing an order starts its checkout workflow, and that
 * start is the durable record of the click: the workflow id comes from the order id, so a repeated
 * click finds the same workflow. Everything else is a query or a signal to that workflow.
 */
import crypto from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { Router, type Request } from 'express';
import { orderTotal, type OrderStatus, type OrderView, type PlacedOrder } from '../domain/order';
import type { OrderStore } from '../store';
import {
  authorizeOrderSignal,
  cancelOrderSignal,
  checkoutWorkflowId,
  goodsReturnedSignal,
  orderShippedSignal,
  orderStatusQuery,
  retryPaymentSignal,
} from '../workflows/definitions';
import { requireRole } from './auth';
import { conflict, notFound } from './errors';
import {
  authorizationBody,
  cancelBody,
  ORDER_ID_PATTERN,
  parseBody,
  paymentRetryBody,
  placeOrderBody,
  returnBody,
  shipmentBody,
  type PlaceOrderBody,
} from './schemas';

export interface OrdersDeps {
  client: Client;
  store: OrderStore;
  taskQueue: string;
}

/** A stable fingerprint of what the storefront sent, to tell a repeated click from a different order. */
export function requestFingerprint(body: PlaceOrderBody): string {
  const canonical = JSON.stringify({
    customer: { id: body.customer.id, email: body.customer.email },
    items: body.items.map((item) => ({ sku: item.sku, quantity: item.quantity, unitPrice: item.unitPrice })),
    currency: body.currency,
    paymentMethod: body.paymentMethod,
  });
  return crypto.createHash('sha256').update(canonical).digest('hex');
}

function callerName(req: Request): string {
  return req.caller ? `${req.caller.role}:${req.caller.sub}` : 'unknown';
}

function formatMoney(minorUnits: number, currency: string): string {
  return `${(minorUnits / 100).toFixed(2)} ${currency.toUpperCase()}`;
}

/**
 * What `POST /orders` asks Temporal for: the checkout workflow under the order's id, with the
 * request's fingerprint in its memo and a summary for the UI. Exported so the benchmark's raw client
 * sends exactly this request, and the two latencies compare like with like.
 */
export function checkoutStartOptions(order: PlacedOrder, fingerprint: string, taskQueue: string) {
  return {
    workflowId: checkoutWorkflowId(order.orderId),
    taskQueue,
    args: [order] as [PlacedOrder],
    memo: { requestFingerprint: fingerprint, customerId: order.customer.id },
    // What the Temporal UI lists for this workflow, in words.
    staticSummary: `Order ${order.orderId}: ${order.items.length} line(s), ${formatMoney(order.total, order.currency)}, customer ${order.customer.id}`,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
  };
}

export function ordersRouter({ client, store, taskQueue }: OrdersDeps): Router {
  const router = Router();

  function handleFor(orderId: string): WorkflowHandle {
    return client.workflow.getHandle(checkoutWorkflowId(orderId));
  }

  /** The order as its workflow sees it; the stored copy when the workflow is gone or unreachable. */
  async function currentView(orderId: string): Promise<OrderView> {
    if (!ORDER_ID_PATTERN.test(orderId)) throw notFound(`order ${orderId}`);
    try {
      return await handleFor(orderId).query(orderStatusQuery);
    } catch (err) {
      const stored = await store.getOrder(orderId);
      if (stored?.view) return stored.view;
      if (stored) {
        const { order } = stored;
        return {
          orderId,
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

  router.post('/orders', requireRole('storefront'), async (req, res) => {
    const body = parseBody(placeOrderBody, req.body);
    const orderId = body.orderId ?? crypto.randomUUID();
    const order: PlacedOrder = {
      orderId,
      customer: body.customer,
      items: body.items,
      currency: body.currency,
      paymentMethod: body.paymentMethod,
      total: orderTotal(body.items),
      placedAt: new Date().toISOString(),
    };
    const fingerprint = requestFingerprint(body);
    try {
      await client.workflow.start('checkoutWorkflow', checkoutStartOptions(order, fingerprint, taskQueue));
      res.status(202).json({
        orderId,
        status: 'Received' satisfies OrderStatus,
        total: order.total,
        currency: order.currency,
      });
      return;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    const description = await handleFor(orderId).describe();
    if (description.memo?.requestFingerprint !== fingerprint) {
      throw conflict(`order ${orderId} already exists with a different body`, [{ field: 'orderId' }]);
    }
    res.status(200).json(await currentView(orderId));
  });

  router.get('/orders/:id', requireRole('storefront', 'support'), async (req, res) => {
    res.json(await currentView(req.params.id as string));
  });

  router.post('/orders/:id/cancel', requireRole('storefront', 'support'), async (req, res) => {
    const orderId = req.params.id as string;
    const body = parseBody(cancelBody, req.body);
    await currentView(orderId); // 404 for an unknown order, before anything is sent
    await signalIfRunning(orderId, cancelOrderSignal, { reason: body.reason, requestedBy: callerName(req) });
    const view = await currentView(orderId);
    res.status(202).json({ ...view, orderId, status: view.status });
  });

  // A manager's answer to a large order's authorization request. A late one, one for an order that
  // needs none, or a second one from the same manager is answered with the order as it is.
  router.post('/orders/:id/authorizations', requireRole('manager'), async (req, res) => {
    const orderId = req.params.id as string;
    const body = parseBody(authorizationBody, req.body);
    await currentView(orderId);
    await signalIfRunning(orderId, authorizeOrderSignal, {
      approved: body.approved,
      note: body.note,
      managerId: req.caller?.sub ?? 'unknown',
    });
    const view = await currentView(orderId);
    res.status(202).json({ ...view, orderId, status: view.status });
  });

  // The warehouse reports cancelled goods back. Without a cancellation on record it changes nothing.
  router.post('/orders/:id/return', requireRole('warehouse'), async (req, res) => {
    const orderId = req.params.id as string;
    const body = parseBody(returnBody, req.body);
    await currentView(orderId);
    await signalIfRunning(orderId, goodsReturnedSignal, {
      originalPackaging: body.originalPackaging,
      reportedBy: callerName(req),
    });
    const view = await currentView(orderId);
    res.status(202).json({ ...view, orderId, status: view.status });
  });

  router.post('/orders/:id/payment-retry', requireRole('support'), async (req, res) => {
    const orderId = req.params.id as string;
    const body = parseBody(paymentRetryBody, req.body);
    const view = await currentView(orderId);
    if (view.status !== 'PaymentFailed') {
      throw conflict(`order ${orderId} is ${view.status}, not PaymentFailed`, { status: view.status });
    }
    await signalIfRunning(orderId, retryPaymentSignal, {
      paymentMethod: body.paymentMethod,
      requestedBy: callerName(req),
    });
    res.status(202).json({ orderId, status: view.status, retryRequested: true });
  });

  router.post('/orders/:id/shipment', requireRole('warehouse'), async (req, res) => {
    const orderId = req.params.id as string;
    const body = parseBody(shipmentBody, req.body);
    const view = await currentView(orderId);
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
