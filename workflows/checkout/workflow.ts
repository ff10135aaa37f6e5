/**
 * The checkout process with order acceptance as its second stage (docs/processes.md, "Checkout"):
 *
 *  1. Save the order (idempotent on the order id).
 *  2. Accept it: the remorse window and, for a large order, a manager's approval (acceptance.ts).
 *  3. Take the payment with Stripe; a decline or an unconfirmed charge waits for support (payment.ts).
 *  4. Tell downstream and the customer that it is paid.
 *  5–7. Follow it through shipment, the return window and a cancellation's returned goods, refunding
 *     as the only real undo (fulfilment.ts, refund.ts).
 *
 * Every side effect is an activity; these files only decide what happens next, so they replay
 * deterministically. Acceptance is a stage of this workflow rather than a child workflow: one order
 * is one history and one state machine, "cancel" is one signal whatever the stage, and the Temporal
 * UI shows the whole story of an order under its id (`order-<id>`), with the `OrderStatus` search
 * attribute saying where it is.
 */
import { SETTINGS_READ } from '../retry-policies';
import { patched, proxyLocalActivities } from '@temporalio/workflow';
import type { CheckoutActivities } from '../../activities/checkout/types';
import { formatMoney, plural } from '../../domain/words';
import { placedOrderView, type OrderView, type PlacedOrder } from '../../domain/checkout';
import { note } from '../process-context';
import { acceptOrder } from './acceptance';
import { fulfil } from './fulfilment';
import { listen } from './inbox';
import type { CheckoutInput } from './messages';
import { BACK_OFFICE_PATCH, LEAN_CHECKOUT_PATCH, OrderContext, store } from './context';
import { takePayment } from './payment';

export { PAYMENT_OUTCOMES_PATCH } from './payment';
export { LEAN_CHECKOUT_PATCH } from './context';

/**
 * Orders started before acceptance existed go straight from saving to payment, complete after the
 * return window whatever happens, and keep no search attribute; `patched` keeps them replaying.
 * Remove the old path with `deprecatePatch` once no such order is open.
 */
export const ORDER_ACCEPTANCE_PATCH = 'order-acceptance';

/** The worker's settings, for an order started without those it was placed under (CheckoutInput). */
const { loadCheckoutSettings } = proxyLocalActivities<CheckoutActivities>({
  startToCloseTimeout: '10s',
  retry: SETTINGS_READ,
});

export async function checkoutWorkflow(input: CheckoutInput): Promise<OrderView> {
  // The revision the order started on (CHECKOUT_REVISION); orders started before revisions are 1.
  // The settings it was placed under, when the API sent them (see CheckoutInput).
  const { revision = 1, settings: placedUnder, ...order } = input;
  // One marker for a lean order instead of the three before it (each is also an upsert).
  const lean = patched(LEAN_CHECKOUT_PATCH);
  const withAcceptance = lean || patched(ORDER_ACCEPTANCE_PATCH);
  const backOffice = lean || patched(BACK_OFFICE_PATCH);
  const view = newView(order);
  const inbox = listen(view);
  const settings = placedUnder ?? (await loadCheckoutSettings());
  const ctx = new OrderContext(order, settings, view, inbox, withAcceptance, backOffice, lean, revision);

  // 1. Save the order (a lean order's first status record saves it).
  if (!lean) await store.saveOrder(order);

  // 2. Acceptance. Nothing has been charged and nothing downstream has seen the order as accepted
  //    before this ends.
  if (withAcceptance) {
    const outcome = await acceptOrder(ctx);
    if (outcome === 'Cancelled') return cancel(ctx, false);
    if (outcome === 'Rejected') return reject(ctx);
    ctx.setStatus('Accepted');
    ctx.publish('order.accepted', { customerId: order.customer.id });
  } else {
    ctx.publish('order.received', { customerId: order.customer.id });
  }

  // 3. Payment. From here on a cancel is always accepted; what it means depends on where the order is.
  const payment = await takePayment(ctx, view.status);
  if (payment !== 'paid') return cancel(ctx, payment === 'unresolved');

  // 4. Paid: the event and the email, independently of each other.
  ctx.setStatus('Paid');
  ctx.publish('order.paid', { paymentIntentId: view.payment?.paymentIntentId });
  ctx.emailCustomer('order_confirmation');
  ctx.explain('waiting for the warehouse to ship');

  // 5–7. Shipment, the return window, a cancellation's returned goods and the refund.
  return fulfil(ctx);
}

function newView(order: PlacedOrder): OrderView {
  const view = placedOrderView(order, 'Received', new Date().toISOString());
  note(
    view,
    'placed',
    `Placed: ${plural(order.items.length, 'line')}, ${formatMoney(order.total, order.currency)}`,
    `customer:${order.customer.id}`,
    order.placedAt,
  );
  return view;
}

function cancel(ctx: OrderContext, unresolvedPayment: boolean): Promise<OrderView> {
  const { cancellation } = ctx.view;
  ctx.setStatus('Cancelled');
  ctx.publish('order.cancelled', { reason: cancellation?.reason, requestedBy: cancellation?.requestedBy });
  ctx.emailCustomer(unresolvedPayment ? 'payment_cancelled_unresolved' : 'order_cancelled', {
    reason: cancellation?.reason,
  });
  return ctx.finish();
}

function reject(ctx: OrderContext): Promise<OrderView> {
  const reason = ctx.view.acceptance?.rejectionReason;
  ctx.note('rejected', `Rejected: ${reason ?? 'not authorized'}`);
  ctx.setStatus('Rejected');
  ctx.publish('order.rejected', { reason });
  ctx.emailCustomer('order_rejected');
  return ctx.finish();
}
