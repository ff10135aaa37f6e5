/**
 * Annual leave as a long-running process, one per request (docs/processes.md, "Annual leave"):
 *
 *  1. The balance check: within it, approved at once (the days reserved in the same transaction).
 *  2. Otherwise the manager chain decides: each approval checked against the approver's authority,
 *     reminders at a slowing pace that reach the next manager up, expiry when the leave starts.
 *  3. Until the leave starts the employee may withdraw it; a termination that ends employment
 *     before it starts withdraws it too.
 *  4. Leave taken below zero is deducted from the next year's allowance, or from the final paycheck
 *     when employment ends first.
 *
 * The policy lives in domain/leave.ts, the atomic balance checks in the store's ledger.
 */
import { ApplicationFailure, condition, patched, setHandler } from '@temporalio/workflow';
import type { Submission } from '../../activities/leave/types';
import type { LeaveSettings } from '../../config/settings';
import {
  decideApproval,
  endOfLastDay,
  nextLeaveYearStart,
  reminderWait,
  REMINDERS_AT_PACE,
  submittedLeaveView,
  survivesTermination,
  type ChainMember,
  type LeaveRequest,
  type LeaveView,
} from '../../domain/leave';
import { refusal } from '../refusal';
import { LeaveContext, ledger, loadLeaveSettings } from './context';
import {
  approveLeaveSignal,
  approveLeaveUpdate,
  employeeTerminatedSignal,
  leaveStatusQuery,
  leaveSubmittedUpdate,
  rejectLeaveSignal,
  rejectLeaveUpdate,
  withdrawLeaveSignal,
  type EmployeeTermination,
  type LeaveDecision,
  type LeaveWithdrawal,
} from './messages';

/**
 * Leave at the edges of time: a termination follows the last day (leave up to it stands, the
 * paycheck takes what is below zero when the employment ends, a deficit carried into a year that
 * it takes below zero stays owed), and reminders slow down and reach the next manager up instead
 * of piling up. Requests whose histories lack the marker keep the old path.
 */
export const LEAVE_EDGES_PATCH = 'leave-last-day-and-bounded-reminders';

/**
 * Leave's events and emails run through the process context: one that keeps failing for
 * SIDE_EFFECT_ALERT_AFTER alerts support. Requests whose histories lack the marker keep their
 * plain deliveries.
 */
export const LEAVE_DELIVERY_ALERTS_PATCH = 'leave-delivery-alerts';

/** What one request's stages share: its context, its inbox of messages and what the ledger said. */
interface Leave {
  ctx: LeaveContext;
  request: LeaveRequest;
  view: LeaveView;
  settings: LeaveSettings;
  inbox: Inbox;
  /** The request's patches, read once at its start. */
  edges: boolean;
  startsAt: number;
  submission: Submission;
}

/** The messages the request has heard and not yet acted on. */
interface Inbox {
  decisions: LeaveDecision[];
  /** What became of each decision, by its place in `decisions`: set once the ledger answered. */
  outcomes: ({ approved: true } | { approved: false; reason: string; message: string })[];
  rejection?: LeaveDecision;
  withdrawal?: LeaveWithdrawal;
  termination?: EmployeeTermination;
  /** The manager chain with ranks, from the ledger: what the approve update's validator checks. */
  chain?: ChainMember[];
}

export async function leaveRequestWorkflow(request: LeaveRequest): Promise<LeaveView> {
  const view = newView(request);
  const inbox: Inbox = { decisions: [], outcomes: [] };
  listen(view, inbox, request);
  const settings = await loadLeaveSettings();
  const edges = patched(LEAVE_EDGES_PATCH);
  const ctx = new LeaveContext(request, settings, view, patched(LEAVE_DELIVERY_ALERTS_PATCH));
  const startsAt = Date.parse(`${request.startDate}T00:00:00.000Z`);

  // 1. The balance check.
  const submission = await submit(ctx, inbox);
  const leave: Leave = { ctx, request, view, settings, inbox, edges, startsAt, submission };
  if (submission.status === 'Withdrawn') {
    withdraw(leave, 'hr: employment ends before the leave');
    return ctx.finish();
  }

  // 2. The manager chain decides, or the request expires or is withdrawn meanwhile.
  if (submission.status === 'PendingApproval') {
    const decided = await awaitDecision(leave);
    if (decided !== 'approved') return ctx.finish();
  }
  ctx.setStatus('Approved');
  ctx.publish('leave.approved', { balanceAfter: view.balanceAfter });
  ctx.email('leave_approved', ctx.employee);

  // 3. Open to withdrawal until the leave starts.
  if (await withdrawnBeforeStart(leave)) return ctx.finish();

  // 4. Days below zero settled at the next year's start, or from the final paycheck.
  const below = view.balanceAfter !== undefined && view.balanceAfter < 0 ? -view.balanceAfter : 0;
  if (below > 0 && edges) await settleNegativeBalance(leave, below);
  if (below > 0 && !edges) await settleNegativeBalanceBeforeEdges(leave, below);
  return ctx.finish();
}

