/**
 * Step 4 of a leave request: days taken below zero, settled at the next leave year's start
 * (deducted from its allowance) or from the final paycheck when employment ends first.
 */
import { condition } from '@temporalio/workflow';
import { endOfLastDay, nextLeaveYearStart } from '../../domain/leave';
import { formatDate, formatDays } from '../../domain/words';
import { ledger, type Leave } from './context';
import type { EmployeeTermination } from './messages';

/**
 * 4. Days below zero are settled by whichever comes first: the next leave year's start (deducted
 * from its allowance) or the end of the employee's last day (taken from the final paycheck). A
 * deduction that takes the new year below zero leaves that remainder owed, settled the same way.
 */
export async function settleNegativeBalance(leave: Leave, days: number): Promise<void> {
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
        ? `${formatDays(owed)} below zero, taken from the final paycheck after the last day, ${formatDate(lastDay!)}`
        : `${formatDays(owed)} below zero, deducted from the allowance on ${formatDate(yearStart.toISOString())} unless employment ends first`,
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
export async function settleNegativeBalanceBeforeEdges(leave: Leave, below: number): Promise<void> {
  const { ctx, view, inbox, settings, submission } = leave;
  const yearStart = nextLeaveYearStart(submission.leaveYear, settings.yearStart);
  view.negativeBalance = {
    days: below,
    settlement: 'at_next_year_start',
    settlesAt: yearStart.toISOString(),
  };
  ctx.explain(
    `${formatDays(below)} below zero, deducted from the allowance on ${formatDate(yearStart.toISOString())} unless employment ends first`,
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
