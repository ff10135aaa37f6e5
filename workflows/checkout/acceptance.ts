/**
 * Order acceptance (DOMAIN.md §2), the checkout's second stage, run before anything is charged:
 * the remorse window as one durable timer, and for a large order the managers' authorization.
 * It ends `Accepted`, `Cancelled` or `Rejected`; the rules themselves live in domain/acceptance.ts.
 */
import { CancellationScope, condition, isCancellation, sleep } from '@temporalio/workflow';
import {
  acceptanceOutcome,
  AUTHORIZATION_REQUESTS,
  authorizationState,
  requiresAuthorization,
  type AcceptanceOutcome,
} from '../../domain/acceptance';
import type { AcceptanceRecord } from '../../domain/order';
import { deliveries, type OrderContext } from './order-context';

export async function acceptOrder(ctx: OrderContext): Promise<AcceptanceOutcome> {
  const { order, view, settings } = ctx;
  const acceptance: AcceptanceRecord = {
    remorseWindowEndsAt: ctx.after(settings.orderRemorseWindowMs),
    authorizationRequired: requiresAuthorization(order.total, settings.authorizationThreshold),
    authorizations: [],
  };
  view.acceptance = acceptance;
  ctx.note(
    'remorse_window',
    `Remorse window open until ${acceptance.remorseWindowEndsAt}` +
      (acceptance.authorizationRequired ? '; a manager must authorize this order' : ''),
  );
  ctx.setStatus('Received');
  ctx.publish('order.received', {
    customerId: order.customer.id,
    remorseWindowEndsAt: acceptance.remorseWindowEndsAt,
    authorizationRequired: acceptance.authorizationRequired,
  });
  if (acceptance.authorizationRequired) requestAuthorization(ctx, acceptance.remorseWindowEndsAt);

  // One timer for the whole window, so the history shows it as one "remorse window".
  let windowClosed = false;
  const windowScope = new CancellationScope();
  const windowTimer = windowScope
    .run(() => sleep(settings.orderRemorseWindowMs, { summary: 'remorse window' }))
    .then(
      () => {
        windowClosed = true;
      },
      (err: unknown) => {
        if (!isCancellation(err)) throw err;
      },
    );

  const authorization = () => authorizationState(acceptance.authorizationRequired, acceptance.authorizations);
  const explain = () =>
    ctx.explain(
      `remorse window until ${acceptance.remorseWindowEndsAt}` +
        (acceptance.authorizationRequired && authorization() === 'Pending'
          ? `; waiting for a manager's approval (${AUTHORIZATION_REQUESTS} requests sent)`
          : acceptance.authorizationRequired
            ? '; approved by a manager'
            : ''),
    );
  explain();
  let answers = acceptance.authorizations.length;
  for (;;) {
    await condition(
      () =>
        windowClosed ||
        view.cancellation !== undefined ||
        authorization() === 'Refused' ||
        (authorization() === 'Approved' && view.status === 'Received') ||
        acceptance.authorizations.length !== answers,
    );
    // Checked in this order, so a cancel that arrives with the timer's end wins the tie.
    if (view.cancellation || authorization() === 'Refused' || windowClosed) break;
    answers = acceptance.authorizations.length;
    if (authorization() === 'Approved' && view.status === 'Received') {
      ctx.setStatus('Authorized');
      explain();
    } else {
      // A "no" that does not settle it: the managers' inbox shows who has answered.
      ctx.record();
    }
  }
  if (!windowClosed) windowScope.cancel();
  await windowTimer;

  const outcome = acceptanceOutcome(view.cancellation !== undefined, authorization());
  acceptance.outcome = outcome;
  acceptance.decidedAt = ctx.now();
  if (outcome === 'Rejected') {
    acceptance.rejectionReason =
      authorization() === 'Refused'
        ? 'every authorization request was answered "no"'
        : 'no manager approved the order before the remorse window closed';
  }
  return outcome;
}

/** The two requests of a large order: an email to the managers and an event for their tools. */
function requestAuthorization(ctx: OrderContext, answerBy: string): void {
  const { order } = ctx;
  ctx.deliver('email:authorization_request', () =>
    deliveries.requestManagerAuthorization({
      orderId: order.orderId,
      messageKey: `${order.orderId}:authorization-request`,
      total: order.total,
      currency: order.currency,
      customerId: order.customer.id,
      items: order.items,
      answerBy,
    }),
  );
  ctx.publish('order.authorization_requested', {
    customerId: order.customer.id,
    items: order.items,
    answerBy,
  });
}