function newView(request: LeaveRequest): LeaveView {
  return submittedLeaveView(request, new Date().toISOString());
}

/**
 * The request's handlers, set before anything else so no message that arrives with the start is
 * lost. Decisions are acted on by the main story; the updates wait for their outcome and answer
 * with the request as it then stands.
 */
function listen(view: LeaveView, inbox: Inbox, request: LeaveRequest): void {
  const startsAt = Date.parse(`${request.startDate}T00:00:00.000Z`);
  setHandler(leaveStatusQuery, () => view);
  setHandler(leaveSubmittedUpdate, async () => {
    await condition(() => view.status !== undefined);
    return view;
  });
  setHandler(approveLeaveSignal, (decision) => {
    if (view.status === 'PendingApproval') inbox.decisions.push(decision);
  });
  setHandler(rejectLeaveSignal, (decision) => {
    if (view.status === 'PendingApproval' && !inbox.rejection) inbox.rejection = decision;
  });
  setHandler(withdrawLeaveSignal, (request) => {
    const open = view.status === 'PendingApproval' || view.status === 'Approved';
    if (!inbox.withdrawal && open && Date.now() < startsAt) inbox.withdrawal = request;
  });
  setHandler(employeeTerminatedSignal, (notice) => {
    inbox.termination ??= notice;
  });
  setHandler(
    approveLeaveUpdate,
    async (decision) => {
      const index = inbox.decisions.push(decision) - 1;
      // Answered once the ledger has refused it, or once the request has moved on (approved by it).
      await condition(() => {
        const outcome = inbox.outcomes[index];
        return outcome?.approved === false || view.status !== 'PendingApproval';
      });
      const outcome = inbox.outcomes[index];
      if (outcome && !outcome.approved) {
        throw refusal('forbidden', outcome.message, { reason: outcome.reason, status: view.status });
      }
      if (!outcome) throw notPending(view);
      return view;
    },
    { validator: (decision: LeaveDecision) => mayDecide(view, inbox.chain, decision, 'approve') },
  );
  setHandler(
    rejectLeaveUpdate,
    async (decision) => {
      inbox.rejection ??= decision;
      await condition(() => view.status !== 'PendingApproval');
      if (view.status !== 'Rejected') throw notPending(view);
      return view;
    },
    { validator: (decision: LeaveDecision) => mayDecide(view, inbox.chain, decision, 'reject') },
  );
}

/** The approve and reject updates' validator: refuses, with nothing recorded, what cannot be taken. */
function mayDecide(
  view: LeaveView,
  chain: ChainMember[] | undefined,
  decision: LeaveDecision,
  act: 'approve' | 'reject',
): void {
  if (view.status !== 'PendingApproval') throw notPending(view);
  if (!chain) return; // requests submitted before the chain was kept: the ledger alone decides
  const inChain = chain.find((member) => member.id === decision.approverId);
  if (act === 'reject' && inChain) return;
  const checked = decideApproval({
    approver: inChain ?? { id: decision.approverId, rank: 'manager' },
    chain,
    balance: view.balanceBefore ?? 0,
    days: view.days,
  });
  if (act === 'reject' || !checked.allowed) {
    const reason = checked.allowed ? 'not_in_chain' : checked.reason;
    const message = checked.allowed
      ? `${decision.approverId} is not in ${view.employeeId}'s manager chain`
      : checked.message;
    throw refusal('forbidden', message, { reason, status: view.status });
  }
}

