/**
 * The public HTTP contract (API.md) as zod schemas: every request body and query the API parses,
 * every answer it sends, and the route table that says which goes where. The server validates
 * requests with them and types its answers with them, the OpenAPI document (api/openapi.ts) is
 * generated from them, and the back office (ui/) takes its types from them, so a renamed field
 * breaks the build rather than a page. Answers are loose objects: fields may be added, none renamed.
 *
 * No Node built-ins here: the browser bundle reads these types.
 */
import { z } from 'zod';
import { isCalendarDate, isValidLeaveDays, LEAVE_STATUSES, LEDGER_KINDS, RANKS } from '../domain/leave';
import { MAX_ORDER_TOTAL, ORDER_STATUSES } from '../domain/order';
import { ORDER_QUEUES, SUPPORT_REASONS } from '../domain/work-queues';

import { ROLES, type Role } from '../domain/roles';

export { ROLES, type Role };

export const ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const orderId = z.string().regex(ORDER_ID_PATTERN, 'must match ^[A-Za-z0-9_-]{1,64}$');
const timestamp = z.string().describe('an ISO 8601 timestamp');
const orderStatus = z.enum(ORDER_STATUSES);
const leaveStatus = z.enum(LEAVE_STATUSES);
const note = z.string().max(500).optional();

// ——— Request bodies ———————————————————————————————————————————————————————————————

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
        }),
      )
      .min(1, 'an order needs at least one item')
      .max(MAX_ORDER_LINES)
      .describe(`the total (quantity × unitPrice summed) is at most ${MAX_ORDER_TOTAL} minor units`),
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

const leaveDays = z
  .number('must be a number')
  .refine(isValidLeaveDays, 'must be a positive multiple of 0.5 days');
const calendarDate = z.string().refine(isCalendarDate, 'must be a date written YYYY-MM-DD');

export const leaveRequestBody = z.strictObject({ days: leaveDays, startDate: calendarDate, note });
export const decisionBody = z.strictObject({ note });
export const terminationBody = z.strictObject({ lastDay: calendarDate });
export const signInQuery = z.strictObject({
  returnTo: z.string().max(2048).optional().describe('the back-office page to come back to, e.g. /#/inbox'),
});

// ——— Queries ——————————————————————————————————————————————————————————————————————

const limit = z
  .string()
  .regex(/^\d{1,3}$/, 'must be a whole number from 1 to 100')
  .transform(Number)
  .pipe(z.number().min(1, 'must be at least 1').max(100, 'must be at most 100'))
  .optional()
  .describe('1–100, default 25');
const cursor = z.string().min(1).max(400).optional().describe("the previous page's nextCursor");

export const orderListQuery = z.strictObject({
  status: orderStatus.optional(),
  customerId: z.string().min(1).max(128).optional(),
  needs: z.enum(ORDER_QUEUES).optional(),
  limit,
  cursor,
});
export type OrderListQuery = z.infer<typeof orderListQuery>;

export const leaveListQuery = z.strictObject({
  awaiting: z.literal('me', 'the only value is "me"').optional(),
  employeeId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an employee id')
    .optional(),
  limit,
  cursor,
});

export const leaveBalanceQuery = z.strictObject({
  leaveYear: z
    .string()
    .regex(/^\d{4}$/, 'must be four digits')
    .optional()
    .describe('a year such as 2027'),
});

// ——— Answers ——————————————————————————————————————————————————————————————————————

