/**
 * Bulk actions (API v1.2) as zod schemas and routes: support's durable answer to an incident, one
 * process acting on every order a filter matched when it started. No Node built-ins: the browser
 * bundle reads these types.
 */
import { z } from 'zod';
import { BULK_ACTIONS, BULK_STATES } from '../../domain/bulk-actions';
import { ORDER_STATUSES } from '../../domain/checkout';
import { ORDER_QUEUES, SUPPORT_REASONS } from '../../domain/work-queues';
import { cursor, errorAnswer, limit, plainLine, route, the, timestamp } from '../contract/shared';

const instant = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 timestamp such as 2026-12-02T14:02:00Z' })
  .max(40);

export const bulkFilter = z
  .strictObject({
    needs: z.enum(ORDER_QUEUES).optional().describe('a work queue: the orders in it'),
    reason: z.enum(SUPPORT_REASONS).optional().describe("the support queue's reason"),
    status: z.enum(ORDER_STATUSES).optional(),
    placedFrom: instant.optional().describe('placed at or after'),
    placedTo: instant.optional().describe('placed before'),
    customerId: plainLine(128).optional(),
  })
  .describe('every criterion given must hold; at least one is needed');

export const bulkActionBody = z.strictObject({
  action: z.enum(BULK_ACTIONS, 'must be "payment-retry" or "cancel"'),
  filter: bulkFilter,
  paymentMethod: plainLine(255)
    .optional()
    .describe("payment-retry: the payment method to try; without it each order's own"),
  reason: plainLine(500).optional().describe("cancel: why, kept on each order's timeline"),
});
export type BulkActionBody = z.infer<typeof bulkActionBody>;

export const bulkPreviewAnswer = z.looseObject({
  matched: z.number().int().min(0).describe('how many orders the filter matches now'),
});

export const bulkActionAnswer = z.looseObject({
  bulkActionId: z.string(),
  action: z.enum(BULK_ACTIONS),
  filter: bulkFilter,
  paymentMethod: z.string().optional(),
  reason: z.string().optional(),
  startedBy: z.string().describe("the id of the person who started it (their token's sub)"),
  startedByName: z.string().describe('who started it, in words'),
  startedAt: timestamp,
  state: z.enum(BULK_STATES),
  matched: z
    .number()
    .int()
    .min(0)
    .describe('the orders its filter matched when it started (0 until selected)'),
  done: z.number().int().min(0),
  accepted: z.number().int().min(0),
  refused: z.number().int().min(0),
  remaining: z.number().int().min(0),
  refusals: z
    .array(z.looseObject({ orderId: z.string(), reason: z.string() }))
    .describe(`the refused orders with why, in selection order (the first ${500})`),
  updatedAt: timestamp,
});
export type BulkActionAnswer = z.infer<typeof bulkActionAnswer>;

export const bulkActionList = z.looseObject({
  bulkActions: z.array(bulkActionAnswer),
  nextCursor: z.string().optional().describe('absent on the last page'),
});

export const bulkListQuery = z.strictObject({ limit, cursor });

export const startBulkAction = route({
  method: 'post',
  path: '/bulk-actions',
  who: 'support',
  roles: ['support'],
  summary:
    "a durable bulk action: acts on every order the filter matches when it starts, each at most once, at Stripe's pace",
  body: { schema: bulkActionBody, required: true },
  answers: {
    '202': the(
      'started; its progress at GET /bulk-actions/{id}',
      z.looseObject({ bulkActionId: z.string() }),
    ),
    '400': the('a filter that matches by nothing, or one that cannot match', errorAnswer),
  },
});

export const previewBulkAction = route({
  method: 'post',
  path: '/bulk-actions/preview',
  who: 'support',
  roles: ['support'],
  summary: 'how many orders a bulk action with this body would touch if started now; starts nothing',
  body: { schema: bulkActionBody, required: true },
  answers: { '200': the('the count', bulkPreviewAnswer) },
});

export const listBulkActions = route({
  method: 'get',
  path: '/bulk-actions',
  who: 'support',
  roles: ['support'],
  summary: 'bulk actions, newest first',
  query: bulkListQuery,
  answers: { '200': the('one page of bulk actions', bulkActionList) },
});

export const getBulkAction = route({
  method: 'get',
  path: '/bulk-actions/{id}',
  who: 'support',
  roles: ['support'],
  answers: { '200': the('the bulk action and its progress', bulkActionAnswer) },
});

const command = (name: 'pause' | 'resume' | 'stop', summary: string) =>
  route({
    method: 'post',
    path: `/bulk-actions/{id}/${name}`,
    who: 'support',
    roles: ['support'],
    summary,
    answers: {
      '202': the(
        'the bulk action after it; once it has ended (Stopped or Completed), as it is, nothing changed',
        bulkActionAnswer,
      ),
    },
  });

export const pauseBulkAction = command('pause', 'holds it after the orders in hand; resume carries on');
export const resumeBulkAction = command('resume', 'carries on after a pause');
export const stopBulkAction = command(
  'stop',
  'ends it after the orders in hand; no order after them is touched',
);

export const BULK_ACTION_ROUTES = [
  startBulkAction,
  previewBulkAction,
  listBulkActions,
  getBulkAction,
  pauseBulkAction,
  resumeBulkAction,
  stopBulkAction,
];
