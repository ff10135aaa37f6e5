/**
 * Annual leave (DOMAIN.md §3) as a long-running process, one per request: approved at once within
 * the balance, otherwise waiting for the manager chain (reminders, expiry on the start date),
 * open to withdrawal until the leave starts, and — for leave taken below zero — waiting for the
 * next leave year to deduct it, or for a termination to take it from the final paycheck.
 * The policy lives in domain/leave.ts; the atomic balance checks in the store.
 */
import {
  condition,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { LeaveActivities, LeaveEmailKind } from '../../activities/leave/types';
import type { LeaveSettings } from '../../config/settings';
import {
  endOfLastDay,
  nextLeaveYearStart,
  reminderWait,
  REMINDERS_AT_PACE,
  survivesTermination,
  type LeaveRequest,
  type LeaveStatus,
  type LeaveView,
  type Person,
} from '../../domain/leave';
import {
  approveLeaveSignal,
  employeeIdSearchAttribute,
  employeeTerminatedSignal,
  leaveStatusQuery,
  leaveStatusSearchAttribute,
  leaveSubmittedUpdate,
  leaveWorkflowId,
  rejectLeaveSignal,
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

const { loadLeaveSettings } = proxyLocalActivities<LeaveActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 10 },
});

/** The ledger: retried until it succeeds; a request the process cannot take fails at once. */
const ledger = proxyActivities<LeaveActivities>({
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: ['LeaveRequestInvalid'],
  },
});

/** Emails and events: retried without limit; nothing is dropped. */
const deliveries = proxyActivities<LeaveActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '2m' },
});

