/**
 * The emailed confirmation link, opened in the customer's browser without sign-in: a page in
 * words, never JSON and never a 5xx for a link that is unknown, used, replaced or expired.
 *
 * Opening the link confirms nothing: mail gateways (Safe Links and the like) and link previews
 * fetch links with GET, so GET (and HEAD) only show a form asking for the password chosen at
 * that sign-up. The form's POST confirms, when
 *  - it came from that page: a form check (an HMAC of the token's hash and when the page was
 *    made, under a key the store keeps) less than an hour old, and, when the browser says where
 *    it came from, `Sec-Fetch-Site: same-origin` and an Origin of this server (or `null`, which
 *    is what a no-referrer page's own form sends);
 *  - the password is the one chosen at that sign-up (scrypt, compared in constant time). Each
 *    registration's password is tried at most PASSWORD_TRIES (domain/registration.ts) times, right or wrong; the last
 *    wrong one closes the registration (it lapses, erased).
 * Whoever proves control of the mailbox (the link) must also prove the credentials, so a
 * stranger's sign-up for someone else's address confirms nothing of theirs. The registration's
 * process then decides (an update); when no worker answers in time the confirmation is left for
 * it as a signal and the page says so.
 */
import crypto from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { linkVerdict, type RegistrationView } from '../../domain/registration';
import type { ConfirmationLink, StoredRegistration } from '../../store';
import { tokenHash } from '../../store/registration-store';
import {
  closeRegistrationSignal,
  confirmRegistrationSignal,
  confirmRegistrationUpdate,
} from '../../workflows/registration/messages';
import { sameOrigin } from '../auth';
import { HttpError } from '../errors';
import { escapeHtml } from '../html';
import { askProcess } from '../updates';
import { openConfirmationLink, PASSWORD_LENGTH, sendConfirmationForm } from './contract';
import { handlePage, mount } from '../mount';
import { verifyPassword } from './passwords';
import { registrationAccess, type RegistrationDeps } from './routes';

/** What `newLinkToken` makes: 32 bytes, base64url. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** How long a page's form may be sent after the page was shown. */
export const FORM_VALID_MS = 60 * 60_000;

export interface Page {
  status: number;
  title: string;
  lines: string[];
  /** The password form, with its hidden fields. */
  form?: { token: string; check: string };
  /** Another page's own form (a forgotten password's), as HTML already escaped. */
  html?: string;
}

const PAGES = {
  form: (form: Page['form']): Page => ({
    status: 200,
    title: 'Confirm your email address',
    lines: [
      'To finish creating your account, enter the password you chose when you signed up.',
      'If you did not sign up, close this page: without the password nothing is created.',
    ],
    form,
  }),
  wrongPassword: (form: Page['form'], triesLeft: number): Page => ({
    status: 403,
    title: 'That is not the password',
    lines: [
      `The password does not match the one chosen at this sign-up. Try again: ${triesLeft} ${triesLeft === 1 ? 'try' : 'tries'} left.`,
      'If you did not sign up, close this page: without the password nothing is created.',
    ],
    form,
  }),
  notFromPage: (): Page => ({
    status: 403,
    title: 'Open the link from the email again',
    lines: [
      'This form did not come from our confirmation page, or the page was open too long. Open the link in the email again and enter your password there.',
    ],
  }),
  confirmed: (name: string | undefined): Page => ({
    status: 200,
    title: 'Your email address is confirmed',
    lines: [
      `Thank you${name ? `, ${name}` : ''}. Your account is ready: sign in with this address and your password.`,
      'A welcome email is on its way.',
    ],
  }),
  /** A used link: one-time, so refused (409), with the good news that the account is there. */
  alreadyConfirmed: (): Page => ({
    status: 409,
    title: 'Already confirmed',
    lines: [
      'This address was confirmed earlier; the account is ready. Sign in with your address and password.',
    ],
  }),
  pending: (): Page => ({
    status: 202,
    title: 'Confirming your address',
    lines: [
      'We have your confirmation and are finishing your account now.',
      'A welcome email will tell you when it is ready; you need not open the link again.',
    ],
  }),
  missing: (): Page => ({
    status: 400,
    title: 'This link is incomplete',
    lines: [
      'The address you opened is missing part of the link. Open the link from the email again, or copy all of it into the browser.',
    ],
  }),
  unknown: (): Page => ({
    status: 404,
    title: 'We do not know this link',
    lines: [
      'This link is not one we sent, part of it is missing, or its sign-up lapsed and nothing of it was kept. Open the link from the newest email we sent you, or register again.',
    ],
  }),
  replaced: (): Page => ({
    status: 410,
    title: 'This link was replaced',
    lines: [
      'We sent you a newer link since this one, and only the newest one works. Open the link in the most recent email from us.',
    ],
  }),
  expired: (): Page => ({
    status: 410,
    title: 'This link has expired',
    lines: [
      'The registration was not confirmed in time, so nothing was created. Register again to get a fresh link.',
    ],
  }),
  taken: (): Page => ({
    status: 410,
    title: 'This sign-up is closed',
    lines: [
      'The address was confirmed with another sign-up, so this one was closed and nothing of it was kept. Sign in with the address and the password of that sign-up.',
    ],
  }),
  closed: (): Page => ({
    status: 410,
    title: 'This sign-up is closed',
    lines: [
      'The password was entered wrong too many times, so nothing was created and nothing of this sign-up is kept. Register again to get a fresh link.',
    ],
  }),
};

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}' +
  'main{max-width:34rem;margin:12vh auto;padding:2rem 2.25rem;background:#fff;border-radius:12px;box-shadow:0 1px 3px #0002}' +
  'h1{font-size:1.5rem;margin:0 0 1rem}p{margin:.5rem 0}' +
  'form{margin-top:1.25rem;display:grid;gap:.5rem}label{font-weight:600}' +
  'input{font:inherit;padding:.55rem .7rem;border:1px solid #8a93a6;border-radius:8px}' +
  'button{font:inherit;font-weight:600;padding:.6rem 1rem;border:0;border-radius:8px;background:#1f5fd6;color:#fff;cursor:pointer;justify-self:start}';

