/**
 * A customer's registration, the user-management saga of Udi Dahan's "Asynchronous Systems
 * Architecture for the Web" (docs/processes.md, "Registration"):
 *
 *  1. The API has stored the address and the password's hash of this sign-up (each sign-up is its
 *     own registration); the process emails a link that works once, until
 *     REGISTRATION_CONFIRM_WITHIN from now, if the address's link limits allow one now.
 *  2. It waits for the link to be opened with this sign-up's password. A fresh link (asked for by
 *     the customer or by support) replaces the earlier ones and moves the deadline.
 *  3. Confirmed in time: the customer is written, `customer.registered` published, a welcome
 *     emailed, and the address's other pending sign-ups told to close.
 *  4. Not confirmed in time, or closed: the registration lapses; nothing is written, and
 *     everything personal of it is erased (the store's rows, this process's view).
 *
 * The workflow never holds the password, its hash or a link's token: the store keeps them.
 */
import { condition, getExternalWorkflowHandle, patched, setHandler } from '@temporalio/workflow';
import {
  customerIdFor,
  linkRefusal,
  linkRefusalWords,
  type LapseReason,
  type LinkClaim,
  type LinkRefusal,
  type Registration,
  type RegistrationView,
} from '../../domain/registration';
import { refusal } from '../refusal';
import { describe } from '../process-context';
import { loadRegistrationSettings, RegistrationContext, store } from './context';
import {
  closeRegistrationSignal,
  confirmRegistrationSignal,
  confirmRegistrationUpdate,
  registrationStatusQuery,
  registrationWorkflowId,
  resendLinkUpdate,
  type LinkOpened,
  type LinkRequest,
  type RegistrationClosed,
} from './messages';

/**
 * Each sign-up its own registration: every link takes a place under its address's limits first
 * (`claimConfirmationLink`), so sign-ups of one address send at most one link a minute and four an
 * hour between them. Histories without this marker (started before) send their first link
 * without asking, as they did.
 */
export const LINKS_BY_ADDRESS_PATCH = 'registration-links-by-address';

export async function registrationWorkflow(registration: Registration): Promise<RegistrationView> {
  const settings = await loadRegistrationSettings();
  const ctx = new RegistrationContext(registration, settings);
  const byAddress = patched(LINKS_BY_ADDRESS_PATCH);
  const inbox = listen(ctx, byAddress);
  if (byAddress) await firstLink(ctx, inbox);
  else ctx.sendLink();
  ctx.setStatus('PendingConfirmation');
  await outcomeInTime(ctx, inbox);
  if (inbox.opened) await confirm(ctx, inbox.opened);
  else if (inbox.closed) await lapse(ctx, inbox.closed, closedBecause(inbox.closed));
  else await lapse(ctx, 'not_confirmed_in_time', 'no link was opened in time');
  return ctx.finish();
}

/** What the registration has heard and not yet acted on. */
interface Inbox {
  opened?: LinkOpened;
  closed?: RegistrationClosed['reason'];
  /** A link's place is being asked for: the next waits, so two never claim the same link number. */
  offering?: boolean;
}

const waiting = (view: RegistrationView, inbox: Inbox): boolean =>
  view.status === 'PendingConfirmation' && !inbox.opened && !inbox.closed;

/** The process's messages: the link opened (an update, or a signal when no worker answered in time), closed, a fresh link, its view. */
function listen(ctx: RegistrationContext, byAddress: boolean): Inbox {
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
async function offerLink(ctx: RegistrationContext, inbox: Inbox, by?: string): Promise<LinkClaim> {
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

/**
 * The sign-up's first link, when the address's limits allow it: another sign-up of the address may
 * have had one within the minute. Then none goes now (a fresh one may be asked for later), and the
 * registration waits REGISTRATION_CONFIRM_WITHIN from now all the same.
 */
async function firstLink(ctx: RegistrationContext, inbox: Inbox): Promise<void> {
  const claim = await offerLink(ctx, inbox);
  if (claim.granted || claim.reason === 'not_pending') return;
  ctx.view.confirmBy = ctx.after(ctx.settings.confirmWithinMs);
  const from = ctx.after(claim.retryAfterMs);
  ctx.note(
    'link',
    `No link sent now: the address's limit (one a minute, four an hour) was reached; a fresh link may be asked for from ${from}`,
  );
}

/** Waits for the current link to be opened, or the registration closed; each fresh link moves the deadline. */
async function outcomeInTime(ctx: RegistrationContext, inbox: Inbox): Promise<void> {
  const { view } = ctx;
  for (;;) {
    ctx.explain(`waiting for the link to be opened, until ${view.confirmBy}`);
    const remaining = Date.parse(view.confirmBy) - Date.now();
    if (remaining <= 0) return;
    const links = view.linksSent;
    await condition(() => !waiting(view, inbox) || view.linksSent !== links, remaining);
    if (inbox.opened || inbox.closed) return;
  }
}

/** The link was opened: the customer written, then announced and welcomed; the address's other sign-ups lost. */
async function confirm(ctx: RegistrationContext, opened: LinkOpened): Promise<void> {
  const { view, registration } = ctx;
  ctx.explain('the link was opened; writing the customer');
  ctx.note('link', `Link ${opened.linkNumber} opened`, 'customer');
  let written: Awaited<ReturnType<typeof store.registerCustomer>>;
  try {
    written = await store.registerCustomer({
      registrationId: registration.registrationId,
      tokenHash: opened.tokenHash,
      customerId: customerIdFor(registration.registrationId),
    });
  } catch (err) {
    await lapse(ctx, 'address_taken', `the customer could not be written: ${describe(err)}`);
    return;
  }
  const { customerId } = written;
  view.customerId = customerId;
  view.confirmedAt = ctx.now();
  ctx.setStatus('Confirmed');
  ctx.announce(customerId);
  ctx.welcome(customerId);
  for (const other of written.others ?? []) closeOther(ctx, other);
}

/** Another pending sign-up of the address lost: it lapses now instead of at its deadline (one already ended is left as it is). */
function closeOther(ctx: RegistrationContext, registrationId: string): void {
  const other = getExternalWorkflowHandle(registrationWorkflowId(registrationId));
  ctx.inBackground(other.signal(closeRegistrationSignal, { reason: 'address_taken' }).catch(() => undefined));
}

function closedBecause(reason: RegistrationClosed['reason']): string {
  return reason === 'address_taken'
    ? 'another sign-up of the address was confirmed'
    : 'the password was tried wrong too often';
}

/** Nothing written; everything personal of the registration erased, in the store and in this process's view. */
async function lapse(ctx: RegistrationContext, reason: LapseReason, why: string): Promise<void> {
  ctx.explain(`lapsing: ${why}`);
  await store.lapseRegistration({ registrationId: ctx.registration.registrationId, reason });
  ctx.erase(reason);
  ctx.setStatus('Lapsed');
}