export async function leaveRequestWorkflow(request: LeaveRequest): Promise<LeaveView> {
  const now = (): string => new Date().toISOString();
  const view: LeaveView = {
    requestId: request.requestId,
    employeeId: request.employeeId,
    days: request.days,
    startDate: request.startDate,
    note: request.note,
    submittedAt: request.submittedAt,
    updatedAt: now(),
    approvers: [],
    decisions: [],
    remindersSent: 0,
  };
  const decisions: LeaveDecision[] = [];
  let rejection: LeaveDecision | undefined;
  let withdrawal: LeaveWithdrawal | undefined;
  let termination: EmployeeTermination | undefined;
  let version = 0;
  const background: Promise<void>[] = [];

  setHandler(leaveStatusQuery, () => view);
  setHandler(leaveSubmittedUpdate, async () => {
    await condition(() => view.status !== undefined);
    return view;
  });
  setHandler(approveLeaveSignal, (decision) => {
    if (view.status === 'PendingApproval') decisions.push(decision);
  });
  setHandler(rejectLeaveSignal, (decision) => {
    if (view.status === 'PendingApproval' && !rejection) rejection = decision;
  });
  setHandler(withdrawLeaveSignal, (request) => {
    if (!withdrawal && (view.status === 'PendingApproval' || view.status === 'Approved') && !started()) {
      withdrawal = request;
    }
  });
  setHandler(employeeTerminatedSignal, (notice) => {
    termination ??= notice;
  });

  const settings: LeaveSettings = await loadLeaveSettings();
  const edges = patched(LEAVE_EDGES_PATCH);
  const startsAt = Date.parse(`${request.startDate}T00:00:00.000Z`);
  /** A termination on record that ends the employment before this leave would start. */
  function endsBeforeLeave(): boolean {
    return (
      termination !== undefined && (!edges || !survivesTermination(request.startDate, termination.lastDay))
    );
  }
  function started(): boolean {
    return Date.now() >= startsAt;
  }

  function setStatus(status: LeaveStatus): void {
    view.status = status;
    view.updatedAt = now();
    version += 1;
    upsertSearchAttributes([
      { key: leaveStatusSearchAttribute, value: status },
      { key: employeeIdSearchAttribute, value: request.employeeId },
    ]);
    const record = {
      requestId: request.requestId,
      status,
      version,
      view: JSON.parse(JSON.stringify(view)) as unknown,
    };
    background.push(
      ledger.recordLeaveStatus(record).catch((err: unknown) => {
        log.error('leave status could not be recorded', { status, error: String(err) });
      }),
    );
  }

  /** `occurrence` tells repeated facts of one type apart (a deficit deducted in two year starts). */
  function publish(type: string, data: Record<string, unknown> = {}, occurrence = 1): void {
    background.push(
      deliveries.publishLeaveEvent({
        type,
        employeeId: request.employeeId,
        messageId: `${request.requestId}:${type}${occurrence > 1 ? `:${occurrence}` : ''}`,
        occurredAt: now(),
        data: {
          requestId: request.requestId,
          employeeId: request.employeeId,
          days: request.days,
          startDate: request.startDate,
          status: view.status,
          ...data,
        },
      }),
    );
  }

  function email(kind: LeaveEmailKind, to: Person, occurrence = 1, data: Record<string, unknown> = {}): void {
    background.push(
      deliveries.emailLeave({
        kind,
        requestId: request.requestId,
        to: to.email,
        messageKey: `${request.requestId}:${kind}${occurrence > 1 ? `:${occurrence}` : ''}`,
        data: {
          employeeId: request.employeeId,
          employeeName: employee.name,
          days: request.days,
          startDate: request.startDate,
          balanceBefore: view.balanceBefore,
          balanceAfter: view.balanceAfter,
          ...data,
        },
      }),
    );
  }

  async function finish(): Promise<LeaveView> {
    setCurrentDetails(`${view.status}: finished`);
    await Promise.all(background);
    return view;
  }

  async function deductFromPaycheck(leaveYear: number, ended: EmployeeTermination): Promise<void> {
    const paycheck = await ledger.deductFromPaycheck({ employeeId: request.employeeId, leaveYear });
    view.negativeBalance = { days: paycheck.days, settlement: 'paycheck', paycheckAmount: paycheck.amount };
    if (paycheck.done === 'now') {
      publish('leave.paycheck_deduction', {
        days: paycheck.days,
        amount: paycheck.amount,
        lastDay: ended.lastDay,
      });
      email('leave_paycheck_deduction', employee, 1, { days: paycheck.days, amount: paycheck.amount });
    }
  }

  /**
   * Days below zero are settled by whichever comes first: the next leave year's start (deducted
   * from its allowance) or the end of the employee's last day (taken from the final paycheck). A
   * deduction that takes the new year below zero leaves that remainder owed, settled the same way.
   */
  async function settleNegativeBalance(days: number): Promise<void> {
    let year = submission.leaveYear;
    let owed = days;
    for (let occurrence = 1; ; occurrence++) {
      const yearStart = nextLeaveYearStart(year, settings.yearStart);
      const employmentEndsFirst = (): boolean =>
        termination !== undefined && termination.lastDay < yearStart.toISOString().slice(0, 10);
      view.negativeBalance = {
        days: owed,
        settlement: 'at_next_year_start',
        settlesAt: yearStart.toISOString(),
      };
      for (;;) {
        const settlesAt = employmentEndsFirst() ? endOfLastDay(termination!.lastDay) : yearStart;
        setCurrentDetails(
          employmentEndsFirst()
            ? `Approved: ${owed} day(s) below zero, taken from the final paycheck after the last day, ${termination!.lastDay}`
            : `Approved: ${owed} day(s) below zero, deducted from the allowance on ${yearStart.toISOString().slice(0, 10)} unless employment ends first`,
        );
        const wait = settlesAt.getTime() - Date.now();
        if (wait <= 0) break;
        const heard = termination;
        // A termination heard meanwhile may move the settlement to the last day: plan again.
        await condition(() => termination !== heard, wait, { summary: 'until the negative balance settles' });
      }
      if (employmentEndsFirst()) {
        await deductFromPaycheck(year, termination!);
        break;
      }
      const carried = await ledger.carryNegativeBalance({ employeeId: request.employeeId, fromYear: year });
      view.negativeBalance = {
        days: carried.days,
        settlement: 'deducted_at_year_start',
        settlesAt: yearStart.toISOString(),
      };
      if (carried.done === 'now') {
        publish('leave.deducted', { days: carried.days, leaveYear: year + 1 }, occurrence);
        email('leave_deducted', employee, occurrence, { days: carried.days, leaveYear: year + 1 });
      }
      if (carried.newYearBalance === undefined || carried.newYearBalance >= 0) break;
      // The deduction took the new year below zero: that remainder is owed in turn.
      year += 1;
      owed = -carried.newYearBalance;
    }
    view.updatedAt = now();
  }

  // 1. The balance check: within it, approved at once (the days reserved in the same transaction).
  const submission = await ledger.submitLeaveRequest(request);
  const employee = submission.employee;
  view.leaveYear = submission.leaveYear;
  view.balanceBefore = submission.balanceBefore;
  view.balanceAfter = submission.balanceAfter;
  view.approvers = submission.approvers.map((a) => a.id);
  // A termination recorded while the request was being saved: the ledger said so.
  if (submission.lastDay !== undefined) termination ??= { lastDay: submission.lastDay };

  if (submission.status === 'Withdrawn') {
    view.withdrawnBy = 'hr: employment ends before the leave';
    setStatus('Withdrawn');
    publish('leave.withdrawn', { by: view.withdrawnBy });
    email('leave_withdrawn', employee);
    return finish();
  }

  if (submission.status === 'PendingApproval') {
    setStatus('PendingApproval');
    publish('leave.requested', { balanceBefore: view.balanceBefore, approvers: view.approvers });
    for (const approver of submission.approvers) email('leave_approval_requested', approver);

    // 2. Waiting for the chain: each approval is checked against the approver's authority; a
    //    refused one leaves the request open. Reminders until the leave starts; then it expires.
    let handled = 0;
    const asked = [...submission.approvers];
    for (;;) {
      setCurrentDetails(
        `PendingApproval: waiting for ${view.approvers.join(' or ') || 'a manager'} to decide; expires when the leave starts on ${request.startDate}`,
      );
      const untilStart = startsAt - Date.now();
      const pace = edges
        ? reminderWait(view.remindersSent, settings.reminderAfterMs)
        : settings.reminderAfterMs;
      const wait = Math.min(pace, Math.max(untilStart, 0));
      const woke =
        wait > 0 &&
        (await condition(
          () =>
            decisions.length > handled ||
            rejection !== undefined ||
            withdrawal !== undefined ||
            endsBeforeLeave(),
          wait,
          { summary: 'waiting for a decision' },
        ));
      if (withdrawal || endsBeforeLeave()) {
        view.withdrawnBy = withdrawal?.by ?? 'hr: employment ended';
        setStatus('Withdrawn');
        publish('leave.withdrawn', { by: view.withdrawnBy });
        email('leave_withdrawn', employee);
        return finish();
      }
      if (rejection) {
        view.decisions.push({
          by: rejection.approverId,
          decision: 'rejected',
          note: rejection.note,
          at: now(),
        });
        setStatus('Rejected');
        publish('leave.rejected', { by: rejection.approverId });
        email('leave_rejected', employee, 1, { note: rejection.note });
        return finish();
      }
      if (decisions.length > handled) {
        const decision = decisions[handled++]!;
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
            at: now(),
          });
          view.balanceBefore = result.balance;
          continue;
        }
        view.decisions.push({
          by: decision.approverId,
          decision: 'approved',
          note: decision.note,
          at: now(),
        });
        view.balanceBefore = result.balanceBefore;
        view.balanceAfter = result.balanceAfter;
        break;
      }
      if (woke) continue;
      if (started()) {
        setStatus('Expired');
        publish('leave.expired');
        email('leave_expired', employee);
        return finish();
      }
      view.remindersSent += 1;
      for (const approver of asked) email('leave_approval_reminder', approver, view.remindersSent + 1);
      // Unanswered at the configured pace: the next manager up is asked too (once), and the
      // reminders slow down (reminderWait), so a request waiting months keeps a small history.
      if (edges && view.remindersSent === REMINDERS_AT_PACE && submission.escalation) {
        const above = submission.escalation;
        email('leave_approval_escalated', above, 1, {
          askedOf: asked.map((a) => a.name).join(' and '),
          reminders: view.remindersSent,
        });
        asked.push(above);
        view.approvers = asked.map((a) => a.id);
        view.escalatedTo = above.id;
      }
    }
  }

  setStatus('Approved');
  publish('leave.approved', { balanceAfter: view.balanceAfter });
  email('leave_approved', employee);

  // 3. Until the leave starts the employee may withdraw it (the days come back); a termination
  //    that ends employment before the leave starts withdraws it too.
  setCurrentDetails(`Approved: the leave starts on ${request.startDate}; it can be withdrawn until then`);
  const untilStart = startsAt - Date.now();
  if (untilStart > 0) {
    await condition(
      () =>
        withdrawal !== undefined || (termination !== undefined && termination.lastDay < request.startDate),
      untilStart,
      { summary: 'until the leave starts' },
    );
  }
  // Leave that starts on or before the last day stands (notice-period leave); later leave goes.
  if (withdrawal || (termination && termination.lastDay < request.startDate)) {
    await ledger.releaseLeave(request.requestId);
    view.withdrawnBy = withdrawal?.by ?? 'hr: employment ends before the leave';
    view.balanceAfter = view.balanceBefore;
    setStatus('Withdrawn');
    publish('leave.withdrawn', { by: view.withdrawnBy });
    email('leave_withdrawn', employee);
    return finish();
  }

  // 4. Leave taken below zero: deducted from next year's allowance, or from the final paycheck
  //    when employment ends first.
  const below = view.balanceAfter !== undefined && view.balanceAfter < 0 ? -view.balanceAfter : 0;
  if (below > 0 && edges) await settleNegativeBalance(below);
  if (below > 0 && !edges) {
    const yearStart = nextLeaveYearStart(submission.leaveYear, settings.yearStart);
    view.negativeBalance = {
      days: below,
      settlement: 'at_next_year_start',
      settlesAt: yearStart.toISOString(),
    };
    setCurrentDetails(
      `Approved: ${below} day(s) below zero, deducted from the allowance on ${yearStart.toISOString().slice(0, 10)} unless employment ends first`,
    );
    const untilYearStart = yearStart.getTime() - Date.now();
    if (untilYearStart > 0 && !termination) {
      await condition(() => termination !== undefined, untilYearStart, {
        summary: 'until the next leave year',
      });
    }
    if (termination) {
      await deductFromPaycheck(submission.leaveYear, termination);
    } else {
      const carried = await ledger.carryNegativeBalance({
        employeeId: request.employeeId,
        fromYear: submission.leaveYear,
      });
      view.negativeBalance = {
        days: carried.days,
        settlement: 'deducted_at_year_start',
        settlesAt: yearStart.toISOString(),
      };
      if (carried.done === 'now') {
        publish('leave.deducted', { days: carried.days, leaveYear: submission.leaveYear + 1 });
        email('leave_deducted', employee, 1, { days: carried.days, leaveYear: submission.leaveYear + 1 });
      }
    }
    view.updatedAt = now();
  }
  return finish();
}

/**
 * HR records a termination: written to the employee's record, then every open leave process of
 * the employee hears of it. A process that has already ended is simply not there to hear.
 */
export async function employeeTerminationWorkflow(input: {
  employeeId: string;
  lastDay: string;
}): Promise<string[]> {
  await ledger.recordTermination(input);
  const requestIds = await ledger.openLeaveRequests(input.employeeId);
  const told: string[] = [];
  for (const requestId of requestIds) {
    try {
      await getExternalWorkflowHandle(leaveWorkflowId(requestId)).signal(employeeTerminatedSignal, {
        lastDay: input.lastDay,
      });
      told.push(requestId);
    } catch (err) {
      // Ended since the list was read: nothing left to tell.
      log.info('a leave process was not there to hear of the termination', { requestId, error: String(err) });
    }
  }
  return told;
}
