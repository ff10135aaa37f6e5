/**
 * The annual-leave process on the time-skipping server, with the real leave activities on a
 * SQLite ledger (seeded with the sample organisation) and recording mail and event adapters.
 * Ella has 25 days; her manager is Mia (may go to −2), Mia's is Vera, a VP (may go to −5).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { LeaveRequest, LeaveView } from '../../domain/leave';
import { leaveRequestWorkflow } from '../../workflows';
import { refusalOf } from '../../workflows/refusal';
import {
  approveLeaveSignal,
  approveLeaveUpdate,
  leaveStatusQuery,
  rejectLeaveUpdate,
  rejectLeaveSignal,
  withdrawLeaveSignal,
} from '../../workflows/leave/messages';
import { settle } from '../helpers/checkout-scenario';
import { LEAVE_TEST_SETTINGS, LeaveScenario } from '../helpers/leave-scenario';
import { captureHistory, timeSkippingEnv } from '../helpers/temporal';

const DAY = 86_400_000;

describe('annual leave', () => {
  let env: TestWorkflowEnvironment;
  let today: Date;
  before(async () => {
    env = await timeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  /** A request by Ella starting `inDays` days from the test server's today. */
  async function request(days: number, inDays = 10, employeeId = 'ella'): Promise<LeaveRequest> {
    today = new Date(await env.currentTimeMs());
    const start = new Date(
      Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) + inDays * DAY,
    );
    return {
      requestId: randomUUID(),
      employeeId,
      days,
      startDate: start.toISOString().slice(0, 10),
      submittedAt: today.toISOString(),
    };
  }

  async function status(handle: WorkflowHandle, expected: string): Promise<LeaveView> {
    await settle(handle);
    const view = await handle.query(leaveStatusQuery);
    assert.equal(view.status, expected, JSON.stringify(view));
    return view;
  }

  function leaveYear(req: LeaveRequest): number {
    return Number(req.startDate.slice(0, 4));
  }

  it('within the balance: approved at once, the days reserved, Ella told, leave.approved', async () => {
    const scenario = new LeaveScenario();
    const req = await request(5);
    await scenario.run(env, req, async (handle) => {
      const view = await status(handle, 'Approved');
      assert.deepEqual([view.balanceBefore, view.balanceAfter], [25, 20]);
      assert.deepEqual(scenario.take(), { emails: ['leave_approved→ella'], events: ['leave.approved'] });
      assert.equal(await scenario.store.balance('ella', leaveYear(req)), 20);
      await handle.result();
      await captureHistory(handle, 'leave-within-balance');
    });
    assert.deepEqual(scenario.take(), { emails: [], events: [] }, 'nothing more once the leave started');
  });

  it('two days below zero, approved by her manager; deducted from next year when it starts (months skipped)', async () => {
    const scenario = new LeaveScenario();
    const req = await request(27);
    await scenario.run(env, req, async (handle) => {
      const pending = await status(handle, 'PendingApproval');
      assert.deepEqual(pending.approvers, ['mia']);
      assert.deepEqual(scenario.take(), {
        emails: ['leave_approval_requested→mia'],
        events: ['leave.requested'],
      });
      await handle.signal(approveLeaveSignal, { approverId: 'mia', note: 'fine' });
      const approved = await status(handle, 'Approved');
      assert.equal(approved.balanceAfter, -2);
      assert.deepEqual(scenario.take(), { emails: ['leave_approved→ella'], events: ['leave.approved'] });
      const final = await handle.result();
      await captureHistory(handle, 'leave-negative-deducted-at-year-start');
      assert.deepEqual(final.negativeBalance, {
        days: 2,
        settlement: 'deducted_at_year_start',
        settlesAt: `${leaveYear(req) + 1}-01-01T00:00:00.000Z`,
      });
      assert.ok(
        Date.parse(final.updatedAt) >= Date.parse(final.negativeBalance.settlesAt),
        'only when the year started',
      );
    });
    assert.deepEqual(scenario.take(), { emails: ['leave_deducted→ella'], events: ['leave.deducted'] });
    assert.equal(await scenario.store.balance('ella', leaveYear(req)), 0);
    assert.equal(await scenario.store.balance('ella', leaveYear(req) + 1), 23, "next year's 25 less 2");
  });

  it('three below zero: refused for her manager with the reason, then approved by the VP', async () => {
    const scenario = new LeaveScenario();
    const req = await request(28);
    await scenario.run(env, req, async (handle) => {
      const pending = await status(handle, 'PendingApproval');
      assert.deepEqual(
        pending.approvers,
        ['mia', 'vera'],
        'the manager and the nearest approver with the authority',
      );
      await handle.signal(approveLeaveSignal, { approverId: 'mia' });
      const still = await status(handle, 'PendingApproval');
      assert.deepEqual(
        still.decisions.map((d) => [d.by, d.decision, d.reason]),
        [
          [
            'mia',
            'refused',
            'approving would take the balance to −3 days; a manager may allow down to −2 days',
          ],
        ],
      );
      await handle.signal(approveLeaveSignal, { approverId: 'vera' });
      const approved = await status(handle, 'Approved');
      assert.equal(approved.balanceAfter, -3);
      await handle.signal(withdrawLeaveSignal, { by: 'ella' });
      await status(handle, 'Withdrawn');
      await captureHistory(handle, 'leave-refused-then-vp-approved-withdrawn');
    });
    assert.equal(await scenario.store.balance('ella', leaveYear(req)), 25, 'withdrawn: the days are back');
  });

  it('decisions as updates: one beyond the authority refused at once with the reason and nothing recorded; one within it answered with the approved request', async () => {
    const scenario = new LeaveScenario();
    const req = await request(28);
    await scenario.run(env, req, async (handle) => {
      await status(handle, 'PendingApproval');
      const refused = await handle
        .executeUpdate(approveLeaveUpdate, { args: [{ approverId: 'mia' }] })
        .catch((err: unknown) => err);
      assert.ok(refused instanceof WorkflowUpdateFailedError, String(refused));
      assert.deepEqual(refusalOf(refused), {
        kind: 'forbidden',
        message: 'approving would take the balance to −3 days; a manager may allow down to −2 days',
        details: { reason: 'beyond_authority', status: 'PendingApproval' },
      });
      const outside = await handle
        .executeUpdate(rejectLeaveUpdate, { args: [{ approverId: 'max' }] })
        .catch((err: unknown) => err);
      assert.equal(refusalOf(outside)?.details.reason, 'not_in_chain');
      const still = await status(handle, 'PendingApproval');
      assert.deepEqual(still.decisions, [], 'a refused update leaves nothing behind');

      const approved = await handle.executeUpdate(approveLeaveUpdate, {
        args: [{ approverId: 'vera', note: 'ok' }],
      });
      assert.equal(approved.status, 'Approved', 'the answer is the request after the decision');
      assert.equal(approved.balanceAfter, -3);
      assert.deepEqual(
        approved.decisions.map((d) => [d.by, d.decision, d.note]),
        [['vera', 'approved', 'ok']],
      );

      const late = await handle
        .executeUpdate(rejectLeaveUpdate, { args: [{ approverId: 'mia' }] })
        .catch((err: unknown) => err);
      assert.deepEqual(refusalOf(late)?.kind, 'conflict');
      assert.match(refusalOf(late)!.message, /is Approved: it waits for no decision/);
      // Ended here, so no open timer is left behind on the shared time-skipping server.
      await handle.signal(withdrawLeaveSignal, { by: 'ella' });
      assert.equal((await handle.result()).status, 'Withdrawn');
      await captureHistory(handle, 'leave-decided-by-updates');
    });
  });

  it('a rejection as an update is answered with the rejected request', async () => {
    const scenario = new LeaveScenario();
    const req = await request(27);
    await scenario.run(env, req, async (handle) => {
      await status(handle, 'PendingApproval');
      const rejected = await handle.executeUpdate(rejectLeaveUpdate, {
        args: [{ approverId: 'mia', note: 'busy' }],
      });
      assert.equal(rejected.status, 'Rejected');
      assert.equal(await handle.result().then((v) => v.status), 'Rejected');
    });
  });

  it('a leave email that keeps failing alerts support after SIDE_EFFECT_ALERT_AFTER while its retries go on, and is delivered once', async () => {
    const scenario = new LeaveScenario(
      { ...LEAVE_TEST_SETTINGS, sideEffectAlertAfterMs: 15 * 60_000, supportEmail: 'support@example.com' },
      { kind: 'leave_approved', forMs: 60 * 60_000 },
    );
    const req = await request(5);
    await scenario.run(env, req, async (handle) => {
      // Not settled: the email's retries stay open. The request is approved all the same.
      for (let i = 0; (await handle.query(leaveStatusQuery)).status !== 'Approved'; i++) {
        assert.ok(i < 100, 'approved within 10 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      await env.sleep('20m');
      const delayed = await handle.query(leaveStatusQuery);
      assert.equal(delayed.notifications?.['email:leave_approved'], 'delayed');
      assert.deepEqual(scenario.take(), {
        emails: ['support_delivery_delayed→support'],
        events: ['leave.approved', 'support.delivery_delayed'],
      });
      await env.sleep('2h');
      const delivered = await handle.query(leaveStatusQuery);
      assert.equal(delivered.notifications?.['email:leave_approved'], 'delivered');
      assert.deepEqual(scenario.take(), { emails: ['leave_approved→ella'], events: [] });
      await handle.result();
      await captureHistory(handle, 'leave-email-delayed-alerted');
    });
  });

  it('six below zero: refused by everyone in the chain, and by a manager outside it; expires when the leave starts', async () => {
    const scenario = new LeaveScenario();
    const req = await request(31, 3);
    await scenario.run(env, req, async (handle) => {
      const pending = await status(handle, 'PendingApproval');
      assert.deepEqual(pending.approvers, ['mia'], 'nobody has the authority: the manager is asked');
      for (const approverId of ['mia', 'vera', 'max'])
        await handle.signal(approveLeaveSignal, { approverId });
      const still = await status(handle, 'PendingApproval');
      assert.deepEqual(
        still.decisions.map((d) => [d.by, d.decision]),
        [
          ['mia', 'refused'],
          ['vera', 'refused'],
          ['max', 'refused'],
        ],
      );
      assert.match(still.decisions[2]!.reason!, /not in the employee's manager chain/);
      const final = await handle.result();
      assert.equal(final.status, 'Expired');
    });
    assert.equal(await scenario.store.balance('ella', leaveYear(req)), 25);
  });

  it('nobody decides: the approver is reminded every two days, then the request expires on the start date', async () => {
    const scenario = new LeaveScenario();
    const req = await request(27, 5);
    await scenario.run(env, req, async (handle) => {
      await status(handle, 'PendingApproval');
      scenario.take();
      const final = await handle.result();
      await captureHistory(handle, 'leave-reminded-then-expired');
      assert.equal(final.status, 'Expired');
      assert.equal(final.remindersSent, 2, 'at two and four days; the leave starts on the fifth');
      assert.equal(final.updatedAt.slice(0, 10), req.startDate);
    });
    assert.deepEqual(scenario.take(), {
      emails: ['leave_approval_reminder→mia', 'leave_approval_reminder→mia', 'leave_expired→ella'],
      events: ['leave.expired'],
    });
  });

  it('a rejection ends the request', async () => {
    const scenario = new LeaveScenario();
    const req = await request(27);
    await scenario.run(env, req, async (handle) => {
      await status(handle, 'PendingApproval');
      scenario.take();
      await handle.signal(rejectLeaveSignal, { approverId: 'mia', note: 'busy month' });
      const final = await handle.result();
      assert.equal(final.status, 'Rejected');
    });
    assert.deepEqual(scenario.take(), { emails: ['leave_rejected→ella'], events: ['leave.rejected'] });
  });

  it('withdrawn before it starts: Withdrawn, the reservation released', async () => {
    const scenario = new LeaveScenario();
    const req = await request(5);
    await scenario.run(env, req, async (handle) => {
      await status(handle, 'Approved');
      assert.equal(await scenario.store.balance('ella', leaveYear(req)), 20);
      await handle.signal(withdrawLeaveSignal, { by: 'ella' });
      const final = await handle.result();
      assert.equal(final.status, 'Withdrawn');
      assert.equal(final.withdrawnBy, 'ella');
    });
    assert.equal(await scenario.store.balance('ella', leaveYear(req)), 25);
    assert.deepEqual(
      (await scenario.store.entries('ella')).map((e) => e.kind),
      ['grant', 'reservation', 'release'],
    );
  });

  it('terminated after the leave, before the year starts: the value comes off the final paycheck, no year-start deduction', async () => {
    const scenario = new LeaveScenario();
    // The test server's clock has run on through earlier tests: start the leave at least ten days
    // before a year ends, so that five days after it starts the year has not ended.
    const now = new Date(await env.currentTimeMs());
    const toYearEnd = Math.floor((Date.UTC(now.getUTCFullYear() + 1, 0, 1) - now.getTime()) / DAY);
    const req = await request(27, toYearEnd < 12 ? toYearEnd + 2 : 2);
    await scenario.run(env, req, async (handle) => {
      await status(handle, 'PendingApproval');
      await handle.signal(approveLeaveSignal, { approverId: 'mia' });
      await status(handle, 'Approved');
      await env.sleep('5 days'); // the leave has started; the year has not ended
      const told = await scenario.terminate(env, 'ella', req.startDate);
      assert.deepEqual(told, [req.requestId], 'the open process heard of it');
      const final = await handle.result();
      await captureHistory(handle, 'leave-negative-paycheck-on-termination');
      assert.deepEqual(final.negativeBalance, { days: 2, settlement: 'paycheck', paycheckAmount: 50_000 });
    });
    const { events } = scenario.take();
    assert.ok(events.includes('leave.paycheck_deduction'));
    assert.ok(!events.includes('leave.deducted'));
    assert.equal(await scenario.store.balance('ella', leaveYear(req) + 1), 25, 'next year untouched');
    assert.equal((await scenario.store.getEmployee('ella'))?.lastDay, req.startDate);
  });

  it('terminated after the year-start deduction: nothing more', async () => {
    const scenario = new LeaveScenario();
    const req = await request(27);
    await scenario.run(env, req, async (handle) => {
      await status(handle, 'PendingApproval');
      await handle.signal(approveLeaveSignal, { approverId: 'mia' });
      await handle.result();
      scenario.take();
      assert.deepEqual(await scenario.terminate(env, 'ella', `${leaveYear(req) + 1}-02-01`), []);
    });
    assert.deepEqual(scenario.take(), { emails: [], events: [] });
    const kinds = (await scenario.store.entries('ella')).map((e) => e.kind);
    assert.ok(kinds.includes('deduction'));
    assert.ok(!kinds.includes('paycheck_deduction'));
  });

  /** Days from the test server's today to `date` (YYYY-MM-DD). */
  async function daysUntil(date: string): Promise<number> {
    const now = new Date(await env.currentTimeMs());
    const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    return Math.round((Date.parse(`${date}T00:00:00.000Z`) - midnight) / DAY);
  }

  /** A start at least `margin` days before the current year ends (the clock runs on between tests). */
  async function clearOfYearEnd(margin: number): Promise<number> {
    const now = new Date(await env.currentTimeMs());
    const toYearEnd = Math.floor((Date.UTC(now.getUTCFullYear() + 1, 0, 1) - now.getTime()) / DAY);
    return toYearEnd < margin + 2 ? toYearEnd + 2 : 2;
  }

  const addDays = (date: string, days: number): string =>
    new Date(Date.parse(`${date}T00:00:00.000Z`) + days * DAY).toISOString().slice(0, 10);

  /**
   * Next year's whole allowance approved at once, then 27 days this year approved by Mia (−2): when
   * next year starts, the deduction takes it to −2 as well.
   */
  async function deficitOwedToNextYear() {
    const scenario = new LeaveScenario();
    const thisYear = await request(27, await clearOfYearEnd(3));
    const year = leaveYear(thisYear);
    const next = await request(25, await daysUntil(`${year + 1}-01-10`));
    const approve = async (handle: WorkflowHandle<typeof leaveRequestWorkflow>) => {
      const nextYear = await scenario.start(env, next);
      await status(nextYear, 'Approved');
      await status(handle, 'PendingApproval');
      await handle.signal(approveLeaveSignal, { approverId: 'mia' });
      await status(handle, 'Approved');
      return nextYear;
    };
    return { scenario, year, now: { request: thisYear, approve } };
  }

  it('days already owed count; a year-start deduction that leaves the new year below zero is carried again, never forgotten', async () => {
    const { scenario, year, now } = await deficitOwedToNextYear();
    await scenario.run(env, now.request, async (handle) => {
      const nextYear = await now.approve(handle);
      // Next year now owes 2: a further request for it sees them.
      assert.equal(await scenario.store.balance('ella', year + 1), -2);
      const final = await handle.result();
      await captureHistory(handle, 'leave-deficit-carried-twice');
      // The last settlement: next year's own deficit (the carried 2 days), deducted a year later.
      assert.deepEqual(final.negativeBalance, {
        days: 2,
        settlement: 'deducted_at_year_start',
        settlesAt: `${year + 2}-01-01T00:00:00.000Z`,
      });
      await nextYear.result();
    });
    const deducted = scenario.published
      .filter((e) => e.type === 'leave.deducted')
      .map((e) => e.data.leaveYear);
    assert.deepEqual(
      deducted,
      [year + 1, year + 2],
      'deducted from next year, and its deficit from the year after',
    );
    assert.equal(await scenario.store.balance('ella', year + 1), 0);
    assert.equal(await scenario.store.balance('ella', year + 2), 23);
  });

  it('a termination recorded after a carry-over still settles what the carried deduction left below zero', async () => {
    const { scenario, year, now } = await deficitOwedToNextYear();
    await scenario.run(env, now.request, async (handle) => {
      const nextYear = await now.approve(handle);
      // Past the year start: the 2 days are deducted, which takes next year to −2.
      await env.sleep((await daysUntil(`${year + 1}-01-03`)) * DAY);
      await settle(handle);
      assert.equal(await scenario.store.balance('ella', year + 1), -2);
      await scenario.terminate(env, 'ella', `${year + 1}-02-01`);
      const final = await handle.result();
      assert.deepEqual(final.negativeBalance, { days: 2, settlement: 'paycheck', paycheckAmount: 50_000 });
      await nextYear.result();
    });
    const kinds = (await scenario.store.entries('ella')).map((e) => e.kind);
    assert.deepEqual(
      kinds.filter((k) => k === 'deduction' || k === 'paycheck_deduction'),
      ['deduction', 'paycheck_deduction'],
    );
  });

  it('a termination follows the last day: leave up to it stands, leave after it is withdrawn', async () => {
    const scenario = new LeaveScenario();
    const inNotice = await request(27, 10);
    const lastDay = addDays(inNotice.startDate, 3);
    const afterLastDay = await request(1, 20);
    await scenario.run(env, inNotice, async (handle) => {
      const later = await scenario.start(env, afterLastDay);
      await status(handle, 'PendingApproval');
      await status(later, 'Approved');
      const told = await scenario.terminate(env, 'ella', lastDay);
      assert.deepEqual(told.sort(), [inNotice.requestId, afterLastDay.requestId].sort());
      await status(handle, 'PendingApproval');
      assert.equal((await later.result()).status, 'Withdrawn');
      await handle.signal(rejectLeaveSignal, { approverId: 'mia' });
      assert.equal((await handle.result()).status, 'Rejected');
    });
    // A request saved while the termination is being recorded hears of it from the ledger itself.
    const raced = await request(1, 25);
    await scenario.run(env, raced, async (handle) => {
      const final = await handle.result();
      assert.equal(final.status, 'Withdrawn');
      assert.equal(final.withdrawnBy, 'hr: employment ends before the leave');
    });
    assert.equal(await scenario.store.balance('ella', leaveYear(afterLastDay)), 25, 'nothing kept reserved');
  });

  it('below zero when employment ends: the paycheck takes it at the end of the last day; a year start that comes first deducts it', async () => {
    const scenario = new LeaveScenario();
    const req = await request(27, await clearOfYearEnd(12));
    const lastDay = addDays(req.startDate, 5);
    await scenario.run(env, req, async (handle) => {
      await status(handle, 'PendingApproval');
      await handle.signal(approveLeaveSignal, { approverId: 'mia' });
      await status(handle, 'Approved');
      await scenario.terminate(env, 'ella', lastDay);
      await settle(handle);
      assert.ok(
        !(await scenario.store.entries('ella')).some((e) => e.kind === 'paycheck_deduction'),
        'not before the last day is over',
      );
      const final = await handle.result();
      assert.deepEqual(final.negativeBalance, { days: 2, settlement: 'paycheck', paycheckAmount: 50_000 });
      assert.ok(Date.parse(final.updatedAt) >= Date.parse(`${addDays(lastDay, 1)}T00:00:00.000Z`));
    });

    const carried = new LeaveScenario();
    const early = await request(27, await clearOfYearEnd(3));
    await carried.run(env, early, async (handle) => {
      await status(handle, 'PendingApproval');
      await handle.signal(approveLeaveSignal, { approverId: 'mia' });
      await status(handle, 'Approved');
      // Notice given now, but the last day falls after the next year starts.
      await carried.terminate(env, 'ella', `${leaveYear(early) + 1}-02-01`);
      const final = await handle.result();
      assert.equal(final.negativeBalance?.settlement, 'deducted_at_year_start');
    });
    const kinds = (await carried.store.entries('ella')).map((e) => e.kind);
    assert.ok(kinds.includes('deduction'));
    assert.ok(!kinds.includes('paycheck_deduction'));
  });

  it('reminders stay bounded: a request waiting a year at an hourly pace keeps a small history and reaches the next manager up', async () => {
    const scenario = new LeaveScenario({ reminderAfterMs: 3_600_000, yearStart: '01-01' });
    const req = await request(27, 360);
    await scenario.run(env, req, async (handle) => {
      const pending = await status(handle, 'PendingApproval');
      assert.deepEqual(pending.approvers, ['mia']);
      const final = await handle.result();
      assert.equal(final.status, 'Expired');
      assert.equal(final.escalatedTo, 'vera');
      assert.ok(final.remindersSent >= 40 && final.remindersSent <= 80, `${final.remindersSent} reminders`);
      const history = await handle.fetchHistory();
      assert.ok(history.events!.length < 1500, `${history.events!.length} history events`);
    });
    const emails = scenario.sent.map((m) => `${m.kind}→${m.to}`);
    assert.equal(emails.filter((e) => e === 'leave_approval_escalated→vera').length, 1);
    assert.ok(
      emails.filter((e) => e === 'leave_approval_reminder→vera').length > 10,
      'vera reminded afterwards',
    );
  });
});
