/**
 * A forgotten password (domain/password-reset.ts), as a saga like a registration's:
 *
 *  1. Open: the store opens a reset for the address's customer, replacing their pending ones (each
 *     is told, and ends `Replaced`). No customer: `NoAccount`, nothing sent, nothing kept.
 *  2. The link: emailed once, working for PASSWORD_RESET_WITHIN.
 *  3. Used (the API changed the password through the link, in one transaction with ending the
 *     customer's sessions): `Completed`, and the customer is told by email. Not used by then, or
 *     replaced: the store ends it; a link used at the last moment still counts as used.
 *
 * Workflow code: deterministic, no I/O of its own.
 */
import { condition, getExternalWorkflowHandle, proxyActivities, setHandler } from '@temporalio/workflow';
import type { PasswordResetActivities } from '../../activities/password-reset';
import type { PasswordResetStatus, PasswordResetView } from '../../domain/password-reset';
import { INTERACTIVE } from '../../domain/priorities';
import { formatTime } from '../../domain/words';
import { DELIVERIES, OWN_STORE } from '../retry-policies';
import {
  passwordResetReplacedSignal,
  passwordResetStatusQuery,
  passwordResetUsedSignal,
  passwordResetWorkflowId,
  type PasswordResetInput,
} from './messages';

const store = proxyActivities<PasswordResetActivities>({
  startToCloseTimeout: '30s',
  retry: OWN_STORE,
  priority: INTERACTIVE,
});

const deliveries = proxyActivities<PasswordResetActivities>({
  startToCloseTimeout: '30s',
  retry: DELIVERIES,
  priority: INTERACTIVE,
});

export async function passwordResetWorkflow(input: PasswordResetInput): Promise<PasswordResetView> {
  const { resetId, requestedAt } = input;
  const expiresAt = new Date(Date.parse(requestedAt) + input.withinMs).toISOString();
  const view: PasswordResetView = {
    resetId,
    status: 'PendingReset',
    requestedAt,
    updatedAt: requestedAt,
    timeline: [],
  };
  let used = false;
  let replaced = false;
  setHandler(passwordResetStatusQuery, () => view);
  setHandler(passwordResetUsedSignal, () => void (used = true));
  setHandler(passwordResetReplacedSignal, () => void (replaced = true));
  const now = () => new Date(Date.now()).toISOString();
  const note = (kind: string, detail: string) => view.timeline.push({ at: now(), kind, detail });
  const become = (status: PasswordResetStatus) => {
    view.status = status;
    view.updatedAt = now();
    if (status !== 'PendingReset') delete view.expiresAt;
  };

  const opened = await store.openPasswordReset({ resetId, email: input.email, at: requestedAt, expiresAt });
  if (!opened) {
    // Nothing of a stranger's address is kept: not in the view, not in the store.
    become('NoAccount');
    note('status', 'No customer has this address: nothing sent');
    return view;
  }
  if (opened.limited) {
    // Links went to this customer lately: none more now (nothing of the address kept here either).
    become('Limited');
    note('status', 'Links went to this customer within the limits: nothing sent');
    return view;
  }
  const { customer } = opened;
  for (const other of opened.replaced) {
    // Ended already, or never started: the store has it replaced all the same.
    await getExternalWorkflowHandle(passwordResetWorkflowId(other))
      .signal(passwordResetReplacedSignal)
      .catch(() => undefined);
  }
  Object.assign(view, { customerId: customer.customerId, email: customer.email, expiresAt });
  note('requested', 'A new password asked for');
  const sent = await deliveries.sendPasswordResetLink({
    resetId,
    to: customer.email,
    name: customer.name,
    expiresAt,
  });
  // `undefined` in histories from before it answered: it had sent.
  if (sent === false) note('link', 'No link sent: a newer ask had replaced this one');
  else note('link', `Link sent, working until ${formatTime(expiresAt)}`);
  await store.recordPasswordResetView(view);

  const left = Math.max(0, Date.parse(expiresAt) - Date.now());
  await condition(() => used || replaced, left);
  const ended = used ? 'Completed' : await store.endPasswordReset({ resetId });
  become(ended);
  if (ended === 'Completed') {
    note('status', 'New password set; every session of the customer ended');
    await deliveries.sendPasswordChanged({ resetId, to: customer.email, name: customer.name });
    note('email', 'Told the customer their password changed');
  } else if (ended === 'Replaced') note('status', 'Replaced by a newer ask: this link no longer works');
  else note('status', 'Expired: the link was not used in time');
  await store.recordPasswordResetView(view);
  return view;
}
