/**
 * The shop's customer sign-in: the customer identity provider's login step (identity-provider/
 * customers.ts), its pages in words, and the forgotten-password page beside it.
 *
 * - The same answer, and about the same time, for an unknown address and a wrong password: an
 *   unknown address has its password checked against a hash no password matches.
 * - Failures are counted per account (the address, known or not) and per client address
 *   (domain/sign-in-throttle.ts): after three, each next try waits longer (429 with Retry-After,
 *   the password not checked); after ten, a quarter of an hour. A password reset lifts the
 *   account's count, so a customer locked out by someone's guessing gets in through their mailbox.
 *   A client address (many customers may share one) is slowed at five times as many failures (at
 *   most a minute) and locked only after a hundred; a customer who set a new password in the last
 *   quarter of an hour passes it.
 * - A try is counted before its password is checked, so tries sent at once are slowed one by one;
 *   at most four passwords are hashed at once.
 * - A password hashed with older parameters is hashed again with today's at a good sign-in.
 * - Forms only from this site (`Sec-Fetch-Site`, `Origin`); pages `no-store`, never framed.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { RegistrationStore } from '../../store';
import { accountFailureKey, clientFailureKey } from '../../store/sql-customer-identity';
import type { CustomerProvider } from '../../identity-provider/customers';
import { CUSTOMER_IDENTITY_PATH } from '../../identity-provider/customers';
import { escapeHtml } from '../html';
import { handlePage, mount } from '../mount';
import { passesClientLock } from '../../domain/sign-in-throttle';
import { passwordResetBody } from '../password-resets/contract';
import {
  PASSWORD_RESET_ACCEPTED,
  startPasswordReset,
  type PasswordResetDeps,
} from '../password-resets/routes';
import { field, fromThisSite, render, type Page } from '../registration/confirmation';
import { hashPassword, needsRehash, UNKNOWN_ACCOUNT_HASH, verifyPassword } from '../registration/passwords';
import { customerSignIn, customerSignInPage, forgotPassword, forgotPasswordPage } from './contract';

export interface CustomerSignInDeps extends PasswordResetDeps {
  provider: CustomerProvider;
  registrations: RegistrationStore;
}

/** Password checks at once (each about 32 MiB and tens of milliseconds): a burst waits its turn. */
const HASHES_AT_ONCE = 4;

