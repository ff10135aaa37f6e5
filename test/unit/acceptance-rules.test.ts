/** The acceptance rules on their own: authorization, the window's outcome, the return refund. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  acceptanceOutcome,
  authorizationState,
  recordDecision,
  refundForReturn,
  requiresAuthorization,
  type AuthorizationDecision,
} from '../../domain/acceptance';

const at = '2026-11-21T10:00:00.000Z';
const yes = (managerId: string): AuthorizationDecision => ({ managerId, approved: true, decidedAt: at });
const no = (managerId: string): AuthorizationDecision => ({ managerId, approved: false, decidedAt: at });

describe('manager authorization', () => {
  it('is needed at the threshold and above, not below', () => {
    assert.equal(requiresAuthorization(99_999, 100_000), false);
    assert.equal(requiresAuthorization(100_000, 100_000), true);
    assert.equal(requiresAuthorization(100_001, 100_000), true);
  });

  it('is settled by the first approval; a later refusal changes nothing', () => {
    let decisions = recordDecision([], yes('mia')).decisions;
    assert.equal(authorizationState(true, decisions), 'Approved');
    const late = recordDecision(decisions, no('max'));
    assert.equal(late.counted, false);
    decisions = late.decisions;
    assert.equal(authorizationState(true, decisions), 'Approved');
    assert.deepEqual(decisions, [yes('mia')]);
  });

  it('is refused only when both requests are answered "no" by different managers', () => {
    const one = recordDecision([], no('mia'));
    assert.equal(authorizationState(true, one.decisions), 'Pending');
    const again = recordDecision(one.decisions, no('mia'));
    assert.equal(again.counted, false, 'a manager answers once');
    assert.equal(authorizationState(true, again.decisions), 'Pending');
    const two = recordDecision(one.decisions, no('max'));
    assert.equal(authorizationState(true, two.decisions), 'Refused');
  });

  it('a "no" then a "yes" from another manager: approved', () => {
    const decisions = recordDecision(recordDecision([], no('mia')).decisions, yes('max')).decisions;
    assert.equal(authorizationState(true, decisions), 'Approved');
  });

  it('a manager cannot turn their "no" into a "yes"', () => {
    const decisions = recordDecision(recordDecision([], no('mia')).decisions, yes('mia')).decisions;
    assert.equal(authorizationState(true, decisions), 'Pending');
  });

  it('answers to an order below the threshold do not matter', () => {
    assert.equal(authorizationState(false, [no('mia'), no('max')]), 'NotRequired');
  });
});

describe('the end of the remorse window', () => {
  it('a cancel wins over everything, including a tie with the timer', () => {
    for (const state of ['NotRequired', 'Pending', 'Approved', 'Refused'] as const) {
      assert.equal(acceptanceOutcome(true, state), 'Cancelled');
    }
  });
  it('accepted when no approval is needed or one was given, rejected otherwise', () => {
    assert.equal(acceptanceOutcome(false, 'NotRequired'), 'Accepted');
    assert.equal(acceptanceOutcome(false, 'Approved'), 'Accepted');
    assert.equal(acceptanceOutcome(false, 'Pending'), 'Rejected');
    assert.equal(acceptanceOutcome(false, 'Refused'), 'Rejected');
  });
});

describe('the refund for returned goods', () => {
  it('original packaging: everything back', () => {
    assert.deepEqual(refundForReturn(250_000, true, 15), { amount: 250_000, restockingFee: 0 });
  });
  it('otherwise less the restocking fee, in whole minor units', () => {
    assert.deepEqual(refundForReturn(250_000, false, 15), { amount: 212_500, restockingFee: 37_500 });
  });
  it('rounds the fee down, so the refund rounds up: 15% of 999 is a fee of 149', () => {
    assert.deepEqual(refundForReturn(999, false, 15), { amount: 850, restockingFee: 149 });
    assert.deepEqual(refundForReturn(1, false, 15), { amount: 1, restockingFee: 0 });
    assert.deepEqual(refundForReturn(7, false, 15), { amount: 6, restockingFee: 1 });
  });
  it('stays exact for the largest totals', () => {
    const total = Number.MAX_SAFE_INTEGER;
    const { amount, restockingFee } = refundForReturn(total, false, 15);
    assert.equal(amount + restockingFee, total);
    assert.equal(restockingFee, Number((BigInt(total) * 15n) / 100n));
  });
  it('a fee of 0% or 100%', () => {
    assert.deepEqual(refundForReturn(999, false, 0), { amount: 999, restockingFee: 0 });
    assert.deepEqual(refundForReturn(999, false, 100), { amount: 0, restockingFee: 999 });
  });
  it('refuses amounts that are not whole minor units and fees outside 0–100', () => {
    assert.throws(() => refundForReturn(10.5, false, 15), RangeError);
    assert.throws(() => refundForReturn(0, false, 15), RangeError);
    assert.throws(() => refundForReturn(100, false, 101), RangeError);
    assert.throws(() => refundForReturn(100, false, 12.5), RangeError);
  });
});