function notPending(view: LeaveView): ApplicationFailure {
  return refusal(
    'conflict',
    view.status
      ? `leave request ${view.requestId} is ${view.status}: it waits for no decision`
      : `leave request ${view.requestId} is still being checked against the balance; try again in a moment`,
    { reason: 'not_pending', status: view.status ?? 'Submitted' },
  );
}

/** 1. Records the request and checks it against the balance: approved at once when it fits. */
async function submit(ctx: LeaveContext, inbox: Inbox): Promise<Submission> {
  const { view, request } = ctx;
  const submission = await ledger.submitLeaveRequest(request);
  ctx.employee = submission.employee;
  view.leaveYear = submission.leaveYear;
  view.balanceBefore = submission.balanceBefore;
  view.balanceAfter = submission.balanceAfter;
  view.approvers = submission.approvers.map((a) => a.id);
  inbox.chain = submission.chain;
  // A termination recorded while the request was being saved: the ledger said so.
  if (submission.lastDay !== undefined) inbox.termination ??= { lastDay: submission.lastDay };
  return submission;
}

function withdraw(leave: Leave, by: string): void {
  const { ctx, view } = leave;
  view.withdrawnBy = by;
  ctx.setStatus('Withdrawn');
  ctx.publish('leave.withdrawn', { by: view.withdrawnBy });
  ctx.email('leave_withdrawn', ctx.employee);
}

/** A termination on record that ends the employment before this leave would start. */
function endsBeforeLeave({ inbox, edges, request }: Leave): boolean {
  const { termination } = inbox;
  return (
    termination !== undefined && (!edges || !survivesTermination(request.startDate, termination.lastDay))
  );
}

/**
 * 2. Waits for the chain: each approval is checked against the approver's authority (a refused
 * one leaves the request open); reminders until the leave starts; then it expires. Ends approved,
 * or with the request closed (rejected, withdrawn, expired) and its status set.
 */
async function awaitDecision(leave: Leave): Promise<'approved' | 'closed'> {
  const { ctx, view, inbox, submission, request } = leave;
  ctx.setStatus('PendingApproval');
  ctx.publish('leave.requested', { balanceBefore: view.balanceBefore, approvers: view.approvers });
  for (const approver of submission.approvers) ctx.email('leave_approval_requested', approver);
  let handled = 0;
  const asked = [...submission.approvers];
  for (;;) {
    ctx.explain(
      `waiting for ${view.approvers.join(' or ') || 'a manager'} to decide; expires when the leave starts on ${request.startDate}`,
    );
    const woke = await nextMessage(leave, handled);
    if (inbox.withdrawal || endsBeforeLeave(leave)) {
      withdraw(leave, inbox.withdrawal?.by ?? 'hr: employment ended');
      return 'closed';
    }
    if (inbox.rejection) {
      reject(leave, inbox.rejection);
      return 'closed';
    }
    if (inbox.decisions.length > handled) {
      if (await approve(leave, handled++)) return 'approved';
      continue;
    }
    if (woke) continue;
    if (Date.now() >= leave.startsAt) {
      ctx.setStatus('Expired');
      ctx.publish('leave.expired');
      ctx.email('leave_expired', ctx.employee);
      return 'closed';
    }
    remind(leave, asked);
  }
}

/** Sleeps until a message the request must act on, or the next reminder; false when none came. */
async function nextMessage(leave: Leave, handled: number): Promise<boolean> {
  const { inbox, edges, view, settings } = leave;
  const untilStart = leave.startsAt - Date.now();
  const pace = edges ? reminderWait(view.remindersSent, settings.reminderAfterMs) : settings.reminderAfterMs;
  const wait = Math.min(pace, Math.max(untilStart, 0));
  return (
    wait > 0 &&
    (await condition(
      () =>
        inbox.decisions.length > handled ||
        inbox.rejection !== undefined ||
        inbox.withdrawal !== undefined ||
        endsBeforeLeave(leave),
      wait,
      { summary: 'waiting for a decision' },
    ))
  );
}

