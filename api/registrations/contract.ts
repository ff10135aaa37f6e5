/**
 * The registration part of the public contract as zod schemas: what the storefront sends, what
 * it and support read, and the routes (composed into the route table in api/contract/index.ts).
 * No Node built-ins: the browser bundle reads these types.
 */
import { z } from 'zod';
import { REGISTRATION_STATUSES } from '../../domain/registration';
import { errorAnswer, the, timelineEvent, timestamp, type Route } from '../contract/shared';

export const REGISTRATION_ID_PATTERN = /^reg_[A-Za-z0-9]{1,40}$/;
/** Long enough to resist guessing, short enough to hash in bounded time (scrypt reads all of it). */
export const PASSWORD_LENGTH = { min: 10, max: 200 } as const;

export const registrationBody = z.strictObject({
  email: z.email().max(254),
  name: z.string().trim().min(1, 'must not be empty').max(200),
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

const registrationStatus = z.enum(REGISTRATION_STATUSES);

export const registrationAnswer = z.looseObject({
  registrationId: z.string(),
  email: z.string(),
  name: z.string(),
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
  customerId: z.string().optional().describe('the customer written on confirmation'),
  resendAvailableAt: timestamp
    .optional()
    .describe(
      'while pending: the earliest a fresh link may be asked for (at most one a minute, four an hour)',
    ),
  timeline: z.array(timelineEvent).optional(),
});
export type RegistrationAnswer = z.infer<typeof registrationAnswer>;

export const registrationList = z.looseObject({ registrations: z.array(registrationAnswer) });
export type RegistrationList = z.infer<typeof registrationList>;

export const REGISTRATION_ROUTES: Route[] = [
  {
    method: 'post',
    path: '/registrations',
    who: 'storefront',
    summary:
      "a customer's sign-up: the password is hashed, a confirmation link emailed; the customer is written when it is opened",
    body: { schema: registrationBody, required: true },
    answers: {
      '202': the(
        'the registration, `PendingConfirmation`; an address with a pending registration answers that one (a fresh link at most once a minute)',
        registrationAnswer,
      ),
      '400': the('a field is missing or not valid; `details` names it', errorAnswer),
      '409': the(
        'the address already belongs to a customer (`address_registered`). Tell the person the same as for 202 ("check your email"): never whether an address is registered',
        errorAnswer,
      ),
    },
  },
  {
    method: 'get',
    path: '/registrations',
    who: 'support',
    summary: "an address's registrations, newest first",
    query: registrationLookupQuery,
    answers: { '200': the('the registrations (none: an empty list)', registrationList) },
  },
  {
    method: 'get',
    path: '/registrations/confirm',
    summary:
      "the emailed link, opened in the customer's browser (no sign-in): a page in words. Its token works once, until the registration's `confirmBy`",
    query: confirmQuery,
    answers: {
      '200': the('confirmed now: the customer is written'),
      '202': the('taken; no worker answered in time, the confirmation completes when one runs'),
      '400': the('no token, or not one this app makes'),
      '404': the('no link has this token'),
      '409': the('the link was used: the registration is already confirmed (the page says so)'),
      '410': the('the link expired, the registration lapsed, or a newer link replaced this one'),
    },
  },
  {
    method: 'get',
    path: '/registrations/{id}',
    who: 'storefront, support',
    answers: {
      '200': the('the registration', registrationAnswer),
      '404': the('no such registration', errorAnswer),
    },
  },
  {
    method: 'post',
    path: '/registrations/{id}/resend',
    who: 'storefront, support',
    summary: 'a fresh confirmation link: the earlier ones stop working, the deadline moves',
    body: { schema: resendBody, required: false },
    answers: {
      '202': the('the registration with the new link counted', registrationAnswer),
      '404': the('no such registration', errorAnswer),
      '409': the('the registration is confirmed or lapsed (`not_pending`)', errorAnswer),
      '429': the(
        'a link went out less than a minute ago (`too_soon`) or four this hour (`hourly_limit`); `Retry-After` says when',
        errorAnswer,
      ),
      '503': the('no worker answered within 5 s (`process_unavailable`); try again shortly', errorAnswer),
    },
  },
];
