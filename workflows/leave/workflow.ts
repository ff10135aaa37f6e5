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
import { condition, patched } from '@temporalio/workflow';
import type { Submission } from '../../activities/leave/types';
import {
  reminderWait,
  REMINDERS_AT_PACE,
  submittedLeaveView,
  survivesTermination,
  type LeaveRequest,
  type LeaveView,
} from '../../domain/leave';
import { LeaveContext, ledger, loadLeaveSettings, type Leave } from './context';
import { listen, type Inbox } from './inbox';
import type { LeaveDecision } from './messages';
import { settleNegativeBalance, settleNegativeBalanceBeforeEdges } from './settlement';

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
