/**
 * A leave request's steps in words, oldest first, read from what its process recorded (the view)
 * and what the ledger holds for it (days reserved and given back, with their times). People are
 * named, days and dates written out; the ids stay in `actor`.
 *
 * Who reads it decides what it holds: the employee sees where their request stands and who decides
 * next, not a manager's attempts their authority refused (those are the managers' and HR's).
 */
import type { LeaveView } from '../../domain/leave';
import { formatDate, formatDays, plural } from '../../domain/words';
import type { LedgerEntry } from '../../store';
import type { LeaveTimeline } from './contract';

type Event = LeaveTimeline['events'][number];

export interface TimelineReader {
  /** The names of the people the request names, by id. */
  names: ReadonlyMap<string, string>;
  /** The employee reading their own request. */
  isTheEmployee: boolean;
}

/** Every id a request's timeline names, for the caller to look up once. */
export function peopleOf(view: LeaveView): string[] {
  const ids = [view.employeeId, ...view.approvers, ...view.decisions.map((d) => d.by)];
  if (view.escalatedTo) ids.push(view.escalatedTo);
  if (view.withdrawnBy) ids.push(view.withdrawnBy);
  return [...new Set(ids)];
}

export function leaveTimelineOf(
  view: LeaveView,
  entries: readonly LedgerEntry[],
  reader: TimelineReader = { names: new Map(), isTheEmployee: false },
): Event[] {
  const name = (id: string | undefined): string | undefined =>
    id ? (reader.names.get(id) ?? id) : undefined;
  const events: Event[] = [
    person(
      {
        at: view.submittedAt,
        kind: 'submitted',
        actor: view.employeeId,
        detail: `Asked for ${formatDays(view.days)} from ${formatDate(view.startDate)}${view.note ? `: “${view.note}”` : ''}`,
      },
      name(view.employeeId),
    ),
    ...ledgerEvents(entries),
    ...decisionEvents(view, name, reader.isTheEmployee),
    ...endEvents(view, name),
  ];
  return events.sort((a, b) => a.at.localeCompare(b.at));
}

function person(event: Event, actorName: string | undefined): Event {
  return actorName ? { ...event, actorName } : event;
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
function decisionEvents(
  view: LeaveView,
  name: (id: string | undefined) => string | undefined,
  isTheEmployee: boolean,
): Event[] {
  const events: Event[] = [];
  const asked = view.approvers.map((id) => name(id)!);
  if (asked.length > 0 && view.status !== 'Submitted') {
    events.push({
      at: view.submittedAt,
      kind: 'approval_requested',
      detail:
        `Beyond the balance${view.balanceBefore !== undefined ? ` of ${formatDays(view.balanceBefore)}` : ''}: ` +
        `approval asked of ${orList(asked)}`,
    });
  }
  for (const d of view.decisions) {
    // A refused attempt changed nothing: the employee's request still waits for whoever may decide.
    if (d.decision === 'refused' && isTheEmployee) continue;
    const what =
      d.decision === 'approved'
        ? 'Approved'
        : d.decision === 'rejected'
          ? 'Rejected'
          : `Tried to approve, beyond their authority${d.reason ? ` (${d.reason.replace(/_/g, ' ')})` : ''}; nothing changed`;
    events.push(
      person(
        { at: d.at, kind: d.decision, actor: d.by, detail: `${what}${d.note ? `: “${d.note}”` : ''}` },
        name(d.by),
      ),
    );
  }
  if (view.remindersSent > 0) {
    events.push({
      at: view.updatedAt,
      kind: 'reminders',
      detail: `${plural(view.remindersSent, 'reminder')} sent${view.escalatedTo ? `; then ${name(view.escalatedTo)}, the next manager up, was asked` : ''}`,
    });
  }
  if (view.status === 'PendingApproval' && asked.length > 0) {
    const deciders = view.escalatedTo ? [...asked, name(view.escalatedTo)!] : asked;
    events.push({
      at: view.updatedAt,
      kind: 'waiting',
      detail: `Waiting for a decision from ${orList(deciders)} before ${formatDate(view.startDate)}; without one it expires`,
    });
  }
  return events;
}

/** "Mia Moreau", "Mia Moreau or Vera Vance", "A, B or C". */
function orList(names: readonly string[]): string {
  const unique = [...new Set(names)];
  if (unique.length <= 1) return unique[0] ?? 'no one';
  return `${unique.slice(0, -1).join(', ')} or ${unique[unique.length - 1]}`;
}

/** How the request ended, and a balance taken below zero. */
function endEvents(view: LeaveView, name: (id: string | undefined) => string | undefined): Event[] {
  const events: Event[] = [];
  if (view.status === 'Withdrawn') {
    events.push(
      person(
        { at: view.updatedAt, kind: 'withdrawn', actor: view.withdrawnBy, detail: 'Withdrawn' },
        name(view.withdrawnBy),
      ),
    );
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
