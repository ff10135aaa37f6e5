/**
 * The emailed confirmation link, opened in the customer's browser without sign-in: a page in
 * words, never JSON and never a 5xx for a link that is unknown, used, replaced or expired. The
 * token is looked up by its hash; the registration's process decides (an update), and when no
 * worker answers in time the confirmation is left for it as a signal and the page says so.
 */
import { Router, type Response } from 'express';
import { linkVerdict } from '../../domain/registration';
import { tokenHash } from '../../store/registration-store';
import { confirmRegistrationSignal, confirmRegistrationUpdate } from '../../workflows/registration/messages';
import { HttpError } from '../errors';
import { escapeHtml } from '../html';
import { askProcess } from '../updates';
import { registrationAccess, type RegistrationDeps } from './routes';

/** What `newLinkToken` makes: 32 bytes, base64url. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

interface Page {
  status: number;
  title: string;
  lines: string[];
}

const PAGES = {
  confirmed: (name: string): Page => ({
    status: 200,
    title: 'Your email address is confirmed',
    lines: [
      `Thank you, ${name}. Your account is ready: sign in with this address and your password.`,
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
      'This link is not one we sent, or part of it is missing. Open the link from the newest email we sent you, or register again.',
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
};

function render(res: Response, page: Page): void {
  // The token is in the URL: keep it out of caches, referrers and search engines.
  res
    .status(page.status)
    .set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', 'X-Robots-Tag': 'noindex' })
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<title>${escapeHtml(page.title)}</title><style>` +
        'body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}' +
        'main{max-width:34rem;margin:12vh auto;padding:2rem 2.25rem;background:#fff;border-radius:12px;box-shadow:0 1px 3px #0002}' +
        'h1{font-size:1.5rem;margin:0 0 1rem}p{margin:.5rem 0}' +
        `</style></head><body><main><h1>${escapeHtml(page.title)}</h1>` +
        page.lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('') +
        '</main></body></html>',
    );
}

export function registrationLinkRouter(deps: RegistrationDeps): Router {
  const router = Router();
  const { client, registrations } = deps;
  const { handleFor } = registrationAccess(deps);

  router.get('/registrations/confirm', async (req, res) => {
    const token = req.query.token;
    if (typeof token !== 'string' || !TOKEN.test(token)) return render(res, PAGES.missing());
    const hash = tokenHash(token);
    const link = await registrations.findLink(hash);
    const stored = link && (await registrations.getRegistration(link.registrationId));
    if (!link || !stored) return render(res, PAGES.unknown());
    const linksSent = Math.max(stored.view?.linksSent ?? 0, link.linkNumber);
    const verdict = linkVerdict(link, { status: stored.status, linksSent }, Date.now());
    if (verdict === 'already_confirmed') return render(res, PAGES.alreadyConfirmed());
    if (verdict === 'expired') return render(res, PAGES.expired());
    if (verdict === 'replaced') return render(res, PAGES.replaced());
    // A HEAD (a mail scanner or a link preview checking the address) looks, never confirms.
    if (req.method === 'HEAD') return render(res, { status: 200, title: 'Confirm your address', lines: [] });
    const opened = { linkNumber: link.linkNumber, tokenHash: hash };
    const handle = handleFor(link.registrationId);
    try {
      const asked = await askProcess(client, handle, confirmRegistrationUpdate, opened);
      if (asked.kind === 'answered') {
        return render(
          res,
          asked.view.status === 'Confirmed' ? PAGES.confirmed(asked.view.name ?? '') : PAGES.expired(),
        );
      }
      if (asked.kind === 'no_answer') {
        await handle.signal(confirmRegistrationSignal, opened);
        return render(res, PAGES.pending());
      }
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      const reason = (err.details as { reason?: string } | undefined)?.reason;
      return render(res, reason === 'link_replaced' ? PAGES.replaced() : PAGES.expired());
    }
    // The process had ended meanwhile: the store says how.
    const now = await registrations.getRegistration(link.registrationId);
    return render(res, now?.status === 'Confirmed' ? PAGES.alreadyConfirmed() : PAGES.expired());
  });

  return router;
}
