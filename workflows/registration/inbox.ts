/**
 * What a registration hears: the link's form sent (an update, or a signal when no worker answered
 * in time), a close, a fresh link asked for, its view; and the refusals those messages can meet.
 * The handlers only take the messages in; the main story (workflow.ts) acts on them.
 */
import { condition, setHandler } from '@temporalio/workflow';
import {
  linkRefusal,
  linkRefusalWords,
  type LinkClaim,
  type LinkRefusal,
  type RegistrationView,
} from '../../domain/registration';
import { refusal } from '../refusal';
import { store, type RegistrationContext } from './context';
import {
  closeRegistrationSignal,
  confirmRegistrationSignal,
  confirmRegistrationUpdate,
  registrationStatusQuery,
  resendLinkUpdate,
  type LinkOpened,
  type LinkRequest,
  type RegistrationClosed,
} from './messages';

/** What the registration has heard and not yet acted on. */
export interface Inbox {
  opened?: LinkOpened;
  closed?: RegistrationClosed['reason'];
  /** A link's place is being asked for: the next waits, so two never claim the same link number. */
  offering?: boolean;
}

export const waiting = (view: RegistrationView, inbox: Inbox): boolean =>
  view.status === 'PendingConfirmation' && !inbox.opened && !inbox.closed;

/** The process's messages: the link opened (an update, or a signal when no worker answered in time), closed, a fresh link, its view. */
export function listen(ctx: RegistrationContext, byAddress: boolean): Inbox {
  const inbox: Inbox = {};
  const { view } = ctx;
  const take = (opened: LinkOpened): void => {
    if (waiting(view, inbox) && opened.linkNumber === view.linksSent) inbox.opened = opened;
  };
  setHandler(registrationStatusQuery, () => view);
  setHandler(confirmRegistrationSignal, take);
  setHandler(closeRegistrationSignal, ({ reason }) => {
    if (waiting(view, inbox)) inbox.closed = reason;
  });
  setHandler(
    confirmRegistrationUpdate,
    async (opened) => {
      take(opened);
      await condition(() => view.status !== 'PendingConfirmation');
      return view;
    },
    { validator: (opened: LinkOpened) => refuseLink(view, inbox, opened) },
  );
  setHandler(
    resendLinkUpdate,
    async (request) => {
      if (byAddress) refuseClaim(view, await offerLink(ctx, inbox, request.by));
      else ctx.sendLink(request.by);
      ctx.record();
      return view;
    },
    { validator: (_request: LinkRequest) => refuseFreshLink(view, inbox) },
  );
  return inbox;
}

/** A link opened too late, closed, or replaced by a newer one; a second click on a confirmed one is answered as it is. */
function refuseLink(view: RegistrationView, inbox: Inbox, opened: LinkOpened): void {
  if (view.status === 'Confirmed') return;
  if (view.status === 'Lapsed' || inbox.closed || Date.now() >= Date.parse(view.confirmBy)) {
    throw refusal('conflict', 'the registration has lapsed: register again', {
      reason: 'lapsed',
      status: view.status,
    });
  }
  if (opened.linkNumber !== view.linksSent) {
    throw refusal('conflict', 'a newer link replaced this one: open the latest email', {
      reason: 'link_replaced',
      status: view.status,
    });
  }
}

/** A fresh link for a registration that waits for none, or sooner than LINK_LIMITS allow after its own links. */
function refuseFreshLink(view: RegistrationView, inbox: Inbox): void {
  if (!waiting(view, inbox)) {
    throw refusal('conflict', `the registration is ${view.status}: it waits for no link`, {
      reason: 'not_pending',
      status: view.status,
    });
  }
  const limited = linkRefusal(view.linkSentAt, Date.now());
  if (limited) throw limitedRefusal(view, limited);
}

/** The address's limits refused the link (another sign-up of the address sent one), or the registration stopped waiting meanwhile. */
function refuseClaim(view: RegistrationView, claim: LinkClaim): void {
  if (claim.granted) return;
  if (claim.reason === 'not_pending') {
    throw refusal('conflict', `the registration is ${view.status}: it waits for no link`, {
      reason: 'not_pending',
      status: view.status,
    });
  }
  throw limitedRefusal(view, claim);
}

function limitedRefusal(view: RegistrationView, limited: LinkRefusal): Error {
  const { message, retryAfterSeconds } = linkRefusalWords(limited);
  return refusal('limited', message, { reason: limited.reason, status: view.status, retryAfterSeconds });
}

/**
 * A link, if the address's limits allow one now: its place is taken in the store (the limits count
 * every sign-up of the address), then it is sent. One claim at a time, so each has its own number.
 */
export async function offerLink(ctx: RegistrationContext, inbox: Inbox, by?: string): Promise<LinkClaim> {
  const { view, registration } = ctx;
  await condition(() => !inbox.offering);
  inbox.offering = true;
  try {
    const claim = await store.claimConfirmationLink({
      registrationId: registration.registrationId,
      linkNumber: view.linksSent + 1,
      at: ctx.now(),
    });
    if (!claim.granted) return claim;
    if (!waiting(view, inbox)) return { granted: false, reason: 'not_pending', retryAfterMs: 0 };
    ctx.sendLink(by);
    return claim;
  } finally {
    inbox.offering = false;
  }
}
