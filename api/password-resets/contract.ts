/**
 * Forgotten passwords in the public contract (API v1.2, "Customers"): the storefront's ask, the
 * emailed link's page and its form, and support's view of the resets. No Node built-ins: the
 * browser bundle reads these types.
 */
import { z } from 'zod';
import { PASSWORD_RESET_STATUSES } from '../../domain/password-reset';
import { errorAnswer, page, route, the, timelineEvent, type Route } from '../contract/shared';
import { PASSWORD_LENGTH } from '../registration/contract';

export const PASSWORD_RESET_ID_PATTERN = /^pwr_[A-Za-z0-9]{1,40}$/;

export const passwordResetBody = z.strictObject({ email: z.email().max(254) });

export const passwordResetAccepted = z.looseObject({
  message: z.string().describe('the same words for every address: whether it has an account is never said'),
});

export const passwordResetAnswer = z.looseObject({
  resetId: z.string(),
  status: z.enum(PASSWORD_RESET_STATUSES),
  customerId: z.string().optional(),
  email: z.string().optional(),
  requestedAt: z.string(),
  expiresAt: z.string().optional(),
  updatedAt: z.string(),
  timeline: z.array(timelineEvent),
});
export const passwordResetList = z.looseObject({ passwordResets: z.array(passwordResetAnswer) });
export type PasswordResetList = z.infer<typeof passwordResetList>;

export const resetLinkQuery = z.looseObject({ token: z.string().optional() });
export const resetForm = z.looseObject({
  token: z.string().describe("the one-time token from the emailed link (the page's hidden field)"),
  password: z
    .string()
    .describe(`the new password, ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters`),
});

export const askPasswordReset = route({
  method: 'post',
  path: '/password-resets',
  roles: ['storefront'],
  who: 'storefront',
  summary:
    'a customer forgot their password: an emailed one-time link to set a new one (PASSWORD_RESET_WITHIN), only the newest working. The same answer for any address',
  body: { schema: passwordResetBody, required: true },
  answers: {
    '202': the('taken, whoever the address belongs to', passwordResetAccepted),
    '400': the('not an email address', errorAnswer),
  },
});

export const listPasswordResets = route({
  method: 'get',
  path: '/password-resets',
  roles: ['support'],
  who: 'support',
  summary: "a customer's password resets by their address, newest first",
  query: z.looseObject({ email: z.email().max(254) }),
  answers: { '200': the('the resets (none: an empty list)', passwordResetList) },
});

export const getPasswordReset = route({
  method: 'get',
  path: '/password-resets/{id}',
  roles: ['support'],
  who: 'support',
  answers: {
    '200': the('the reset, with its timeline', passwordResetAnswer),
    '404': the('unknown', errorAnswer),
  },
});

export const openResetLink = route({
  method: 'get',
  path: '/password-resets/confirm',
  summary:
    "the emailed link, opened in the customer's browser: a page with a form for the new password. It changes nothing (a mail gateway may fetch it)",
  query: resetLinkQuery,
  answers: {
    '200': page('the form'),
    '400': page('no token, or not one this app makes'),
    '404': page('no link has this token'),
    '409': page('the link was used'),
    '410': page('the link expired or a newer one replaced it'),
  },
});

export const sendResetForm = route({
  method: 'post',
  path: '/password-resets/confirm',
  summary:
    'the form sent: sets the new password once, ends every session the customer had (their tokens are refused from now on) and lifts a sign-in lock. A page in words',
  body: { schema: resetForm, required: true, mediaType: 'application/x-www-form-urlencoded' },
  answers: {
    '200': page('the new password is set'),
    '400': page('no token, or a password too short or too long (the form again)'),
    '403': page('the form did not come from this site'),
    '404': page('no link has this token'),
    '409': page('the link was used'),
    '410': page('the link expired or a newer one replaced it'),
  },
});

export const PASSWORD_RESET_ROUTES: Route[] = [
  askPasswordReset,
  listPasswordResets,
  openResetLink,
  sendResetForm,
  getPasswordReset,
];