function reject(leave: Leave, rejection: LeaveDecision): void {
  const { ctx, view } = leave;
  view.decisions.push({
    by: rejection.approverId,
    decision: 'rejected',
    note: rejection.note,
    at: ctx.now(),
  });
  ctx.setStatus('Rejected');
  ctx.publish('leave.rejected', { by: rejection.approverId });
  ctx.email('leave_rejected', ctx.employee, 1, { note: rejection.note });
}

/** One approval, checked and reserved by the ledger in one transaction; true once reserved. */
async function approve(leave: Leave, index: number): Promise<boolean> {
  const { ctx, view, inbox, request, submission } = leave;
  const decision = inbox.decisions[index]!;
  const result = await ledger.approveLeave({
    requestId: request.requestId,
    employeeId: request.employeeId,
    days: request.days,
    leaveYear: submission.leaveYear,
    approverId: decision.approverId,
  });
  if (!result.reserved) {
    view.decisions.push({
      by: decision.approverId,
      decision: 'refused',
      reason: result.refusal.message,
      note: decision.note,
      at: ctx.now(),
    });
    view.balanceBefore = result.balance;
    inbox.outcomes[index] = {
      approved: false,
      reason: result.refusal.reason,
      message: result.refusal.message,
    };
    return false;
  }
  view.decisions.push({ by: decision.approverId, decision: 'approved', note: decision.note, at: ctx.now() });
  view.balanceBefore = result.balanceBefore;
  view.balanceAfter = result.balanceAfter;
  inbox.outcomes[index] = { approved: true };
  return true;
}

/**
 * Unanswered at the configured pace: the approvers are reminded; after REMINDERS_AT_PACE the next
 * manager up is asked too (once), and the reminders slow down (reminderWait), so a request waiting
 * months keeps a small history.
 */
function remind(leave: Leave, asked: LeaveRequestApprover[]): void {
  const { ctx, view, edges, submission } = leave;
  view.remindersSent += 1;
  for (const approver of asked) ctx.email('leave_approval_reminder', approver, view.remindersSent + 1);
  if (edges && view.remindersSent === REMINDERS_AT_PACE && submission.escalation) {
    const above = submission.escalation;
    ctx.email('leave_approval_escalated', above, 1, {
      askedOf: asked.map((a) => a.name).join(' and '),
      reminders: view.remindersSent,
    });
    asked.push(above);
    view.approvers = asked.map((a) => a.id);
    view.escalatedTo = above.id;
  }
}
type LeaveRequestApprover = Submission['approvers'][number];

/**
 * 3. Until the leave starts the employee may withdraw it (the days come back). Leave that starts on
 * or before the employee's last day stands (notice-period leave); later leave goes.
 */
async function withdrawnBeforeStart(leave: Leave): Promise<boolean> {
  const { ctx, view, inbox, request } = leave;
  ctx.explain(`the leave starts on ${request.startDate}; it can be withdrawn until then`);
  const endsBefore = (): boolean =>
    inbox.termination !== undefined && inbox.termination.lastDay < request.startDate;
  const untilStart = leave.startsAt - Date.now();
  if (untilStart > 0) {
    await condition(() => inbox.withdrawal !== undefined || endsBefore(), untilStart, {
      summary: 'until the leave starts',
    });
  }
  if (!inbox.withdrawal && !endsBefore()) return false;
  await ledger.releaseLeave(request.requestId);
  view.balanceAfter = view.balanceBefore;
  withdraw(leave, inbox.withdrawal?.by ?? 'hr: employment ends before the leave');
  return true;
}

/**
 * 4. Days below zero are settled by whichever comes first: the next leave year's start (deducted
 * from its allowance) or the end of the employee's last day (taken from the final paycheck). A
 * deduction that takes the new year below zero leaves that remainder owed, settled the same way.
 */
async function settleNegativeBalance(leave: Leave, days: number): Promise<void> {
  const { ctx, view, inbox, settings, submission } = leave;
  let year = submission.leaveYear;
  let owed = days;
  for (let occurrence = 1; ; occurrence++) {
    const yearStart = nextLeaveYearStart(year, settings.yearStart);
    const employmentEndsFirst = (): boolean =>
      inbox.termination !== undefined && inbox.termination.lastDay < yearStart.toISOString().slice(0, 10);
    view.negativeBalance = {
      days: owed,
      settlement: 'at_next_year_start',
      settlesAt: yearStart.toISOString(),
    };
    await untilSettlement(leave, owed, yearStart, employmentEndsFirst);
    if (employmentEndsFirst()) {
      await deductFromPaycheck(leave, year, inbox.termination!);
      break;
    }
    const carried = await carryIntoNextYear(leave, year, yearStart, occurrence);
    if (carried === undefined || carried >= 0) break;
    // The deduction took the new year below zero: that remainder is owed in turn.
    year += 1;
    owed = -carried;
  }
  view.updatedAt = ctx.now();
}

