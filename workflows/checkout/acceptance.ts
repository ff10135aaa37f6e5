/**
 * Order acceptance (docs/processes.md, "Checkout and order acceptance"), the checkout's second stage, run before anything is charged:
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
import type { AcceptanceRecord } from '../../domain/checkout';
import type { OrderContext } from './context';
import { formatTime } from '../../domain/words';

export async function acceptOrder(ctx: OrderContext): Promise<AcceptanceOutcome> {
  const closedAtOnce = ctx.lean && ctx.settings.orderRemorseWindowMs === 0;
  // Revision 2: a window closed at once is decided in this same workflow task, so the store's first
  // record is the decision (the API stored the order as Received already).
  const acceptance = openAcceptance(ctx, { record: !(closedAtOnce && ctx.revision >= 2) });
  const window = closedAtOnce
    ? closedWindow // no timer for a window that is closed when it opens
    : remorseWindow(ctx.settings.orderRemorseWindowMs);
  await untilDecided(ctx, acceptance, window);
  await window.close();
  const authorization = authorizationState(acceptance.authorizationRequired, acceptance.authorizations);
  const outcome = acceptanceOutcome(ctx.view.cancellation !== undefined, authorization);
  acceptance.outcome = outcome;
  acceptance.decidedAt = ctx.now();
  if (outcome === 'Rejected') {
    acceptance.rejectionReason =
      authorization === 'Refused'
        ? 'every authorization request was answered "no"'
        : 'no manager approved the order before the remorse window closed';
  }
  return outcome;
}

/** The order is Received: its remorse window opens and, for a large order, the managers are asked. */
function openAcceptance(ctx: OrderContext, { record }: { record: boolean }): AcceptanceRecord {
  const { order, view, settings } = ctx;
  const acceptance: AcceptanceRecord = {
    remorseWindowEndsAt: ctx.after(settings.orderRemorseWindowMs),
    authorizationRequired: requiresAuthorization(order.total, settings.authorizationThreshold),
    authorizations: [],
  };
  view.acceptance = acceptance;
  ctx.note(
    'remorse_window',
    `Remorse window open until ${formatTime(acceptance.remorseWindowEndsAt)}` +
      (acceptance.authorizationRequired ? '; a manager must authorize this order' : ''),
  );
  ctx.setStatus('Received', { record });
  ctx.publish('order.received', {
    customerId: order.customer.id,
    remorseWindowEndsAt: acceptance.remorseWindowEndsAt,
    authorizationRequired: acceptance.authorizationRequired,
  });
  if (acceptance.authorizationRequired) requestAuthorization(ctx, acceptance.remorseWindowEndsAt);
  return acceptance;
}

const closedWindow = { closed: () => true, close: () => Promise.resolve() };

/** One timer for the whole window, so the history shows it as one "remorse window". */
function remorseWindow(ms: number): { closed(): boolean; close(): Promise<void> } {
  let closed = false;
  const scope = new CancellationScope();
  const timer = scope
    .run(() => sleep(ms, { summary: 'remorse window' }))
    .then(
      () => {
        closed = true;
      },
      (err: unknown) => {
        if (!isCancellation(err)) throw err;
      },
    );
  return {
    closed: () => closed,
    close: async () => {
      if (!closed) scope.cancel();
      await timer;
    },
  };
}

/**
 * Waits for the window to close, a cancel, or the managers' answers: an approval makes the order
 * Authorized (it is still cancellable until the window closes), a "no" that does not settle it is
 * recorded for the managers' inbox.
 */
async function untilDecided(
  ctx: OrderContext,
  acceptance: AcceptanceRecord,
  window: { closed(): boolean },
): Promise<void> {
  const { view } = ctx;
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
        window.closed() ||
        view.cancellation !== undefined ||
        authorization() === 'Refused' ||
        (authorization() === 'Approved' && view.status === 'Received') ||
        acceptance.authorizations.length !== answers,
    );
    // Checked in this order, so a cancel that arrives with the timer's end wins the tie.
    if (view.cancellation || authorization() === 'Refused' || window.closed()) return;
    answers = acceptance.authorizations.length;
    if (authorization() === 'Approved' && view.status === 'Received') {
      ctx.setStatus('Authorized');
      explain();
    } else {
      // A "no" that does not settle it: the managers' inbox shows who has answered.
      ctx.record();
    }
  }
}

/** The two requests of a large order: an email to the managers and an event for their tools. */
function requestAuthorization(ctx: OrderContext, answerBy: string): void {
  const { order } = ctx;
  ctx.deliver('email:authorization_request', (untilAlert) =>
    ctx.courier(untilAlert).requestManagerAuthorization({
      orderId: order.orderId,
      messageKey: `${order.orderId}:authorization-request`,
      total: order.total,
      currency: order.currency,
      customerId: order.customer.id,
      ...(order.customer.name !== undefined ? { customerName: order.customer.name } : {}),
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
