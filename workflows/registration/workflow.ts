/**
 * A customer's registration, the user-management saga of Udi Dahan's "Asynchronous Systems
 * Architecture for the Web" (docs/processes.md, "Registration"):
 *
 *  1. The API has stored the address and the password's hash; the process emails a link that
 *     works once, until REGISTRATION_CONFIRM_WITHIN from now.
 *  2. It waits for the link to be opened. A fresh link (asked for by the customer, by support, or
 *     by registering again) replaces the earlier ones and moves the deadline.
 *  3. Opened in time: the customer is written, `customer.registered` published, a welcome emailed.
 *  4. Not opened: the registration lapses; nothing is written, the address is free again.
 *
 * The workflow never holds the password, its hash or a link's token: the store keeps them.
 */
import { condition, setHandler } from '@temporalio/workflow';
import {
  customerIdFor,
  linkRefusal,
  type Registration,
  type RegistrationView,
} from '../../domain/registration';
import { refusal } from '../refusal';
import { describe } from '../process-context';
import { loadRegistrationSettings, RegistrationContext, store } from './context';
import {
  confirmRegistrationSignal,
  confirmRegistrationUpdate,
  registrationStatusQuery,
  resendLinkUpdate,
  type LinkOpened,
  type LinkRequest,
} from './messages';

export async function registrationWorkflow(registration: Registration): Promise<RegistrationView> {
  const settings = await loadRegistrationSettings();
  const ctx = new RegistrationContext(registration, settings);
  const inbox = listen(ctx);
  ctx.sendLink();
  ctx.setStatus('PendingConfirmation');
  const opened = await linkOpenedInTime(ctx, inbox);
  if (opened) await confirm(ctx, opened);
  else await lapse(ctx, 'no link was opened in time');
  return ctx.finish();
}

/** What the registration has heard and not yet acted on. */
interface Inbox {
  opened?: LinkOpened;
}

/** The process's messages: the link opened (an update, or a signal when no worker answered in time), a fresh link, its view. */
function listen(ctx: RegistrationContext): Inbox {
  const inbox: Inbox = {};
  const { view } = ctx;
  const take = (opened: LinkOpened): void => {
    if (view.status === 'PendingConfirmation' && !inbox.opened && opened.linkNumber === view.linksSent) {
      inbox.opened = opened;
    }
  };
  setHandler(registrationStatusQuery, () => view);
  setHandler(confirmRegistrationSignal, take);
  setHandler(
    confirmRegistrationUpdate,
    async (opened) => {
      take(opened);
      await condition(() => view.status !== 'PendingConfirmation');
      return view;
    },
    { validator: (opened: LinkOpened) => refuseLink(view, opened) },
  );
  setHandler(
    resendLinkUpdate,
    (request) => {
      ctx.sendLink(request.by);
      ctx.record();
      return view;
    },
    { validator: (_request: LinkRequest) => refuseFreshLink(view, inbox) },
  );
  return inbox;
}

/** A link opened too late or replaced by a newer one; a second click on a confirmed one is answered as it is. */
function refuseLink(view: RegistrationView, opened: LinkOpened): void {
  if (view.status === 'Confirmed') return;
  if (view.status === 'Lapsed' || Date.now() >= Date.parse(view.confirmBy)) {
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

/** A fresh link for a registration that waits for none, or sooner than LINK_LIMITS allow. */
function refuseFreshLink(view: RegistrationView, inbox: Inbox): void {
  if (view.status !== 'PendingConfirmation' || inbox.opened) {
    throw refusal('conflict', `the registration is ${view.status}: it waits for no link`, {
      reason: 'not_pending',
      status: view.status,
    });
  }
  const limited = linkRefusal(view.linkSentAt, Date.now());
  if (!limited) return;
  const retryAfterSeconds = Math.ceil(limited.retryAfterMs / 1000);
  throw refusal(
    'limited',
    limited.reason === 'too_soon'
      ? `a link went out less than a minute ago; ask again in ${retryAfterSeconds} s`
      : `links went out too often this hour; ask again in ${Math.ceil(retryAfterSeconds / 60)} min`,
    { reason: limited.reason, status: view.status, retryAfterSeconds },
  );
}

/** Waits for the current link to be opened; each fresh link moves the deadline. Undefined: none was in time. */
async function linkOpenedInTime(ctx: RegistrationContext, inbox: Inbox): Promise<LinkOpened | undefined> {
  const { view } = ctx;
  for (;;) {
    ctx.explain(`waiting for the link to be opened, until ${view.confirmBy}`);
    const remaining = Date.parse(view.confirmBy) - Date.now();
    if (remaining <= 0) return inbox.opened;
    const links = view.linksSent;
    await condition(() => inbox.opened !== undefined || view.linksSent !== links, remaining);
    if (inbox.opened) return inbox.opened;
  }
}

/** The link was opened: the customer written, then announced and welcomed. */
async function confirm(ctx: RegistrationContext, opened: LinkOpened): Promise<void> {
  const { view, registration } = ctx;
  ctx.explain('the link was opened; writing the customer');
  ctx.note('link', `Link ${opened.linkNumber} opened`, 'customer');
  let customerId: string;
  try {
    ({ customerId } = await store.registerCustomer({
      registrationId: registration.registrationId,
      tokenHash: opened.tokenHash,
      customerId: customerIdFor(registration.registrationId),
    }));
  } catch (err) {
    await lapse(ctx, `the customer could not be written: ${describe(err)}`);
    return;
  }
  view.customerId = customerId;
  view.confirmedAt = ctx.now();
  ctx.setStatus('Confirmed');
  ctx.announce(customerId);
  ctx.welcome(customerId);
}

/** Nothing written; the address is free for a new registration. */
async function lapse(ctx: RegistrationContext, why: string): Promise<void> {
  ctx.explain(`lapsing: ${why}`);
  await store.lapseRegistration({ registrationId: ctx.registration.registrationId });
  ctx.view.lapsedAt = ctx.now();
  ctx.note('lapsed', `Lapsed: ${why}`);
  ctx.setStatus('Lapsed');
}
