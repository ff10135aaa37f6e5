/**
 * An order's steps in words, oldest first: the process keeps them as it goes (its view's
 * timeline); for an order whose stored view predates the timeline, what its view still says.
 */
import type { OrderView } from '../../domain/checkout';
import { statusWords } from '../../domain/words';
import type { OrderTimeline } from './contract';

/**
 * The order's steps, oldest first: the process keeps them; for an order whose stored view predates
 * the timeline, what its view still says (placed, the answers, the cancellation, the status).
 */
export function checkoutTimelineOf(
  view: OrderView,
  names: ReadonlyMap<string, string> = new Map(),
): OrderTimeline['events'] {
  const events = view.timeline?.length ? view.timeline.map((e) => ({ ...e })) : recalled(view);
  return events.map((e) => (e.actor ? { ...e, actorName: actorName(e.actor, view, names) } : e));
}

/** The person an actor names: `mia` (a manager), `support:sam` → `mia`, `sam`. */
function personOf(actor: string): string | undefined {
  if (!actor.includes(':')) return actor === 'system' || actor === 'warehouse' ? undefined : actor;
  const [role, id] = actor.split(':', 2);
  return role === 'support' || role === 'manager' || role === 'warehouse' ? id : undefined;
}

/** The people an order's timeline names, for the caller to look up once. */
export function peopleOf(view: OrderView): string[] {
  const actors = (view.timeline ?? []).map((e) => e.actor).filter((a) => a !== undefined);
  for (const a of view.acceptance?.authorizations ?? []) actors.push(a.managerId);
  if (view.cancellation) actors.push(view.cancellation.requestedBy);
  return [...new Set(actors.map(personOf).filter((id) => id !== undefined))];
}

/**
 * Who acted, in words: the customer by name, a person by their name where the directory knows them
 * (`names`), the warehouse, the shop itself.
 */
export function actorName(
  actor: string,
  view: Pick<OrderView, 'customerName'>,
  names: ReadonlyMap<string, string> = new Map(),
): string {
  if (actor.startsWith('customer:')) return view.customerName ?? 'the customer';
  if (actor === 'system') return 'the shop, on its own';
  if (actor.startsWith('storefront:')) return 'the storefront';
  const person = personOf(actor);
  const name = person ? names.get(person) : undefined;
  if (actor.startsWith('support:')) return name ? `${name} (support)` : `support (${person})`;
  if (actor === 'warehouse' || actor.startsWith('warehouse:'))
    return name ? `${name} (warehouse)` : 'the warehouse';
  return name ?? actor;
}

/** What the view of an order from before the timeline still says of its steps. */
function recalled(view: OrderView): OrderTimeline['events'] {
  const events: OrderTimeline['events'] = [
    { at: view.placedAt, kind: 'placed', actor: `customer:${view.customerId}`, detail: 'Placed' },
  ];
  for (const a of view.acceptance?.authorizations ?? []) {
    events.push({
      at: a.decidedAt,
      kind: 'authorization',
      actor: a.managerId,
      detail: `${a.approved ? 'Approved' : 'Refused'} the order${a.note ? `: ${a.note}` : ''}`,
    });
  }
  if (view.cancellation) {
    events.push({
      at: view.cancellation.requestedAt,
      kind: 'cancel_requested',
      actor: view.cancellation.requestedBy,
      detail: `Cancel requested${view.cancellation.reason ? `: ${view.cancellation.reason}` : ''}`,
    });
  }
  events.push({ at: view.updatedAt, kind: 'status', detail: `Status: ${statusWords(view.status)}` });
  return events.sort((a, b) => a.at.localeCompare(b.at));
}
