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
import { condition, getExternalWorkflowHandle, patched } from '@temporalio/workflow';
import {
  customerIdFor,
  type LapseReason,
  type Registration,
  type RegistrationView,
} from '../../domain/registration';
import { describe } from '../process-context';
import { loadRegistrationSettings, RegistrationContext, store } from './context';
import { listen, offerLink, waiting, type Inbox } from './inbox';
import {
  closeRegistrationSignal,
  registrationWorkflowId,
  type LinkOpened,
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
