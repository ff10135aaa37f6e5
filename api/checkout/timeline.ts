/**
 * An order's steps in words, oldest first: the process keeps them as it goes (its view's
 * timeline); for an order whose stored view predates the timeline, what its view still says.
 */
import type { OrderView } from '../../domain/checkout';
import type { OrderTimeline } from './contract';

/**
 * The order's steps, oldest first: the process keeps them; for an order whose stored view predates
 * the timeline, what its view still says (placed, the answers, the cancellation, the status).
 */
export function checkoutTimelineOf(view: OrderView): OrderTimeline['events'] {
  if (view.timeline?.length) return view.timeline.map((e) => ({ ...e }));
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
  events.push({ at: view.updatedAt, kind: 'status', detail: `The order is ${view.status}` });
  return events.sort((a, b) => a.at.localeCompare(b.at));
}
