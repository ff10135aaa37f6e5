/**
 * A leave request's steps in words, oldest first, read from what its process recorded (the view)
 * and what the ledger holds for it (days reserved and given back, with their times).
 */
import { formatDays, type LeaveView } from '../../domain/leave';
import type { LedgerEntry } from '../../store';
import type { LeaveTimeline } from './contract';

type Event = LeaveTimeline['events'][number];

export function leaveTimelineOf(view: LeaveView, entries: readonly LedgerEntry[]): Event[] {
  const events: Event[] = [
    {
      at: view.submittedAt,
      kind: 'submitted',
      actor: view.employeeId,
      detail: `Asked for ${formatDays(view.days)} from ${view.startDate}${view.note ? `: ${view.note}` : ''}`,
    },
    ...ledgerEvents(entries),
    ...decisionEvents(view),
    ...endEvents(view),
  ];
  return events.sort((a, b) => a.at.localeCompare(b.at));
}

/** Days taken from the balance and given back, as the ledger holds them. */
function ledgerEvents(entries: readonly LedgerEntry[]): Event[] {
  return entries.flatMap((entry): Event[] => {
    if (entry.kind === 'reservation') {
      return [
        {
          at: entry.createdAt,
          kind: 'reserved',
          detail: `${formatDays(-entry.days)} taken from the ${entry.leaveYear} balance`,
        },
      ];
    }
    if (entry.kind === 'release') {
      return [
        {
          at: entry.createdAt,
          kind: 'returned',
          detail: `${formatDays(entry.days)} given back to the ${entry.leaveYear} balance`,
        },
      ];
    }
    return [];
  });
}

/** Who was asked, what each said, and the reminders. */
function decisionEvents(view: LeaveView): Event[] {
  const events: Event[] = [];
  if (view.approvers.length > 0 && view.status !== 'Submitted') {
    events.push({
      at: view.submittedAt,
      kind: 'approval_requested',
      detail:
        `Beyond the balance${view.balanceBefore !== undefined ? ` of ${formatDays(view.balanceBefore)}` : ''}: ` +
        `approval asked of ${view.approvers.join(', ')}`,
    });
  }
  for (const d of view.decisions) {
    const what =
      d.decision === 'approved' ? 'Approved' : d.decision === 'rejected' ? 'Rejected' : 'Could not approve';
    events.push({
      at: d.at,
      kind: d.decision,
      actor: d.by,
      detail: `${what}${d.reason ? ` (${d.reason.replace(/_/g, ' ')})` : ''}${d.note ? `: ${d.note}` : ''}`,
    });
  }
  if (view.remindersSent > 0) {
    events.push({
      at: view.updatedAt,
      kind: 'reminders',
      detail: `${view.remindersSent} reminder(s) sent${view.escalatedTo ? `; asked ${view.escalatedTo}, the next manager up` : ''}`,
    });
  }
  return events;
}

/** How the request ended, and a balance taken below zero. */
function endEvents(view: LeaveView): Event[] {
  const events: Event[] = [];
  if (view.status === 'Withdrawn') {
    events.push({ at: view.updatedAt, kind: 'withdrawn', actor: view.withdrawnBy, detail: 'Withdrawn' });
  } else if (view.status === 'Expired') {
    events.push({
      at: view.updatedAt,
      kind: 'expired',
      detail: 'No decision before the leave started: expired',
    });
  } else if (view.status === 'Approved' && !view.decisions.some((d) => d.decision === 'approved')) {
    events.push({ at: view.updatedAt, kind: 'approved', detail: 'Approved at once: within the balance' });
  }
  const negative = view.negativeBalance;
  if (negative) {
    events.push({
      at: view.updatedAt,
      kind: 'negative_balance',
      detail:
        negative.settlement === 'paycheck'
          ? `${formatDays(negative.days)} below zero taken from the final paycheck`
          : negative.settlement === 'deducted_at_year_start'
            ? `${formatDays(negative.days)} below zero deducted from the next year's allowance`
            : `${formatDays(negative.days)} below zero, to be deducted when the next leave year starts`,
    });
  }
  return events;
}
