/**
 * A leave request's timeline as each reader sees it: people by name, days and dates in words, and
 * the employee shown where their request stands and who decides next, not a manager's attempt that
 * their authority refused (it changed nothing).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { submittedLeaveView, type LeaveView } from '../../domain/leave';
import { leaveTimelineOf, peopleOf } from '../../api/leave/timeline';

const names = new Map([
  ['ella', 'Ella Evans'],
  ['mia', 'Mia Moreau'],
  ['vera', 'Vera Vance'],
]);

function waitingView(): LeaveView {
  const view = submittedLeaveView(
    {
      requestId: 'lr-1',
      employeeId: 'ella',
      days: 29,
      startDate: '2027-03-01',
      note: 'Patagonia',
      submittedAt: '2026-12-01T09:00:00.000Z',
    },
    '2026-12-01T10:00:00.000Z',
  );
  return {
    ...view,
    status: 'PendingApproval',
    balanceBefore: 25,
    approvers: ['mia', 'vera'],
    decisions: [
      {
        by: 'mia',
        decision: 'refused',
        reason: 'beyond_authority',
        note: 'Enjoy Patagonia',
        at: '2026-12-01T09:30:00.000Z',
      },
    ],
  };
}

describe('a leave timeline, per reader', () => {
  it('names every person the request names, once', () => {
    assert.deepEqual(peopleOf(waitingView()).sort(), ['ella', 'mia', 'vera']);
  });

  it('the employee sees who decides next, and not the attempt a manager could not make', () => {
    const events = leaveTimelineOf(waitingView(), [], { names, isTheEmployee: true });
    assert.ok(!events.some((e) => e.kind === 'refused'), JSON.stringify(events));
    assert.ok(!events.some((e) => /Enjoy Patagonia/.test(e.detail)), 'the manager’s note is not shown');
    const waiting = events.find((e) => e.kind === 'waiting');
    assert.equal(
      waiting?.detail,
      'Waiting for a decision from Mia Moreau or Vera Vance before 1 March 2027; without one it expires',
    );
    const asked = events.find((e) => e.kind === 'submitted')!;
    assert.equal(asked.detail, 'Asked for 29 days from 1 March 2027: “Patagonia”');
    assert.equal(asked.actorName, 'Ella Evans');
    assert.equal(asked.actor, 'ella', 'the id stays in the field');
    assert.equal(
      events.find((e) => e.kind === 'approval_requested')?.detail,
      'Beyond the balance of 25 days: approval asked of Mia Moreau or Vera Vance',
    );
  });

  it('a manager or HR sees the refused attempt, said as nothing changed, by name', () => {
    const events = leaveTimelineOf(waitingView(), [], { names, isTheEmployee: false });
    const refused = events.find((e) => e.kind === 'refused');
    assert.equal(refused?.actorName, 'Mia Moreau');
    assert.match(
      refused?.detail ?? '',
      /^Tried to approve, beyond their authority .*; nothing changed: “Enjoy Patagonia”$/,
    );
    assert.ok(!events.some((e) => /\(s\)|-\d/.test(e.detail)), 'no "(s)", no hyphen for a minus');
  });

  it('an approved request says who approved it, and no one is waited for', () => {
    const view: LeaveView = {
      ...waitingView(),
      status: 'Approved',
      decisions: [{ by: 'vera', decision: 'approved', at: '2026-12-01T11:00:00.000Z' }],
    };
    const events = leaveTimelineOf(view, [], { names, isTheEmployee: true });
    assert.equal(events.find((e) => e.kind === 'approved')?.actorName, 'Vera Vance');
    assert.ok(!events.some((e) => e.kind === 'waiting'));
  });
});
