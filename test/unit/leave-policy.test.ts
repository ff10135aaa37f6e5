/** The leave policy as a table: rank × shortfall × chain membership → decision and reason. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  leaveStartRefusal,
  decideApproval,
  isCalendarDate,
  isValidLeaveDays,
  leaveYearOf,
  approversFor,
  nearestApprover,
  nextLeaveYearStart,
  paycheckDeduction,
  withinBalance,
  type ChainMember,
  type Rank,
} from '../../domain/leave';

// ella → mia (manager) → vera (vp)
const chain: ChainMember[] = [
  { id: 'mia', rank: 'manager' },
  { id: 'vera', rank: 'vp' },
];
const outsider = (rank: Rank): ChainMember => ({ id: `other-${rank}`, rank });

describe('leave approval policy', () => {
  // [approver, balance, days, expected: true | refusal reason]
  const table: [ChainMember, number, number, true | 'not_a_manager' | 'not_in_chain' | 'beyond_authority'][] =
    [
      // a manager in the chain: down to −2
      [chain[0]!, 3, 4, true], // −1
      [chain[0]!, 3, 5, true], // −2
      [chain[0]!, 3, 6, 'beyond_authority'], // −3
      [chain[0]!, 0, 2.5, 'beyond_authority'], // −2.5
      [chain[0]!, 10, 2, true], // within balance
      // a VP in the chain: down to −5
      [chain[1]!, 3, 6, true], // −3
      [chain[1]!, 3, 8, true], // −5
      [chain[1]!, 3, 9, 'beyond_authority'], // −6
      [chain[1]!, -5, 0.5, 'beyond_authority'], // already at the limit
      // outside the chain, whatever the rank
      [outsider('manager'), 3, 4, 'not_in_chain'],
      [outsider('vp'), 3, 4, 'not_in_chain'],
      [outsider('vp'), 10, 1, 'not_in_chain'],
      // not a manager at all
      [outsider('employee'), 3, 4, 'not_a_manager'],
    ];
  for (const [approver, balance, days, expected] of table) {
    it(`${approver.rank} ${approver.id}, balance ${balance}, ${days} days → ${String(expected)}`, () => {
      const decision = decideApproval({ approver, chain, balance, days });
      if (expected === true) {
        assert.deepEqual(decision, { allowed: true, balanceAfter: balance - days });
      } else {
        assert.equal(decision.allowed, false);
        assert.equal(!decision.allowed && decision.reason, expected);
      }
    });
  }

  it('says why in words', () => {
    const decision = decideApproval({ approver: chain[0]!, chain, balance: 3, days: 6 });
    assert.equal(
      !decision.allowed && decision.message,
      'approving would take the balance to −3 days; a manager may allow down to −2 days',
    );
  });

  it('within balance needs nobody', () => {
    assert.equal(withinBalance(5, 5), true);
    assert.equal(withinBalance(5, 5.5), false);
    assert.equal(withinBalance(-1, 0.5), false);
  });

  it('finds the nearest approver with the authority, or none', () => {
    assert.equal(nearestApprover(chain, -2)?.id, 'mia');
    assert.equal(nearestApprover(chain, -3)?.id, 'vera');
    assert.equal(nearestApprover(chain, -6), undefined);
  });

  it('asks the direct manager and the nearest with the authority, and escalates to the next one up', () => {
    // Within the direct manager's authority: she alone, the VP next.
    assert.deepEqual(approversFor(chain, -2), { approvers: ['mia'], escalation: 'vera' });
    // Beyond it: the manager and the VP, nobody above them.
    assert.deepEqual(approversFor(chain, -3), { approvers: ['mia', 'vera'], escalation: undefined });
    // Beyond everyone: the manager is still asked (and may refuse), the VP next.
    assert.deepEqual(approversFor(chain, -6), { approvers: ['mia'], escalation: 'vera' });
  });
});

describe('leave amounts and dates', () => {
  it('days are positive multiples of half a day', () => {
    for (const ok of [0.5, 1, 2.5, 30]) assert.equal(isValidLeaveDays(ok), true, String(ok));
    for (const bad of [0, -1, 0.25, 1.3, Number.NaN, 400])
      assert.equal(isValidLeaveDays(bad), false, String(bad));
  });

  it('values negative days at the daily rate, rounded down', () => {
    assert.equal(paycheckDeduction(3, 20_000), 60_000);
    assert.equal(paycheckDeduction(1.5, 20_001), 30_001);
    assert.throws(() => paycheckDeduction(0, 100), RangeError);
  });

  it('knows the leave year of a date and when the next one starts', () => {
    assert.equal(leaveYearOf('2026-12-31', '01-01'), 2026);
    assert.equal(leaveYearOf('2027-01-01', '01-01'), 2027);
    assert.equal(leaveYearOf('2027-03-31', '04-01'), 2026);
    assert.equal(nextLeaveYearStart(2026, '01-01').toISOString(), '2027-01-01T00:00:00.000Z');
    assert.equal(nextLeaveYearStart(2026, '04-01').toISOString(), '2027-04-01T00:00:00.000Z');
    assert.throws(() => leaveYearOf('2026-01-01', '13-01'), RangeError);
  });

  it('accepts only real calendar dates', () => {
    assert.equal(isCalendarDate('2026-02-28'), true);
    assert.equal(isCalendarDate('2026-02-30'), false);
    assert.equal(isCalendarDate('26-02-01'), false);
  });
});

describe('the day leave may start', () => {
  it('not in the past, and not beyond two leave years ahead; otherwise nothing to say', () => {
    const today = '2026-12-02';
    assert.equal(leaveStartRefusal('2026-12-02', today, 2026, 2026), undefined, 'today is fine');
    assert.equal(leaveStartRefusal('2028-06-01', today, 2028, 2026), undefined, 'two years ahead is fine');
    assert.deepEqual(leaveStartRefusal('2026-12-01', today, 2026, 2026), {
      message: 'the leave cannot start in the past',
      detail: 'must be 2026-12-02 or later',
    });
    assert.deepEqual(leaveStartRefusal('2029-01-01', today, 2029, 2026), {
      message: 'leave can be requested up to 2 leave years ahead',
      detail: 'must fall in leave year 2028 or earlier',
    });
  });
});