/** Sleeps until the settlement is due; a termination heard meanwhile may move it to the last day. */
async function untilSettlement(
  leave: Leave,
  owed: number,
  yearStart: Date,
  employmentEndsFirst: () => boolean,
): Promise<void> {
  const { ctx, inbox } = leave;
  for (;;) {
    const lastDay = inbox.termination?.lastDay;
    const settlesAt = employmentEndsFirst() ? endOfLastDay(lastDay!) : yearStart;
    ctx.explain(
      employmentEndsFirst()
        ? `${owed} day(s) below zero, taken from the final paycheck after the last day, ${lastDay}`
        : `${owed} day(s) below zero, deducted from the allowance on ${yearStart.toISOString().slice(0, 10)} unless employment ends first`,
    );
    const wait = settlesAt.getTime() - Date.now();
    if (wait <= 0) return;
    const heard = inbox.termination;
    await condition(() => inbox.termination !== heard, wait, {
      summary: 'until the negative balance settles',
    });
  }
}

/** Deducts the year's deficit from the next year's allowance; the new year's balance after it. */
async function carryIntoNextYear(
  leave: Leave,
  year: number,
  yearStart: Date,
  occurrence: number,
): Promise<number | undefined> {
  const { ctx, view, request } = leave;
  const carried = await ledger.carryNegativeBalance({ employeeId: request.employeeId, fromYear: year });
  view.negativeBalance = {
    days: carried.days,
    settlement: 'deducted_at_year_start',
    settlesAt: yearStart.toISOString(),
  };
  if (carried.done === 'now') {
    ctx.publish('leave.deducted', { days: carried.days, leaveYear: year + 1 }, occurrence);
    ctx.email('leave_deducted', ctx.employee, occurrence, { days: carried.days, leaveYear: year + 1 });
  }
  return carried.newYearBalance;
}

async function deductFromPaycheck(
  leave: Leave,
  leaveYear: number,
  ended: EmployeeTermination,
): Promise<void> {
  const { ctx, view, request } = leave;
  const paycheck = await ledger.deductFromPaycheck({ employeeId: request.employeeId, leaveYear });
  view.negativeBalance = { days: paycheck.days, settlement: 'paycheck', paycheckAmount: paycheck.amount };
  if (paycheck.done === 'now') {
    ctx.publish('leave.paycheck_deduction', {
      days: paycheck.days,
      amount: paycheck.amount,
      lastDay: ended.lastDay,
    });
    ctx.email('leave_paycheck_deduction', ctx.employee, 1, { days: paycheck.days, amount: paycheck.amount });
  }
}

/** Step 4 for requests started before LEAVE_EDGES_PATCH: one year start, or a termination before it. */
async function settleNegativeBalanceBeforeEdges(leave: Leave, below: number): Promise<void> {
  const { ctx, view, inbox, settings, submission } = leave;
  const yearStart = nextLeaveYearStart(submission.leaveYear, settings.yearStart);
  view.negativeBalance = {
    days: below,
    settlement: 'at_next_year_start',
    settlesAt: yearStart.toISOString(),
  };
  ctx.explain(
    `${below} day(s) below zero, deducted from the allowance on ${yearStart.toISOString().slice(0, 10)} unless employment ends first`,
  );
  const untilYearStart = yearStart.getTime() - Date.now();
  if (untilYearStart > 0 && !inbox.termination) {
    await condition(() => inbox.termination !== undefined, untilYearStart, {
      summary: 'until the next leave year',
    });
  }
  if (inbox.termination) await deductFromPaycheck(leave, submission.leaveYear, inbox.termination);
  else await carryIntoNextYear(leave, submission.leaveYear, yearStart, 1);
  view.updatedAt = ctx.now();
}
