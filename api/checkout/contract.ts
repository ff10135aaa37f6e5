/**
 * The orders part of the public contract as zod schemas: request bodies and queries the API parses,
 * the answers it sends, and the routes (composed into the route table in api/contract/index.ts).
 * No Node built-ins: the browser bundle reads these types.
 */
import { z } from 'zod';
import { MAX_ORDER_TOTAL, ORDER_STATUSES, type OrderView } from '../../domain/checkout';
import { ORDER_QUEUES, SUPPORT_REASONS } from '../../domain/work-queues';
import {
  cursor,
  errorAnswer,
  limit,
  note,
  plainLine,
  RESOURCE_ID_PATTERN,
  resourceId,
  route,
  the,
  timelineEvent,
  timestamp,
  type Exact,
  type Route,
  type Same,
} from '../contract/shared';
import { addressAnswer, orderItemAnswer, shippingAddress } from './shipping';

/** An order id: one the storefront chose, or one the API made. */
export const ORDER_ID_PATTERN = RESOURCE_ID_PATTERN;
const orderId = resourceId;
const orderStatus = z.enum(ORDER_STATUSES);

const positiveMinorUnits = z
  .number()
  .int('must be a whole number of minor units')
  .positive('must be more than 0')
  .max(MAX_ORDER_TOTAL, `must be at most ${MAX_ORDER_TOTAL} minor units, the most one payment can take`);

/** Upper bounds a storefront never needs to pass; they keep every total an exact integer. */
export const MAX_QUANTITY = 10_000;
export const MAX_ORDER_LINES = 100;

export const placeOrderBody = z
  .strictObject({
    orderId: orderId.optional(),
    customer: z.strictObject({
      id: z.string().min(1).max(128),
      email: z.email().max(254),
      name: plainLine(200).optional().describe("the customer's name, as the warehouse and managers read it"),
    }),
    items: z
      .array(
        z.strictObject({
          sku: z.string().min(1).max(64),
          quantity: z
            .number()
            .int('must be a whole number')
            .positive('must be more than 0')
            .max(MAX_QUANTITY),
          unitPrice: positiveMinorUnits,
          name: plainLine(200).optional().describe('what the shop calls it'),
        }),
      )
      .min(1, 'an order needs at least one item')
      .max(MAX_ORDER_LINES)
      .describe(`the total (quantity × unitPrice summed) is at most ${MAX_ORDER_TOTAL} minor units`),
    shippingAddress: shippingAddress.optional().describe('where the goods go'),
    currency: z.string().regex(/^[a-z]{3}$/, 'must be a lowercase ISO 4217 code such as "usd"'),
    paymentMethod: z.string().min(1).max(255),
  })
  .superRefine((body, ctx) => {
    // Each line is within bounds; their sum must be one payment Stripe can take.
    const total = body.items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
    if (total > MAX_ORDER_TOTAL) {
      ctx.addIssue({
        code: 'custom',
        path: ['items'],
        message: `the order total (quantity × unitPrice summed) is ${total}; the most one payment can take is ${MAX_ORDER_TOTAL} minor units`,
      });
    }
  });
export type PlaceOrderBody = z.infer<typeof placeOrderBody>;

export const cancelBody = z.strictObject({ reason: z.string().max(500).optional() });
export const paymentRetryBody = z.strictObject({ paymentMethod: z.string().min(1).max(255) });
export const shipmentBody = z.strictObject({ trackingNumber: z.string().min(1).max(128).optional() });
export const authorizationBody = z.strictObject({
  approved: z.boolean('must be true or false'),
  note,
});
export const returnBody = z.strictObject({ originalPackaging: z.boolean('must be true or false') });

export const BATCH_ACTIONS = ['cancel', 'payment-retry'] as const;
export const MAX_BATCH = 100;
export const batchBody = z.strictObject({
  action: z.enum(BATCH_ACTIONS, 'must be "cancel" or "payment-retry"'),
  orderIds: z
    .array(orderId)
    .min(1, 'name at least one order')
    .max(MAX_BATCH, `at most ${MAX_BATCH} orders at once`),
  reason: z.string().max(500).optional().describe('for cancel: why, kept on each order'),
  paymentMethod: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe("for payment-retry: the new payment method; without it each order's own is tried again"),
});
export type BatchBody = z.infer<typeof batchBody>;

export const orderListQuery = z.strictObject({
  status: orderStatus.optional(),
  customerId: z.string().min(1).max(128).optional(),
  needs: z.enum(ORDER_QUEUES).optional(),
  limit,
  cursor,
});
export type OrderListQuery = z.infer<typeof orderListQuery>;

const authorizationAnswer = z.looseObject({
  managerId: z.string(),
  approved: z.boolean(),
  note: z.string().optional(),
  decidedAt: timestamp,
});

const deliveryState = z.enum(['pending', 'delivered', 'delayed', 'failed']);