function formHtml(form: NonNullable<Page['form']>): string {
  // A relative action: the page's own path with `confirm`, whatever prefix PUBLIC_URL has.
  return (
    '<form method="post" action="confirm">' +
    `<input type="hidden" name="token" value="${escapeHtml(form.token)}">` +
    `<input type="hidden" name="check" value="${escapeHtml(form.check)}">` +
    '<label for="password">Your password</label>' +
    `<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="${PASSWORD_LENGTH.max}" autofocus>` +
    '<button type="submit">Confirm my address</button>' +
    '</form>'
  );
}

export function render(res: Response, page: Page): void {
  // The token is in the URL and the form: keep them out of caches, referrers, frames and search engines.
  res
    .status(page.status)
    .set({
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'X-Robots-Tag': 'noindex',
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    })
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<title>${escapeHtml(page.title)}</title><style>${STYLE}</style></head><body><main><h1>${escapeHtml(page.title)}</h1>` +
        page.lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('') +
        (page.form ? formHtml(page.form) : '') +
        (page.html ?? '') +
        '</main></body></html>',
    );
}

/** The page's form check: when the page was made, and an HMAC of that and the token's hash. */
export function formCheck(key: Buffer, hash: string, madeAt: number): string {
  const mac = crypto
    .createHmac('sha256', key)
    .update(`registration-confirmation-form\n${hash}\n${madeAt}`)
    .digest('base64url');
  return `${madeAt}.${mac}`;
}

/** Whether `check` is one this server's page made for this token, less than FORM_VALID_MS ago. */
export function formCheckHolds(key: Buffer, hash: string, check: unknown, now: number): boolean {
  const match = typeof check === 'string' ? /^(\d{1,15})\.([\w-]{43})$/.exec(check) : null;
  if (!match) return false;
  const madeAt = Number(match[1]);
  if (now - madeAt > FORM_VALID_MS || madeAt - now > 60_000) return false;
  const expected = Buffer.from(formCheck(key, hash, madeAt));
  const sent = Buffer.from(check as string);
  return expected.length === sent.length && crypto.timingSafeEqual(expected, sent);
}

/**
 * When the browser says where the form came from: this server's own page. A page served with
 * `Referrer-Policy: no-referrer` sends its own forms with `Origin: null` (the Fetch standard), so
 * that says nothing; `Sec-Fetch-Site`, which the page cannot change, then does.
 */
export function fromThisSite(req: Request): boolean {
  const site = req.get('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') return false;
  return req.headers.origin === 'null' || sameOrigin(req);
}

/** A field of the form as sent once; anything else (absent, repeated) is undefined. */
export function field(req: Request, name: string): string | undefined {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

export function registrationLinkRouter(deps: RegistrationDeps): Router {
  const router = Router();
  const { client, registrations } = deps;
  const { handleFor } = registrationAccess(deps);

  /** The link's page before the process is asked: a dead link's page, or the live link and its registration. */
  async function liveLink(
    token: unknown,
  ): Promise<{ page: Page } | { hash: string; link: ConfirmationLink; stored: StoredRegistration }> {
    if (typeof token !== 'string' || !TOKEN.test(token)) return { page: PAGES.missing() };
    const hash = tokenHash(token);
    const link = await registrations.findLink(hash);
    const stored = link && (await registrations.getRegistration(link.registrationId));
    if (!link || !stored) return { page: PAGES.unknown() };
    const linksSent = Math.max(stored.view?.linksSent ?? 0, link.linkNumber);
    const verdict = linkVerdict(link, { status: stored.status, linksSent }, Date.now());
    if (verdict === 'already_confirmed') return { page: PAGES.alreadyConfirmed() };
    if (verdict === 'expired') return { page: PAGES.expired() };
    if (verdict === 'replaced') return { page: PAGES.replaced() };
    return { hash, link, stored };
  }

  const newForm = async (token: string, hash: string) => ({
    token,
    check: formCheck(await registrations.keyFor('confirmation-form'), hash, Date.now()),
  });

  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10, inflate: false });
  const readForm = (req: Request, res: Response, next: NextFunction): void =>
    form(req, res, (err?: unknown) => (err ? render(res, PAGES.missing()) : next()));

  mount(router, [
    // GET (and HEAD, which express answers from it without the body) changes nothing: a page.
    handlePage(openConfirmationLink, async ({ res, query }) => {
      const token = query?.token;
      const live = await liveLink(token);
      if ('page' in live) return render(res, live.page);
      render(res, PAGES.form(await newForm(token!, live.hash)));
    }),
    handlePage(sendConfirmationForm, async ({ req, res }) => render(res, await formSent(req)), [readForm]),
  ]);

  /** The link's form sent: the page that answers it. */
  async function formSent(req: Request): Promise<Page> {
    if (!fromThisSite(req)) return PAGES.notFromPage();
    const token = field(req, 'token');
    const live = await liveLink(token);
    if ('page' in live) return live.page;
    const key = await registrations.keyFor('confirmation-form');
    if (!formCheckHolds(key, live.hash, field(req, 'check'), Date.now())) {
      return PAGES.notFromPage();
    }
    const tried = await registrations.tryPassword(live.hash);
    if (tried.kind === 'unknown') return await endedPage(live.link.registrationId);
    if (tried.kind === 'closed') return await close(tried.registrationId);
    const password = field(req, 'password') ?? '';
    const right =
      password.length > 0 &&
      password.length <= PASSWORD_LENGTH.max &&
      (await verifyPassword(password, tried.passwordHash));
    if (!right) {
      if (tried.lastTry) return await close(tried.registrationId);
      return PAGES.wrongPassword(await newForm(token!, live.hash), tried.triesLeftAfter);
    }
    return confirmed(live.link, live.hash);
  }

  /** The password's last try was wrong: the registration is closed (its process lapses and erases it). */
  async function close(registrationId: string): Promise<Page> {
    try {
      await handleFor(registrationId).signal(closeRegistrationSignal, { reason: 'too_many_wrong_passwords' });
    } catch {
      // already ended, or Temporal unreachable: the store refuses every further try all the same,
      // and the registration lapses at its deadline
    }
    return PAGES.closed();
  }

  /** The right password: the process confirms, or is left the confirmation when no worker answers in time. */
  async function confirmed(link: ConfirmationLink, hash: string): Promise<Page> {
    const opened = { linkNumber: link.linkNumber, tokenHash: hash };
    const handle = handleFor(link.registrationId);
    try {
      const asked = await askProcess(client, handle, confirmRegistrationUpdate, opened);
      if (asked.kind === 'answered') return answeredPage(asked.view);
      if (asked.kind === 'no_answer') {
        await handle.signal(confirmRegistrationSignal, opened);
        return PAGES.pending();
      }
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      const reason = (err.details as { reason?: string } | undefined)?.reason;
      return reason === 'link_replaced' ? PAGES.replaced() : endedPage(link.registrationId);
    }
    // The process had ended meanwhile: the store says how.
    return endedPage(link.registrationId);
  }

  /** A registration that no longer waits: its page, from what the store says. */
  async function endedPage(registrationId: string): Promise<Page> {
    const now = await registrations.getRegistration(registrationId);
    if (now?.status === 'Confirmed') return PAGES.alreadyConfirmed();
    return now?.view ? lapsedPage(now.view) : PAGES.expired();
  }

  return router;
}

function answeredPage(view: RegistrationView): Page {
  return view.status === 'Confirmed' ? PAGES.confirmed(view.name) : lapsedPage(view);
}

function lapsedPage(view: RegistrationView): Page {
  if (view.lapseReason === 'address_taken') return PAGES.taken();
  if (view.lapseReason === 'too_many_wrong_passwords') return PAGES.closed();
  return PAGES.expired();
}
