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
export function checkoutTimelineOf(view: OrderView): OrderTimeline['events'] {
  if (view.timeline?.length) return view.timeline.map((e) => named({ ...e }, view));
  return recalled(view).map((e) => named(e, view));
}

/** Who acted, in words: the customer by name, the warehouse, the shop itself; a person's id as it is. */
export function actorName(actor: string, view: Pick<OrderView, 'customerName'>): string {
  if (actor.startsWith('customer:')) return view.customerName ?? 'the customer';
  if (actor === 'warehouse' || actor.startsWith('warehouse:')) return 'the warehouse';
  if (actor === 'system') return 'the shop, on its own';
  if (actor.startsWith('support:')) return `support (${actor.slice('support:'.length)})`;
  if (actor.startsWith('storefront:')) return 'the storefront';
  return actor;
}

function named(event: OrderTimeline['events'][number], view: OrderView): OrderTimeline['events'][number] {
  return event.actor ? { ...event, actorName: actorName(event.actor, view) } : { ...event };
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