/**
 * An order as `GET /orders/:id` answers it: the checkout process's own view (`OrderView` in
 * domain/checkout.ts), field for field. The two are one type: `ORDER_ANSWER_IS_THE_VIEW` below stops
 * the build when either gains a field the other lacks.
 */
export const orderAnswer = z.looseObject({
  orderId: z.string(),
  status: orderStatus,
  total: z.number().int().min(1),
  currency: z.string().regex(/^[a-z]{3}$/),
  customerId: z.string(),
  customerName: z.string().optional(),
  items: z.array(orderItemAnswer),
  shippingAddress: addressAnswer.optional(),
  placedAt: timestamp,
  updatedAt: timestamp,
  acceptance: z
    .looseObject({
      remorseWindowEndsAt: timestamp,
      authorizationRequired: z.boolean(),
      authorizations: z.array(authorizationAnswer),
      outcome: z.enum(['Accepted', 'Cancelled', 'Rejected']).optional(),
      decidedAt: timestamp.optional(),
      rejectionReason: z.string().optional(),
    })
    .optional(),
  payment: z
    .looseObject({
      attempt: z.number().int().min(0),
      paymentIntentId: z.string().optional(),
      status: z
        .enum(['succeeded', 'declined', 'processing', 'unconfirmed'])
        .describe(
          'unconfirmed: Stripe did not confirm the charge within PAYMENT_ATTEMPT_TIMEOUT; support retries or cancels, and Stripe is asked first whether money moved',
        ),
      declineCode: z.string().optional(),
      message: z.string().optional(),
      unconfirmedSince: timestamp.optional(),
    })
    .optional(),
  paymentAttempts: z.number().int().min(0),
  paymentResolutionDeadline: timestamp.optional(),
  cancellation: z
    .looseObject({ reason: z.string().optional(), requestedBy: z.string(), requestedAt: timestamp })
    .optional(),
  refund: z
    .looseObject({
      refundId: z.string().optional(),
      amount: z.number().int().min(0),
      restockingFee: z.number().int().min(0).optional(),
      status: z.enum(['pending', 'succeeded', 'failed']),
      failureReason: z.string().optional().describe("Stripe's reason when it refused the refund"),
    })
    .optional(),
  shipment: z.looseObject({ trackingNumber: z.string().optional(), shippedAt: timestamp }).optional(),
  returnWindowEndsAt: timestamp.optional(),
  goodsReturn: z
    .looseObject({
      expectedBy: timestamp,
      receivedAt: timestamp.optional(),
      originalPackaging: z.boolean().optional(),
    })
    .optional(),
  notifications: z.record(z.string(), deliveryState),
  timeline: z.array(timelineEvent).optional(),
  bulkActions: z.array(z.string()).optional().describe('the bulk actions that acted on the order (v1.2)'),
});
export type OrderAnswer = OrderView;
/** The answer and the process's view are one type (a compile-time check; nothing runs). */
export const ORDER_ANSWER_IS_THE_VIEW: Same<Exact<z.output<typeof orderAnswer>>, Exact<OrderView>> = true;

export const orderSummary = z.looseObject({
  orderId: z.string(),
  status: orderStatus,
  total: z.number().int().optional(),
  currency: z.string().optional(),
});
/** An order as its customer reads it (domain/customer-orders.ts): nothing internal; `state`, `next` in words. */
export const customerOrderAnswer = orderSummary.extend({
  customerId: z.string(),
  placedAt: z.string(),
  updatedAt: z.string(),
  state: z.string(),
  next: z.string().optional(),
  cancelFree: z.boolean(),
  cancelFreeUntil: z.string().optional(),
  canCancel: z.boolean(),
});

export const orderListItem = z.looseObject({
  orderId: z.string(),
  status: orderStatus,
  total: z.number().int(),
  currency: z.string(),
  customerId: z.string(),
  customerName: z.string().optional(),
  items: z
    .array(orderItemAnswer)
    .optional()
    .describe('needs=shipment, needs=return and needs=authorization: what is in the parcel'),
  shippingAddress: addressAnswer.optional().describe('needs=shipment and needs=return: where it goes'),
  placedAt: timestamp,
  updatedAt: timestamp,
  reason: z.enum(SUPPORT_REASONS).optional().describe('needs=support: why a person must look'),
  reasonText: z.string().optional().describe('the reason in words'),
  deadline: timestamp.optional().describe('needs=support: when the order is cancelled without an answer'),
  lastPaymentError: z.string().optional().describe("Stripe's last decline message"),
  paymentAttempts: z.number().int().optional(),
  remorseWindowEndsAt: timestamp.optional().describe('needs=authorization: when the window closes'),
  answeredByMe: z.boolean().optional().describe('needs=authorization: whether the caller answered'),
  authorizations: z.array(authorizationAnswer).optional(),
  expectedBy: timestamp.optional().describe('needs=return: the goods are awaited until then'),
  trackingNumber: z.string().optional(),
});
export type OrderListItem = z.infer<typeof orderListItem>;

