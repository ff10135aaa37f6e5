/**
 * The leave part of the public contract as zod schemas: request bodies and queries the API parses,
 * the answers it sends, and the routes (composed into the route table in api/contract/index.ts).
 * No Node built-ins: the browser bundle reads these types.
 */
import { z } from 'zod';
import {
  isCalendarDate,
  isValidLeaveDays,
  LEAVE_STATUSES,
  LEDGER_KINDS,
  RANKS,
  type LeaveStatus,
  type LeaveView,
} from '../../domain/leave';
import {
  cursor,
  errorAnswer,
  limit,
  note,
  resourceId,
  route,
  the,
  timelineEvent,
  timestamp,
  type Exact,
  type Route,
  type Same,
} from '../contract/shared';

const leaveStatus = z.enum(LEAVE_STATUSES);

const leaveDays = z
  .number('must be a number')
  .refine(isValidLeaveDays, 'must be a positive multiple of 0.5 days');
const calendarDate = z.string().refine(isCalendarDate, 'must be a date written YYYY-MM-DD');

export const leaveRequestBody = z.strictObject({ days: leaveDays, startDate: calendarDate, note });
export const decisionBody = z.strictObject({ note });
export const terminationBody = z.strictObject({ lastDay: calendarDate });

export const leaveListQuery = z.strictObject({
  awaiting: z.literal('me', 'the only value is "me"').optional(),
  employeeId: resourceId.optional().describe('an employee id'),
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

export const leaveDecisionAnswer = z.looseObject({
  by: z.string(),
  decision: z.enum(['approved', 'rejected', 'refused']),
  reason: z.string().optional(),
  note: z.string().optional(),
  at: timestamp,
});

/**
 * A leave request as `GET /leave-requests/:id` answers it: the leave process's own view
 * (`LeaveView` in domain/leave.ts) with its status always said (`Submitted` until the process has
 * decided). The two are one type: `LEAVE_ANSWER_IS_THE_VIEW` below stops the build when either
 * gains a field the other lacks.
 */
export const leaveRequestAnswer = z.looseObject({
  requestId: z.string(),
  employeeId: z.string(),
  days: z.number().gt(0).multipleOf(0.5),
  startDate: z.string(),
  note: z.string().optional(),
  status: leaveStatus,
  leaveYear: z.number().int().optional(),
  submittedAt: timestamp,
  updatedAt: timestamp,
  balanceBefore: z.number().optional(),
  balanceAfter: z.number().optional(),
  approvers: z.array(z.string()).describe('who was asked to decide'),
  decisions: z.array(leaveDecisionAnswer),
  remindersSent: z.number().int().min(0),
  escalatedTo: z.string().optional().describe('the next manager up, asked after unanswered reminders'),
  withdrawnBy: z.string().optional(),
  negativeBalance: z
    .looseObject({
      days: z.number(),
      settlement: z.enum(['at_next_year_start', 'deducted_at_year_start', 'paycheck']),
      settlesAt: z.string().optional(),
      paycheckAmount: z.number().optional(),
    })
    .optional()
    .describe('days taken below zero, and how they are settled'),
  notifications: z.record(z.string(), z.enum(['pending', 'delivered', 'delayed', 'failed'])).optional(),
});
/** A leave request as answered: the process's view, its status always said. */
export type LeaveRequestAnswer = LeaveView & { status: LeaveStatus };
/** The answer and the process's view are one type (a compile-time check; nothing runs). */
export const LEAVE_ANSWER_IS_THE_VIEW: Same<
  Exact<z.output<typeof leaveRequestAnswer>>,
  Exact<LeaveRequestAnswer>
> = true;

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
  payrollCurrency: z
    .string()
    .optional()
    .describe('the currency of the daily rates (PAYROLL_CURRENCY, lowercase ISO 4217)'),
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

/** An approval and a rejection are answered alike: the request after it, or why not. */
const decisionAnswers = {
  '202': the('the request after the decision', leaveRequestAnswer),
  '403': the(
    "beyond the approver's authority (`beyond_authority`) or outside the chain (`not_in_chain`)",
    errorAnswer,
  ),
  '409': the('the request waits for no decision (`not_pending`): decided, withdrawn or expired', errorAnswer),
  '503': the(
    'no worker answered within 5 s (`process_unavailable`); look at the request before repeating',
    errorAnswer,
  ),
} as const;

/** An Idempotency-Key: printable ASCII, 1 to 255 characters, as the IETF draft and Stripe allow. */
export const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 printable ASCII characters');

export const placeLeaveRequest = route({
  method: 'post',
  path: '/leave-requests',
  who: 'employee',
  roles: ['employee'],
  body: { schema: leaveRequestBody, required: true },
  headers: [
    {
      name: 'Idempotency-Key',
      description:
        'makes placing safe to repeat: the same key and body from the same employee answer the same request (200); the same key with another body is a 409',
      schema: idempotencyKey,
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
});

export const listLeaveRequests = route({
  method: 'get',
  path: '/leave-requests',
  who: 'awaiting=me: manager; employeeId=: the employee, their manager chain, hr',
  roles: ['employee', 'manager', 'hr'],
  summary: "requests waiting for the caller's decision, or one employee's requests, newest first",
  query: leaveListQuery,
  answers: { '200': the('one page of leave requests', leaveList) },
});

export const getLeaveRequest = route({
  method: 'get',
  path: '/leave-requests/{id}',
  who: 'the employee, their manager chain, hr',
  roles: ['employee', 'manager', 'hr'],
  answers: { '200': the('the request', leaveRequestAnswer) },
});

export const leaveTimelineRoute = route({
  method: 'get',
  path: '/leave-requests/{id}/timeline',
  who: 'the employee, their manager chain, hr',
  roles: ['employee', 'manager', 'hr'],
  answers: { '200': the('the timeline', leaveTimeline) },
});

export const approveLeaveRequest = route({
  method: 'post',
  path: '/leave-requests/{id}/approve',
  who: "a manager in the chain; 403 with the reason when beyond the approver's authority or outside the chain",
  roles: ['manager'],
  body: { schema: decisionBody, required: false },
  answers: decisionAnswers,
});

export const rejectLeaveRequest = route({
  method: 'post',
  path: '/leave-requests/{id}/reject',
  who: 'a manager in the chain',
  roles: ['manager'],
  body: { schema: decisionBody, required: false },
  answers: decisionAnswers,
});

export const withdrawLeaveRequest = route({
  method: 'post',
  path: '/leave-requests/{id}/withdraw',
  who: 'the employee',
  roles: ['employee'],
  body: { schema: z.strictObject({}), required: false },
  answers: { '202': the('the request as it is now', leaveRequestAnswer) },
});

export const listEmployees = route({
  method: 'get',
  path: '/employees',
  who: 'hr',
  roles: ['hr'],
  answers: { '200': the('everyone, with their balance', employeesAnswer) },
});

export const terminateEmployee = route({
  method: 'post',
  path: '/employees/{id}/termination',
  who: 'hr',
  roles: ['hr'],
  body: { schema: terminationBody, required: true },
  answers: {
    '202': the(
      'recorded; every open leave request hears of it (leave starting on or before the last day stands; later leave is withdrawn)',
      terminationAnswer,
    ),
    '200': the('the same termination was recorded before: the first answer again', terminationAnswer),
    '409': the('a termination with another last day is already recorded', errorAnswer),
  },
});

export const leaveBalanceRoute = route({
  method: 'get',
  path: '/employees/{id}/leave-balance',
  who: 'the employee, their manager chain, hr',
  roles: ['employee', 'manager', 'hr'],
  query: leaveBalanceQuery,
  answers: { '200': the('the balance and the ledger', leaveBalanceAnswer) },
});

export const LEAVE_ROUTES: readonly Route[] = [
  placeLeaveRequest,
  listLeaveRequests,
  getLeaveRequest,
  leaveTimelineRoute,
  approveLeaveRequest,
  rejectLeaveRequest,
  withdrawLeaveRequest,
  listEmployees,
  terminateEmployee,
  leaveBalanceRoute,
];