export const errorAnswer = z.looseObject({
  error: z.looseObject({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

export const timelineEvent = z.looseObject({
  at: timestamp,
  kind: z.string(),
  actor: z.string().optional().describe('who acted: role:id, a manager id, system'),
  detail: z.string().describe('the step in words'),
});
export type TimelineEventAnswer = z.infer<typeof timelineEvent>;

const authorizationAnswer = z.looseObject({
  managerId: z.string(),
  approved: z.boolean(),
  note: z.string().optional(),
  decidedAt: timestamp,
});

const deliveryState = z.enum(['pending', 'delivered', 'delayed', 'failed']);

export const orderAnswer = z.looseObject({
  orderId: z.string(),
  status: orderStatus,
  total: z.number().int().min(1),
  currency: z.string().regex(/^[a-z]{3}$/),
  customerId: z.string().optional(),
  items: z.array(z.looseObject({ sku: z.string(), quantity: z.number().int(), unitPrice: z.number().int() })),
  placedAt: timestamp,
  updatedAt: timestamp,
  acceptance: z
    .looseObject({
      remorseWindowEndsAt: timestamp,
      authorizationRequired: z.boolean(),
      authorizations: z.array(authorizationAnswer),
      outcome: z.enum(['Accepted', 'Cancelled', 'Rejected']).optional(),
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
  paymentAttempts: z.number().int().min(0).optional(),
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
  notifications: z.record(z.string(), deliveryState).optional(),
  timeline: z.array(timelineEvent).optional(),
});
export type OrderAnswer = z.infer<typeof orderAnswer>;

export const orderSummary = z.looseObject({
  orderId: z.string(),
  status: orderStatus,
  total: z.number().int().optional(),
  currency: z.string().optional(),
});

export const orderListItem = z.looseObject({
  orderId: z.string(),
  status: orderStatus,
  total: z.number().int(),
  currency: z.string(),
  customerId: z.string(),
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

export const leaveDecisionAnswer = z.looseObject({
  by: z.string(),
  decision: z.enum(['approved', 'rejected', 'refused']),
  reason: z.string().optional(),
  note: z.string().optional(),
  at: timestamp,
});

export const leaveRequestAnswer = z.looseObject({
  requestId: z.string(),
  employeeId: z.string(),
  days: z.number().gt(0).multipleOf(0.5),
  startDate: z.string().optional(),
  status: leaveStatus,
  note: z.string().optional(),
  leaveYear: z.number().int().optional(),
  submittedAt: timestamp.optional(),
  updatedAt: timestamp.optional(),
  balanceBefore: z.number().optional(),
  balanceAfter: z.number().optional(),
  approvers: z.array(z.string()).optional(),
  decisions: z.array(leaveDecisionAnswer).optional(),
});
export type LeaveRequestAnswer = z.infer<typeof leaveRequestAnswer>;

export const leaveListItem = z.looseObject({
  requestId: z.string(),
  employeeId: z.string(),
  employeeName: z.string().optional(),
  days: z.number(),
  startDate: z.string(),
  status: leaveStatus,
  note: z.string().optional(),
  submittedAt: timestamp.optional(),
  updatedAt: timestamp,
  balanceAfter: z.number().optional().describe("awaiting=me: the employee's balance if approved"),
  canApprove: z.boolean().optional().describe("awaiting=me: by the caller's own authority"),
  reason: z.enum(['not_a_manager', 'not_in_chain', 'beyond_authority']).optional(),
  reasonText: z.string().optional().describe('why not, and who can, in words'),
  whoCan: z.string().optional().describe('the nearest manager in the chain who may approve it'),
});
export type LeaveListItem = z.infer<typeof leaveListItem>;

export const leaveList = z.looseObject({
  leaveRequests: z.array(leaveListItem),
  nextCursor: z.string().optional(),
});
export type LeaveList = z.infer<typeof leaveList>;

export const leaveTimeline = z.looseObject({ requestId: z.string(), events: z.array(timelineEvent) });
export type LeaveTimeline = z.infer<typeof leaveTimeline>;

export const employeeAnswer = z.looseObject({
  id: z.string(),
  name: z.string(),
  managerId: z.string().nullable(),
  rank: z.enum(RANKS),
  balance: z.number(),
  dailyRate: z.number().int().optional().describe('minor units: what one day of leave is worth'),
  lastDay: z.string().optional(),
});
export type EmployeeAnswer = z.infer<typeof employeeAnswer>;

export const employeesAnswer = z.looseObject({
  leaveYear: z.number().int().optional(),
  employees: z.array(employeeAnswer),
});

export const ledgerKind = z.enum(LEDGER_KINDS);

export const leaveBalanceAnswer = z.looseObject({
  employeeId: z.string(),
  leaveYear: z.number().int(),
  balance: z.number(),
  allowance: z.number().optional(),
  owedFromEarlierYears: z.number().optional(),
  entries: z
    .array(
      z.looseObject({
        leaveYear: z.number().int(),
        kind: ledgerKind,
        days: z.number(),
        requestId: z.string().optional(),
        amount: z.number().optional(),
        at: timestamp,
      }),
    )
    .optional(),
  approvers: z
    .array(
      z.looseObject({ id: z.string(), name: z.string(), rank: z.enum(RANKS), lowestBalance: z.number() }),
    )
    .optional()
    .describe('the manager chain, nearest first, with the lowest balance each may approve'),
});
export type LeaveBalanceAnswer = z.infer<typeof leaveBalanceAnswer>;

export const terminationAnswer = z.looseObject({ employeeId: z.string(), lastDay: z.string() });

export const sessionAnswer = z.looseObject({
  sub: z.string(),
  name: z.string(),
  roles: z.array(z.enum(ROLES)),
  csrfToken: z.string().describe('send it back as the X-CSRF-Token header on every POST'),
  devSignIn: z
    .boolean()
    .describe('signed in through an identity provider on this machine (the development one of npm start)'),
  expiresAt: z.string().describe('when the session ends and the person signs in again'),
});
export type SessionAnswer = z.infer<typeof sessionAnswer>;

export const signOutAnswer = z.looseObject({
  endSessionUrl: z
    .string()
    .optional()
    .describe(
      "the identity provider's sign-out page, where the browser goes next to end the provider's session too",
    ),
});
export type SignOutAnswer = z.infer<typeof signOutAnswer>;

// ——— Routes ———————————————————————————————————————————————————————————————————————

interface Answer {
  description: string;
  schema?: z.ZodType;
}

export interface Route {
  method: 'get' | 'post';
  /** OpenAPI template: `/orders/{id}`. */
  path: string;
  /** Who may call it, in words; absent for the unauthenticated probes. */
  who?: string;
  summary?: string;
  body?: { schema: z.ZodType; required: boolean };
  query?: z.ZodObject;
  headers?: { name: string; description: string; schema: z.ZodType }[];
  answers: Record<string, Answer>;
}

const the = (description: string, schema?: z.ZodType): Answer => ({ description, schema });
const plain = z.looseObject({ status: z.string() });
const readiness = z.looseObject({ status: z.string(), checks: z.record(z.string(), z.string()) });

export const ROUTES: Route[] = [
  { method: 'get', path: '/healthz', answers: { '200': the('the process is up', plain) } },
  {
    method: 'get',
    path: '/readyz',
    answers: {
      '200': the('every dependency answers', readiness),
      '503': the('a dependency does not; `checks` says which', readiness),
    },
  },
  { method: 'get', path: '/metrics', answers: { '200': the('Prometheus text format') } },
  { method: 'get', path: '/openapi.json', answers: { '200': the('this document', z.looseObject({})) } },
  {
    method: 'post',
    path: '/orders',
    who: 'storefront',
    body: { schema: placeOrderBody, required: true },
    answers: {
      '202': the('a new order, Received', orderSummary),
      '200': the('the same order id and body again: the same order', orderAnswer),
      '409': the('the same order id with a different body', errorAnswer),
      '413': the('a body over 64 KiB', errorAnswer),
    },
  },
  {
    method: 'get',
    path: '/orders',
    who: 'storefront, support (no needs, needs=support); manager (needs=authorization); warehouse (needs=shipment, needs=return)',
    summary: 'orders, newest first, or a work queue (most urgent first)',
    query: orderListQuery,
    answers: { '200': the('one page of orders', orderList) },
  },
  {
    method: 'post',
    path: '/orders/batch',
    who: 'support',
    summary: 'cancel or retry the payment of many orders at once; one result per id, in order',
    body: { schema: batchBody, required: true },
    answers: { '200': the("each order's result", batchAnswer) },
  },
  {
    method: 'get',
    path: '/orders/{id}',
    who: 'storefront, support',
    answers: { '200': the('the order', orderAnswer) },
  },
  {
    method: 'get',
    path: '/orders/{id}/timeline',
    who: 'storefront, support',
    summary: "every step of the process and every person's action, oldest first",
    answers: { '200': the('the timeline', orderTimeline) },
  },
  {
    method: 'post',
    path: '/orders/{id}/cancel',
    who: 'storefront, support; never refused for a known order',
    body: { schema: cancelBody, required: false },
    answers: { '202': the('the order as it is now', orderSummary) },
  },
  {
    method: 'post',
    path: '/orders/{id}/authorizations',
    who: 'manager',
    body: { schema: authorizationBody, required: true },
    answers: { '202': the('the order as it is now', orderSummary) },
  },
  {
    method: 'post',
    path: '/orders/{id}/payment-retry',
    who: 'support',
    body: { schema: paymentRetryBody, required: true },
    answers: {
      '202': the('retrying with the new method', orderSummary),
      '409': the('the order is neither PaymentFailed nor PaymentUnconfirmed', errorAnswer),
    },
  },
  {
    method: 'post',
    path: '/orders/{id}/shipment',
    who: 'warehouse',
    body: { schema: shipmentBody, required: false },
    answers: {
      '202': the('shipment recorded', orderSummary),
      '409': the(
        'the order can never be shipped as it is (not paid yet, or cancelled); a shipment already recorded is answered 202',
        errorAnswer,
      ),
    },
  },
  {
    method: 'post',
    path: '/orders/{id}/return',
    who: 'warehouse',
    body: { schema: returnBody, required: true },
    answers: { '202': the('the order as it is now', orderSummary) },
  },
  {
    method: 'post',
    path: '/leave-requests',
    who: 'employee',
    body: { schema: leaveRequestBody, required: true },
    headers: [
      {
        name: 'Idempotency-Key',
        description:
          'makes placing safe to repeat: the same key and body from the same employee answer the same request (200); the same key with another body is a 409',
        schema: z.string().min(1).max(255),
      },
    ],
    answers: {
      '202': the(
        'Approved at once within the balance, else PendingApproval; Submitted when the process has not decided within a few seconds (GET shows the outcome)',
        leaveRequestAnswer,
      ),
      '200': the('the same Idempotency-Key and body again: the same request', leaveRequestAnswer),
      '409': the('the Idempotency-Key was used for a different request', errorAnswer),
    },
  },
  {
    method: 'get',
    path: '/leave-requests',
    who: 'awaiting=me: manager; employeeId=: the employee, their manager chain, hr',
    summary: "requests waiting for the caller's decision, or one employee's requests, newest first",
    query: leaveListQuery,
    answers: { '200': the('one page of leave requests', leaveList) },
  },
  {
    method: 'get',
    path: '/leave-requests/{id}',
    who: 'the employee, their manager chain, hr',
    answers: { '200': the('the request', leaveRequestAnswer) },
  },
  {
    method: 'get',
    path: '/leave-requests/{id}/timeline',
    who: 'the employee, their manager chain, hr',
    answers: { '200': the('the timeline', leaveTimeline) },
  },
  {
    method: 'post',
    path: '/leave-requests/{id}/approve',
    who: "a manager in the chain; 403 with the reason when beyond the approver's authority or outside the chain",
    body: { schema: decisionBody, required: false },
    answers: { '202': the('the request as it is now', leaveRequestAnswer) },
  },
  {
    method: 'post',
    path: '/leave-requests/{id}/reject',
    who: 'a manager in the chain',
    body: { schema: decisionBody, required: false },
    answers: { '202': the('the request as it is now', leaveRequestAnswer) },
  },
  {
    method: 'post',
    path: '/leave-requests/{id}/withdraw',
    who: 'the employee',
    answers: { '202': the('the request as it is now', leaveRequestAnswer) },
  },
  {
    method: 'get',
    path: '/employees',
    who: 'hr',
    answers: { '200': the('everyone, with their balance', employeesAnswer) },
  },
  {
    method: 'post',
    path: '/employees/{id}/termination',
    who: 'hr',
    body: { schema: terminationBody, required: true },
    answers: {
      '202': the(
        'recorded; every open leave request hears of it (leave starting on or before the last day stands; later leave is withdrawn)',
        terminationAnswer,
      ),
      '200': the('the same termination was recorded before: the first answer again', terminationAnswer),
      '409': the('a termination with another last day is already recorded', errorAnswer),
    },
  },
  {
    method: 'get',
    path: '/employees/{id}/leave-balance',
    who: 'the employee, their manager chain, hr',
    query: leaveBalanceQuery,
    answers: { '200': the('the balance and the ledger', leaveBalanceAnswer) },
  },
  {
    method: 'get',
    path: '/session',
    summary: 'who the browser session is signed in as (the session cookie)',
    answers: {
      '200': the('signed in', sessionAnswer),
      '401': the('not signed in', errorAnswer),
    },
  },
  {
    method: 'get',
    path: '/session/sign-in',
    summary:
      "starts a person's sign-in: redirects the browser to the identity provider (authorization code with PKCE)",
    query: signInQuery,
    answers: {
      '302': the("to the identity provider's sign-in"),
      '404': the('sign-in is off: no identity provider is configured (AUTH_JWT_SECRET mode)'),
    },
  },
  {
    method: 'get',
    path: '/session/callback',
    summary: "the identity provider's redirect back: the code is exchanged, the session starts",
    answers: {
      '303': the('signed in; the session cookie is set; on to the page the person came from'),
      '400': the('the sign-in failed or expired; the page says so and offers to start again'),
      '403': the('signed in at the provider, but holding no role of this app'),
    },
  },
  {
    method: 'post',
    path: '/session/sign-out',
    summary: "ends the browser session here and answers the provider's sign-out page",
    answers: {
      '200': the('signed out', signOutAnswer),
      '403': the('without the session CSRF token', errorAnswer),
    },
  },
];
