/**
 * The registration part of the public contract as zod schemas: what the storefront sends, what
 * it and support read, and the routes (composed into the route table in api/contract/index.ts).
 * No Node built-ins: the browser bundle reads these types.
 */
import { z } from 'zod';
import { LAPSE_REASONS, PASSWORD_TRIES, REGISTRATION_STATUSES } from '../../domain/registration';
import {
  errorAnswer,
  page,
  plainLine,
  route,
  the,
  timelineEvent,
  timestamp,
  type Route,
} from '../contract/shared';

export const REGISTRATION_ID_PATTERN = /^reg_[A-Za-z0-9]{1,40}$/;
/** Long enough to resist guessing, short enough to hash in bounded time (scrypt reads all of it). */
export const PASSWORD_LENGTH = { min: 10, max: 200 } as const;

export const registrationBody = z.strictObject({
  email: z.email().max(254),
  name: plainLine(200),
  password: z
    .string()
    .min(PASSWORD_LENGTH.min, `must be at least ${PASSWORD_LENGTH.min} characters`)
    .max(PASSWORD_LENGTH.max, `must be at most ${PASSWORD_LENGTH.max} characters`)
    .describe('hashed with scrypt before anything else sees it; never stored, logged or answered'),
});
export type RegistrationBody = z.infer<typeof registrationBody>;

export const resendBody = z.strictObject({});

export const registrationLookupQuery = z.strictObject({
  email: z.email().max(254).describe("the address as the customer typed it (case doesn't matter)"),
});

export const confirmQuery = z.looseObject({
  token: z.string().optional().describe('the one-time token from the emailed link'),
});

/** What the link's page sends back (`application/x-www-form-urlencoded`); read leniently: whatever arrives gets a page. */
export const confirmForm = z.looseObject({
  token: z.string().describe("the one-time token from the emailed link (the page's hidden field)"),
  check: z
    .string()
    .describe("the page's form check (a hidden field): the form came from the link's page, lately"),
  password: z.string().describe('the password chosen at this sign-up'),
});

const registrationStatus = z.enum(REGISTRATION_STATUSES);

/** A sign-up taken: the same two fields for every sign-up, whatever else is pending for the address. */
export const registrationAccepted = z.strictObject({
  registrationId: z.string(),
  status: z.literal('PendingConfirmation'),
});
export type RegistrationAccepted = z.infer<typeof registrationAccepted>;

export const registrationAnswer = z.looseObject({
  registrationId: z.string(),
  email: z.string().optional().describe('absent once lapsed: a lapsed registration keeps no personal data'),
  name: z.string().optional().describe('absent once lapsed'),
  status: registrationStatus,
  createdAt: timestamp,
  updatedAt: timestamp,
  linksSent: z.number().describe('how many confirmation links were sent; only the last one works'),
  linkSentAt: z.array(timestamp).optional(),
  confirmBy: timestamp
    .optional()
    .describe('when the last link stops working and the registration lapses unless it is opened'),
  confirmedAt: timestamp.optional(),
  lapsedAt: timestamp.optional(),
  lapseReason: z
    .enum(LAPSE_REASONS)
    .optional()
    .describe(
      'not confirmed in time; another sign-up of the address confirmed first (`address_taken`); or the password tried wrong too often',
    ),
  customerId: z.string().optional().describe('the customer written on confirmation'),
  resendAvailableAt: timestamp
    .optional()
    .describe(
      'while pending: the earliest a fresh link may be asked for (at most one a minute, four an hour, to the address)',
    ),
  timeline: z.array(timelineEvent).optional(),
});
export type RegistrationAnswer = z.infer<typeof registrationAnswer>;

export const registrationList = z.looseObject({ registrations: z.array(registrationAnswer) });
export type RegistrationList = z.infer<typeof registrationList>;