/** Runs `work` when fewer than HASHES_AT_ONCE others run. */
function turns(limit: number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (work) => {
    if (running >= limit) await new Promise<void>((go) => waiting.push(go));
    running++;
    try {
      return await work();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
const hashing = turns(HASHES_AT_ONCE);

const forgotLink = `<p><a href="${CUSTOMER_IDENTITY_PATH}/forgot">Forgot your password?</a></p>`;

function signInPage(uid: string, status = 200, problem?: string, email = ''): Page {
  return {
    status,
    title: 'Sign in to your account',
    lines: [problem ?? 'With the email address and the password you registered with.'],
    html:
      `<form method="post" action="${CUSTOMER_IDENTITY_PATH}/interaction/${escapeHtml(uid)}/login">` +
      '<label for="email">Email address</label>' +
      `<input id="email" name="email" type="email" autocomplete="username" required maxlength="254" value="${escapeHtml(email)}"${email ? '' : ' autofocus'}>` +
      '<label for="password">Password</label>' +
      `<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="200"${email ? ' autofocus' : ''}>` +
      '<button type="submit">Sign in</button>' +
      '</form>' +
      forgotLink,
  };
}

const EXPIRED: Page = {
  status: 400,
  title: 'This sign-in has expired',
  lines: ['It was left open too long or already used. Go back to the shop and sign in again.'],
  html: '<p><a href="/account/">Back to your account</a></p>',
};

const NOT_FROM_PAGE: Page = {
  status: 403,
  title: 'Sign in from the shop’s page',
  lines: ['This form did not come from our sign-in page. Go back to the shop and sign in there.'],
};

function forgotPage(status = 200, problem?: string): Page {
  return {
    status,
    title: 'Forgot your password?',
    lines: [
      problem ?? 'Enter the address you registered with: we email you a link to choose a new password.',
    ],
    html:
      `<form method="post" action="${CUSTOMER_IDENTITY_PATH}/forgot">` +
      '<label for="email">Email address</label>' +
      '<input id="email" name="email" type="email" autocomplete="username" required maxlength="254" autofocus>' +
      '<button type="submit">Email me a link</button>' +
      '</form>',
  };
}

export function customerSignInRouter(deps: CustomerSignInDeps): Router {
  const { provider, registrations } = deps;
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10, inflate: false });
  const readForm = (req: Request, res: Response, next: NextFunction): void =>
    form(req, res, (err?: unknown) => (err ? render(res, NOT_FROM_PAGE) : next()));

  /** The provider's sign-in this page is for, or undefined once its page said it expired. */
  async function interaction(req: Request, res: Response) {
    try {
      return await provider.interactionDetails(req, res);
    } catch {
      render(res, EXPIRED);
      return undefined;
    }
  }

  async function finishLogin(req: Request, res: Response, accountId: string): Promise<void> {
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId } },
      { mergeWithLastSubmission: false },
    );
  }

  async function signedIn(req: Request, res: Response, uid: string): Promise<void> {
    if (!fromThisSite(req)) return render(res, NOT_FROM_PAGE);
    const details = await interaction(req, res);
    if (!details) return;
    if (details.uid !== uid) return render(res, EXPIRED);
    const email = (field(req, 'email') ?? '').trim().slice(0, 254);
    const password = (field(req, 'password') ?? '').slice(0, 200);
    const keys = {
      account: accountFailureKey(email),
      client: clientFailureKey(req.socket.remoteAddress ?? 'unknown'),
    };
    const customer = email ? await registrations.customerForSignIn(email) : undefined;
    const now = Date.now();
    // A customer who just set a new password passes their client address's lock (their way out).
    const passClient =
      !!customer && passesClientLock(await registrations.passwordChangedAt(customer.customerId), now);
    // Counted before the password is checked: tries sent at once are slowed one by one.
    const claimed = await registrations.claimSignInTry(keys, now, { passClient });
    if (!claimed.allowed) {
      const wait = claimed.retryAfterSeconds;
      res.setHeader('Retry-After', String(wait));
      return render(
        res,
        signInPage(
          uid,
          429,
          `Too many failed tries. Wait ${wait < 60 ? `${wait} seconds` : `${Math.ceil(wait / 60)} minutes`} and try again, or set a new password with the link below.`,
          email,
        ),
      );
    }
    const right = await hashing(() =>
      verifyPassword(password, customer?.passwordHash ?? UNKNOWN_ACCOUNT_HASH),
    );
    if (!customer || !right)
      return render(
        res,
        signInPage(uid, 401, 'That email address and password do not match. Try again.', email),
      );
    await registrations.signInSucceeded(keys, claimed.clientBefore);
    if (needsRehash(customer.passwordHash))
      await registrations.rehashCustomerPassword(
        customer.customerId,
        customer.passwordHash,
        await hashPassword(password),
      );
    await finishLogin(req, res, customer.customerId);
  }

  return mount(Router(), [
    handlePage(customerSignInPage, async ({ req, res, params }) => {
      const details = await interaction(req, res);
      if (!details) return;
      if (details.prompt.name === 'consent') {
        // The shop's own pages: the grant is made on the customer's behalf (loadExistingGrant).
        const grant = new provider.Grant({
          accountId: details.session!.accountId,
          clientId: String(details.params.client_id),
        });
        grant.addOIDCScope('openid profile email');
        const grantId = await grant.save();
        await provider.interactionFinished(
          req,
          res,
          { consent: { grantId } },
          { mergeWithLastSubmission: true },
        );
        return;
      }
      render(res, signInPage(params.uid));
    }),
    handlePage(customerSignIn, ({ req, res, params }) => signedIn(req, res, params.uid), [readForm]),
    handlePage(forgotPasswordPage, async ({ res }) => render(res, forgotPage())),
    handlePage(
      forgotPassword,
      async ({ req, res }) => {
        if (!fromThisSite(req)) return render(res, NOT_FROM_PAGE);
        // The same rule as POST /password-resets: no control, format or NUL character reaches the store.
        const asked = passwordResetBody.safeParse({ email: (field(req, 'email') ?? '').trim() });
        if (!asked.success) return render(res, forgotPage(400, 'That is not an email address. Try again.'));
        await startPasswordReset(deps, asked.data.email);
        render(res, {
          status: 200,
          title: 'Check your email',
          lines: [PASSWORD_RESET_ACCEPTED],
          html: '<p><a href="/account/">Back to the shop</a></p>',
        });
      },
      [readForm],
    ),
  ]);
}
