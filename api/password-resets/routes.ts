/**
 * Forgotten passwords over HTTP (domain/password-reset.ts): the storefront's ask starts a process
 * per ask, whoever the address belongs to, so the answer and its time say nothing of whether it has
 * an account; support reads the resets; the emailed link's page takes the new password.
 *
 * The link's page, like a registration's, changes nothing on GET (mail gateways open links). Its
 * form's POST sets the password through the store in one transaction (once, while the link is its
 * customer's newest and live; every session of the customer ends with it), then tells the process,
 * which emails the customer. Should the process not be told (Temporal unreachable), it finds the
 * reset used at its deadline and emails then.
 */
import crypto from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Client } from '@temporalio/client';
import type { ResetLinkVerdict } from '../../domain/password-reset';
import type { RegistrationStore } from '../../store';
import { tokenHash } from '../../store/registration-store';
import {
  passwordResetStartOptions,
  passwordResetUsedSignal,
  passwordResetWorkflowId,
} from '../../workflows/password-reset/messages';
import { passwordResetWorkflow } from '../../workflows/password-reset/workflow';
import { notFound } from '../errors';
import { escapeHtml } from '../html';
import { handle, handlePage, mount } from '../mount';
import { field, fromThisSite, render, type Page } from '../registration/confirmation';
import { PASSWORD_LENGTH } from '../registration/contract';
import { hashPassword } from '../registration/passwords';
import {
  askPasswordReset,
  getPasswordReset,
  listPasswordResets,
  openResetLink,
  PASSWORD_RESET_ID_PATTERN,
  sendResetForm,
} from './contract';

export interface PasswordResetDeps {
  client: Client;
  registrations: RegistrationStore;
  taskQueue: string;
  /** PASSWORD_RESET_WITHIN. */
  withinMs: number;
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
export const PASSWORD_RESET_ACCEPTED =
  'If this address has an account, an email with a link to set a new password is on its way (at most one a minute and four an hour). The link works for a limited time, once.';

const PAGES: Record<Exclude<ResetLinkVerdict, 'ok'> | 'missing' | 'notFromPage' | 'changed', Page> = {
  missing: {
    status: 400,
    title: 'This link is incomplete',
    lines: ['Open the link from the email again, or copy all of it into the browser.'],
  },
  unknown: {
    status: 404,
    title: 'We do not know this link',
    lines: ['This link is not one we sent. Ask for a new one on the sign-in page ("Forgot your password?").'],
  },
  used: {
    status: 409,
    title: 'This link was used',
    lines: ['Your password was already set with it. Sign in with your new password, or ask for a new link.'],
  },
  expired: {
    status: 410,
    title: 'This link has expired',
    lines: ['Links to set a new password work for a limited time. Ask for a new one on the sign-in page.'],
  },
  replaced: {
    status: 410,
    title: 'This link was replaced',
    lines: ['You asked again since, and only the newest link works. Open the link in the most recent email.'],
  },
  notFromPage: {
    status: 403,
    title: 'Open the link from the email again',
    lines: [
      'This form did not come from our page. Open the link in the email again and set your password there.',
    ],
  },
  changed: {
    status: 200,
    title: 'Your new password is set',
    lines: [
      'Every device that was signed in to your account has been signed out.',
      'Sign in with your new password.',
    ],
    html: '<p><a href="../account/">Go to your account</a></p>',
  },
};

function formPage(token: string, problem?: string): Page {
  return {
    status: problem ? 400 : 200,
    title: 'Choose a new password',
    lines: [
      problem ?? `Choose a password of ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters.`,
      'Setting it signs you out everywhere you are signed in.',
    ],
    // A relative action: the page's own path, whatever prefix PUBLIC_URL has.
    html:
      '<form method="post" action="confirm">' +
      `<input type="hidden" name="token" value="${escapeHtml(token)}">` +
      '<label for="password">New password</label>' +
      `<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${PASSWORD_LENGTH.min}" maxlength="${PASSWORD_LENGTH.max}" autofocus>` +
      '<button type="submit">Set my new password</button>' +
      '</form>',
  };
}

/** A process for this ask, whoever the address belongs to: it finds out, and says nothing. */
export async function startPasswordReset(
  { client, taskQueue, withinMs }: Pick<PasswordResetDeps, 'client' | 'taskQueue' | 'withinMs'>,
  email: string,
): Promise<void> {
  const resetId = `pwr_${crypto.randomBytes(15).toString('base64url').replace(/[-_]/g, '')}`;
  const input = { resetId, email, requestedAt: new Date().toISOString(), withinMs };
  await client.workflow.start(passwordResetWorkflow, passwordResetStartOptions(input, taskQueue));
}

export function passwordResetsRouter(deps: PasswordResetDeps): Router {
  const { registrations } = deps;
  return mount(Router(), [
    // The same answer for every address: a process per ask finds out whether it has an account.
    handle(askPasswordReset, async ({ body }) => {
      await startPasswordReset(deps, body.email);
      return { status: 202, body: { message: PASSWORD_RESET_ACCEPTED } };
    }),
    handle(listPasswordResets, async ({ query }) => ({
      status: 200,
      body: { passwordResets: await registrations.passwordResetsFor(query.email) },
    })),
    handle(getPasswordReset, async ({ params }) => {
      const view = PASSWORD_RESET_ID_PATTERN.test(params.id)
        ? await registrations.getPasswordReset(params.id)
        : undefined;
      if (!view) throw notFound(`password reset ${params.id}`);
      return { status: 200, body: view };
    }),
  ]);
}

/** The emailed link's page and its form: no sign-in, a page in words, before the JSON body parser. */
export function passwordResetLinkRouter(deps: PasswordResetDeps): Router {
  const { client, registrations } = deps;
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10, inflate: false });
  const readForm = (req: Request, res: Response, next: NextFunction): void =>
    form(req, res, (err?: unknown) => (err ? render(res, PAGES.missing) : next()));

  async function live(token: unknown): Promise<{ page: Page } | { hash: string }> {
    if (typeof token !== 'string' || !TOKEN.test(token)) return { page: PAGES.missing };
    const hash = tokenHash(token);
    const { verdict } = await registrations.passwordResetLink(hash, Date.now());
    return verdict === 'ok' ? { hash } : { page: PAGES[verdict] };
  }

  async function formSent(req: Request): Promise<Page> {
    if (!fromThisSite(req)) return PAGES.notFromPage;
    const token = field(req, 'token');
    const link = await live(token);
    if ('page' in link) return link.page;
    const password = field(req, 'password') ?? '';
    if (password.length < PASSWORD_LENGTH.min || password.length > PASSWORD_LENGTH.max)
      return formPage(
        token!,
        `The password must be ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters long. Choose another.`,
      );
    const used = await registrations.usePasswordResetLink({
      tokenHash: link.hash,
      passwordHash: await hashPassword(password),
      at: new Date().toISOString(),
    });
    if (used.kind !== 'changed') return PAGES[used.kind];
    await client.workflow
      .getHandle(passwordResetWorkflowId(used.resetId))
      .signal(passwordResetUsedSignal)
      .catch(() => undefined); // it finds the reset used at its deadline
    return PAGES.changed;
  }

  return mount(Router(), [
    handlePage(openResetLink, async ({ res, query }) => {
      const link = await live(query?.token);
      render(res, 'page' in link ? link.page : formPage(query!.token!));
    }),
    handlePage(sendResetForm, async ({ req, res }) => render(res, await formSent(req)), [readForm]),
  ]);
}