export const orderList = z.looseObject({
  orders: z.array(orderListItem),
  nextCursor: z.string().optional().describe('absent on the last page'),
});
export type OrderList = z.infer<typeof orderList>;

export const orderTimeline = z.looseObject({ orderId: z.string(), events: z.array(timelineEvent) });
export type OrderTimeline = z.infer<typeof orderTimeline>;

export const batchAnswer = z.looseObject({
  results: z.array(
    z.looseObject({
      orderId: z.string(),
      outcome: z.enum(['accepted', 'refused']),
      status: orderStatus.optional(),
      error: z.string().optional().describe('why the order refused the action, in words'),
    }),
  ),
});
export type BatchAnswer = z.infer<typeof batchAnswer>;

export const placeOrder = route({
  method: 'post',
  path: '/orders',
  who: 'storefront',
  roles: ['storefront'],
  body: { schema: placeOrderBody, required: true },
  answers: {
    '202': the('a new order, Received', orderSummary),
    '200': the('the same order id and body again: the same order', orderAnswer),
    '409': the('the same order id with a different body', errorAnswer),
    '413': the('a body over 64 KiB', errorAnswer),
  },
});

export const listOrders = route({
  method: 'get',
  path: '/orders',
  who: 'storefront, support (no needs, needs=support); manager (needs=authorization); warehouse (needs=shipment, needs=return); customer (their own: customerId their id, or none)',
  roles: ['storefront', 'support', 'manager', 'warehouse', 'customer'],
  summary: 'orders, newest first, or a work queue (most urgent first)',
  query: orderListQuery,
  answers: { '200': the('one page of orders', orderList) },
});

export const batchOrders = route({
  method: 'post',
  path: '/orders/batch',
  who: 'support',
  roles: ['support'],
  summary: 'cancel or retry the payment of many orders at once; one result per id, in order',
  body: { schema: batchBody, required: true },
  answers: { '200': the("each order's result", batchAnswer) },
});

export const getOrder = route({
  method: 'get',
  path: '/orders/{id}',
  who: 'storefront, support; customer (their own orders, in their words: where it stands and what happens next)',
  roles: ['storefront', 'support', 'customer'],
  answers: {
    '200': the('the order (for a customer, in their words)', z.union([orderAnswer, customerOrderAnswer])),
    '403': the("a customer asking for another customer's order", errorAnswer),
  },
});

export const orderTimelineRoute = route({
  method: 'get',
  path: '/orders/{id}/timeline',
  who: 'storefront, support; customer (their own orders: its steps in their words, nobody else named)',
  roles: ['storefront', 'support', 'customer'],
  summary: "every step of the process and every person's action, oldest first",
  answers: { '200': the('the timeline', orderTimeline) },
});

export const cancelOrder = route({
  method: 'post',
  path: '/orders/{id}/cancel',
  who: 'storefront, support; customer (their own orders); never refused for a known order of the caller',
  roles: ['storefront', 'support', 'customer'],
  body: { schema: cancelBody, required: false },
  answers: {
    '202': the(
      'the order as it is now (for a customer, in their words)',
      z.union([orderAnswer, customerOrderAnswer]),
    ),
    '403': the("a customer cancelling another customer's order", errorAnswer),
  },
});

export const authorizeOrder = route({
  method: 'post',
  path: '/orders/{id}/authorizations',
  who: 'manager',
  roles: ['manager'],
  body: { schema: authorizationBody, required: true },
  answers: {
    '202': the("the order after the manager's answer (a late or needless one changes nothing)", orderAnswer),
  },
});

export const retryOrderPayment = route({
  method: 'post',
  path: '/orders/{id}/payment-retry',
  who: 'support',
  roles: ['support'],
  body: { schema: paymentRetryBody, required: true },
  answers: {
    '202': the(
      'retrying with the new method: the order as it is now',
      orderAnswer.extend({ retryRequested: z.literal(true) }),
    ),
    '409': the('the order is neither PaymentFailed nor PaymentUnconfirmed', errorAnswer),
  },
});

export const shipOrder = route({
  method: 'post',
  path: '/orders/{id}/shipment',
  who: 'warehouse',
  roles: ['warehouse'],
  body: { schema: shipmentBody, required: false },
  answers: {
    '202': the('shipment recorded', orderSummary.extend({ shipmentRecorded: z.literal(true) })),
    '409': the(
      'the order can never be shipped as it is (not paid yet, or cancelled); a shipment already recorded is answered 202',
      errorAnswer,
    ),
  },
});

export const returnOrder = route({
  method: 'post',
  path: '/orders/{id}/return',
  who: 'warehouse',
  roles: ['warehouse'],
  body: { schema: returnBody, required: true },
  answers: { '202': the('the order as it is now', orderAnswer) },
});

export const ORDER_ROUTES: readonly Route[] = [
  placeOrder,
  listOrders,
  batchOrders,
  getOrder,
  orderTimelineRoute,
  cancelOrder,
  authorizeOrder,
  retryOrderPayment,
  shipOrder,
  returnOrder,
];