export const register = route({
  method: 'post',
  path: '/registrations',
  roles: ['storefront'],
  who: 'storefront',
  summary:
    "a customer's sign-up, a registration of its own: the password is hashed, a confirmation link emailed when the address's limits allow; the customer is written when the link's page is sent with this password",
  body: { schema: registrationBody, required: true },
  answers: {
    '202': the(
      'the new registration, `PendingConfirmation`, also for an address with other sign-ups pending: they are left as they are and nothing of them is in the answer. Its link goes now unless one went to the address within the minute (or four this hour); then `resend` later',
      registrationAccepted,
    ),
    '400': the('a field is missing or not valid; `details` names it', errorAnswer),
    '409': the(
      'the address already belongs to a customer (`address_registered`). Tell the person the same as for 202 ("check your email"): never whether an address is registered',
      errorAnswer,
    ),
  },
});

export const listRegistrations = route({
  method: 'get',
  path: '/registrations',
  roles: ['support'],
  who: 'support',
  summary: "an address's registrations, newest first",
  query: registrationLookupQuery,
  answers: { '200': the('the registrations (none: an empty list)', registrationList) },
});

export const openConfirmationLink = route({
  method: 'get',
  path: '/registrations/confirm',
  summary:
    "the emailed link, opened in the customer's browser (no sign-in): a page in words. It confirms nothing (a mail gateway or a link preview may fetch it): a live link shows a form asking for the password chosen at sign-up, which confirms when sent (the POST). HEAD the same, without the page",
  query: confirmQuery,
  answers: {
    '200': page('the form: the password, the token and a form check in hidden fields'),
    '400': page('no token, or not one this app makes'),
    '404': page('no link has this token (never sent, or its registration lapsed and was erased)'),
    '409': page('the link was used: the registration is already confirmed'),
    '410': page('the link expired or a newer link replaced it'),
  },
});

export const sendConfirmationForm = route({
  method: 'post',
  path: '/registrations/confirm',
  summary: `the link's form sent (no sign-in): confirms when the password is the one chosen at this sign-up, the form check is the page's and the browser says it came from this site (Origin, Sec-Fetch-Site when sent). The first sign-up of an address confirmed wins; the others lapse. ${PASSWORD_TRIES} tries per registration, right or wrong; the last wrong one closes it. A page in words, never JSON`,
  body: { schema: confirmForm, required: true, mediaType: 'application/x-www-form-urlencoded' },
  answers: {
    '200': page('confirmed now: the customer is written'),
    '202': page('taken; no worker answered in time, the confirmation completes when one runs'),
    '400': page('no token, or not one this app makes'),
    '403': page(
      "not the password chosen at this sign-up (the form again, with the tries left), or the form did not come from the link's page (no or a wrong or old form check, another Origin or site)",
    ),
    '404': page('no link has this token'),
    '409': page('the link was used: the registration is already confirmed'),
    '410': page(
      'the link expired or was replaced, or the registration lapsed: not confirmed in time, another sign-up of the address confirmed first, or the password tried wrong too often',
    ),
  },
});

export const getRegistration = route({
  method: 'get',
  path: '/registrations/{id}',
  roles: ['storefront', 'support'],
  who: 'storefront, support',
  answers: {
    '200': the('the registration', registrationAnswer),
    '404': the('no such registration', errorAnswer),
  },
});

export const resendLink = route({
  method: 'post',
  path: '/registrations/{id}/resend',
  roles: ['storefront', 'support'],
  who: 'storefront, support',
  summary:
    "a fresh confirmation link: the earlier ones stop working, the deadline moves. The limits are the address's, over all its sign-ups",
  body: { schema: resendBody, required: false },
  answers: {
    '202': the('the registration with the new link counted', registrationAnswer),
    '404': the('no such registration', errorAnswer),
    '409': the('the registration is confirmed or lapsed (`not_pending`)', errorAnswer),
    '429': the(
      'a link went to the address (for any of its sign-ups) less than a minute ago (`too_soon`) or four this hour (`hourly_limit`); `Retry-After` says when',
      errorAnswer,
    ),
    '503': the('no worker answered within 5 s (`process_unavailable`); try again shortly', errorAnswer),
  },
});

export const REGISTRATION_ROUTES: readonly Route[] = [
  register,
  listRegistrations,
  openConfirmationLink,
  sendConfirmationForm,
  getRegistration,
  resendLink,
];
