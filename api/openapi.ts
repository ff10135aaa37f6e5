/**
 * The public HTTP contract (API.md) as an OpenAPI 3.1 document, served at GET /openapi.json. The
 * API test suites check every answer they receive against it, so the document cannot drift from
 * what the server does. Fields named in the contract are required; more may be added, none renamed.
 */
import { MAX_ORDER_TOTAL, ORDER_STATUSES } from '../domain/order';
import { MAX_ORDER_LINES, MAX_QUANTITY } from './schemas';
import { LEAVE_STATUSES, LEAVE_YEARS_AHEAD, RANKS } from '../domain/leave';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json(ref('Error')) });
const errors = {
  '400': error('the body is not valid; `details` names each field at fault'),
  '401': error('no token, or an invalid one'),
  '403': error('the wrong role, or not your resource; the message says why'),
  '404': error('unknown'),
  '503': error(
    'the workflow service cannot be reached right now; send the same request again after `Retry-After` seconds',
  ),
};
const bearer = [{ bearer: [] }];
const id = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const body = (schema: object) => ({ required: false, ...json(schema) });

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'temporal-commerce',
    version: '1',
    description:
      'Checkout, order acceptance and annual leave as durable processes. Amounts are integers in minor units.',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string' },
              message: { type: 'string' },
              details: {},
            },
          },
        },
      },
      OrderStatus: { enum: [...ORDER_STATUSES] },
      OrderSummary: {
        type: 'object',
        required: ['orderId', 'status'],
        properties: {
          orderId: { type: 'string' },
          status: ref('OrderStatus'),
          total: { type: 'integer' },
          currency: { type: 'string' },
        },
      },
      Order: {
        type: 'object',
        required: ['orderId', 'status', 'total', 'currency', 'items', 'placedAt', 'updatedAt'],
        properties: {
          orderId: { type: 'string' },
          status: ref('OrderStatus'),
          total: { type: 'integer', minimum: 1 },
          currency: { type: 'string', pattern: '^[a-z]{3}$' },
          customerId: { type: 'string' },
          items: {
            type: 'array',
            items: {
              type: 'object',
              required: ['sku', 'quantity', 'unitPrice'],
              properties: {
                sku: { type: 'string' },
                quantity: { type: 'integer' },
                unitPrice: { type: 'integer' },
              },
            },
          },
          placedAt: { type: 'string' },
          updatedAt: { type: 'string' },
          acceptance: {
            type: 'object',
            required: ['remorseWindowEndsAt', 'authorizationRequired', 'authorizations'],
            properties: {
              remorseWindowEndsAt: { type: 'string' },
              authorizationRequired: { type: 'boolean' },
              authorizations: { type: 'array' },
              outcome: { enum: ['Accepted', 'Cancelled', 'Rejected'] },
            },
          },
          refund: {
            type: 'object',
            required: ['amount', 'status'],
            properties: {
              amount: { type: 'integer', minimum: 0 },
              restockingFee: { type: 'integer', minimum: 0 },
              status: { enum: ['pending', 'succeeded', 'failed'] },
              failureReason: { type: 'string', description: "Stripe's reason when it refused the refund" },
            },
          },
          payment: {
            type: 'object',
            required: ['attempt', 'status'],
            properties: {
              attempt: { type: 'integer', minimum: 1 },
              paymentIntentId: { type: 'string' },
              status: {
                enum: ['succeeded', 'declined', 'processing', 'unconfirmed'],
                description:
                  'unconfirmed: Stripe did not confirm the charge within PAYMENT_ATTEMPT_TIMEOUT; support retries or cancels, and Stripe is asked first whether money moved',
              },
              declineCode: { type: 'string' },
              message: { type: 'string' },
              unconfirmedSince: { type: 'string' },
            },
          },
        },
      },
      PlaceOrder: {
        type: 'object',
        additionalProperties: false,
        required: ['customer', 'items', 'currency', 'paymentMethod'],
        properties: {
          orderId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
          customer: { type: 'object', required: ['id', 'email'] },
          items: {
            type: 'array',
            minItems: 1,
            maxItems: MAX_ORDER_LINES,
            description: `the total (quantity × unitPrice summed) is at most ${MAX_ORDER_TOTAL} minor units`,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['sku', 'quantity', 'unitPrice'],
              properties: {
                sku: { type: 'string', minLength: 1, maxLength: 64 },
                quantity: { type: 'integer', minimum: 1, maximum: MAX_QUANTITY },
                unitPrice: { type: 'integer', minimum: 1, maximum: MAX_ORDER_TOTAL },
              },
            },
          },
          currency: { type: 'string', pattern: '^[a-z]{3}$' },
          paymentMethod: { type: 'string' },
        },
      },
      LeaveStatus: { enum: [...LEAVE_STATUSES] },
      LeaveRequest: {
        type: 'object',
        required: ['requestId', 'employeeId', 'days', 'status'],
        properties: {
          requestId: { type: 'string' },
          employeeId: { type: 'string' },
          days: { type: 'number', exclusiveMinimum: 0, multipleOf: 0.5 },
          startDate: { type: 'string', format: 'date' },
          status: ref('LeaveStatus'),
          balanceBefore: { type: 'number' },
          balanceAfter: { type: 'number' },
          decisions: { type: 'array' },
        },
      },
      Employee: {
        type: 'object',
        required: ['id', 'name', 'managerId', 'rank', 'balance'],
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          managerId: { type: ['string', 'null'] },
          rank: { enum: [...RANKS] },
          balance: { type: 'number' },
          lastDay: { type: 'string', format: 'date' },
        },
      },
      LeaveBalance: {
        type: 'object',
        required: ['employeeId', 'balance', 'leaveYear'],
        properties: {
          employeeId: { type: 'string' },
          balance: { type: 'number' },
          leaveYear: { type: 'integer' },
          allowance: { type: 'number' },
          entries: { type: 'array' },
        },
      },
    },
  },
  paths: {
    '/healthz': {
      get: {
        responses: {
          '200': { description: 'the process is up', ...json({ type: 'object', required: ['status'] }) },
        },
      },
    },
    '/readyz': {
      get: {
        responses: {
          '200': {
            description: 'every dependency answers',
            ...json({ type: 'object', required: ['status', 'checks'] }),
          },
          '503': {
            description: 'a dependency does not; `checks` says which',
            ...json({ type: 'object', required: ['status', 'checks'] }),
          },
        },
      },
    },
    '/metrics': { get: { responses: { '200': { description: 'Prometheus text format' } } } },
    '/openapi.json': {
      get: { responses: { '200': { description: 'this document', ...json({ type: 'object' }) } } },
    },
    '/orders': {
      post: {
        security: bearer,
        description: 'role storefront',
        requestBody: { required: true, ...json(ref('PlaceOrder')) },
        responses: {
          '202': { description: 'a new order, Received', ...json(ref('OrderSummary')) },
          '200': { description: 'the same order id and body again: the same order', ...json(ref('Order')) },
          '409': error('the same order id with a different body'),
          '413': error('a body over 64 KiB'),
          ...errors,
        },
      },
    },
    '/orders/{id}': {
      get: {
        security: bearer,
        description: 'roles storefront, support',
        parameters: [id('id')],
        responses: { '200': { description: 'the order', ...json(ref('Order')) }, ...errors },
      },
    },
    '/orders/{id}/cancel': {
      post: {
        security: bearer,
        description: 'roles storefront, support; never refused for a known order',
        parameters: [id('id')],
        requestBody: body({ type: 'object', properties: { reason: { type: 'string' } } }),
        responses: {
          '202': { description: 'the order as it is now', ...json(ref('OrderSummary')) },
          ...errors,
        },
      },
    },
    '/orders/{id}/authorizations': {
      post: {
        security: bearer,
        description: 'role manager',
        parameters: [id('id')],
        requestBody: {
          required: true,
          ...json({
            type: 'object',
            required: ['approved'],
            properties: { approved: { type: 'boolean' }, note: { type: 'string' } },
          }),
        },
        responses: {
          '202': { description: 'the order as it is now', ...json(ref('OrderSummary')) },
          ...errors,
        },
      },
    },
    '/orders/{id}/payment-retry': {
      post: {
        security: bearer,
        description: 'role support',
        parameters: [id('id')],
        requestBody: { required: true, ...json({ type: 'object', required: ['paymentMethod'] }) },
        responses: {
          '202': { description: 'retrying with the new method', ...json(ref('OrderSummary')) },
          '409': error('the order is neither PaymentFailed nor PaymentUnconfirmed'),
          ...errors,
        },
      },
    },
    '/orders/{id}/shipment': {
      post: {
        security: bearer,
        description: 'role warehouse',
        parameters: [id('id')],
        requestBody: body({ type: 'object', properties: { trackingNumber: { type: 'string' } } }),
        responses: {
          '202': { description: 'shipment recorded', ...json(ref('OrderSummary')) },
          '409': error(
            'the order can never be shipped as it is (not paid yet, or cancelled); a shipment already recorded is answered 202',
          ),
          ...errors,
        },
      },
    },
    '/orders/{id}/return': {
      post: {
        security: bearer,
        description: 'role warehouse',
        parameters: [id('id')],
        requestBody: {
          required: true,
          ...json({
            type: 'object',
            required: ['originalPackaging'],
            properties: { originalPackaging: { type: 'boolean' } },
          }),
        },
        responses: {
          '202': { description: 'the order as it is now', ...json(ref('OrderSummary')) },
          ...errors,
        },
      },
    },
    '/leave-requests': {
      post: {
        security: bearer,
        description: 'role employee',
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description:
              'makes placing safe to repeat: the same key and body from the same employee answer the same request (200); the same key with another body is a 409',
            schema: { type: 'string', minLength: 1, maxLength: 255 },
          },
        ],
        requestBody: {
          required: true,
          ...json({
            type: 'object',
            required: ['days', 'startDate'],
            properties: {
              days: { type: 'number' },
              startDate: {
                type: 'string',
                format: 'date',
                description: `today or later, at most ${LEAVE_YEARS_AHEAD} leave years ahead, and not after the employee's last day`,
              },
              note: { type: 'string' },
            },
          }),
        },
        responses: {
          '202': {
            description:
              'Approved at once within the balance, else PendingApproval; Submitted when the process has not decided within a few seconds (GET shows the outcome)',
            ...json(ref('LeaveRequest')),
          },
          '200': {
            description: 'the same Idempotency-Key and body again: the same request',
            ...json(ref('LeaveRequest')),
          },
          '409': error('the Idempotency-Key was used for a different request'),
          ...errors,
        },
      },
    },
    '/leave-requests/{id}': {
      get: {
        security: bearer,
        description: 'the employee, their manager chain, hr',
        parameters: [id('id')],
        responses: { '200': { description: 'the request', ...json(ref('LeaveRequest')) }, ...errors },
      },
    },
    '/leave-requests/{id}/approve': {
      post: {
        security: bearer,
        description:
          "a manager in the chain; 403 with the reason when beyond the approver's authority or outside the chain",
        parameters: [id('id')],
        requestBody: body({ type: 'object', properties: { note: { type: 'string' } } }),
        responses: {
          '202': { description: 'the request as it is now', ...json(ref('LeaveRequest')) },
          ...errors,
        },
      },
    },
    '/leave-requests/{id}/reject': {
      post: {
        security: bearer,
        description: 'a manager in the chain',
        parameters: [id('id')],
        requestBody: body({ type: 'object', properties: { note: { type: 'string' } } }),
        responses: {
          '202': { description: 'the request as it is now', ...json(ref('LeaveRequest')) },
          ...errors,
        },
      },
    },
    '/leave-requests/{id}/withdraw': {
      post: {
        security: bearer,
        description: 'the employee',
        parameters: [id('id')],
        responses: {
          '202': { description: 'the request as it is now', ...json(ref('LeaveRequest')) },
          ...errors,
        },
      },
    },
    '/employees': {
      get: {
        security: bearer,
        description: 'role hr',
        responses: {
          '200': {
            description: 'everyone, with their balance',
            ...json({
              type: 'object',
              required: ['employees'],
              properties: { employees: { type: 'array', items: ref('Employee') } },
            }),
          },
          ...errors,
        },
      },
    },
    '/employees/{id}/termination': {
      post: {
        security: bearer,
        description: 'role hr',
        parameters: [id('id')],
        requestBody: {
          required: true,
          ...json({
            type: 'object',
            required: ['lastDay'],
            properties: { lastDay: { type: 'string', format: 'date' } },
          }),
        },
        responses: {
          '202': {
            description:
              'recorded; every open leave request hears of it (leave starting on or before the last day stands; later leave is withdrawn)',
            ...json({ type: 'object', required: ['employeeId', 'lastDay'] }),
          },
          '200': {
            description: 'the same termination was recorded before: the first answer again',
            ...json({ type: 'object', required: ['employeeId', 'lastDay'] }),
          },
          '409': error('a termination with another last day is already recorded'),
          ...errors,
        },
      },
    },
    '/employees/{id}/leave-balance': {
      get: {
        security: bearer,
        description: 'the employee, their manager chain, hr',
        parameters: [
          id('id'),
          {
            name: 'leaveYear',
            in: 'query',
            required: false,
            schema: { type: 'string', pattern: '^\\d{4}$' },
          },
        ],
        responses: {
          '200': { description: 'the balance and the ledger', ...json(ref('LeaveBalance')) },
          ...errors,
        },
      },
    },
  },
} as const;
