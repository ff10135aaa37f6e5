/**
 * The customers' part of the public contract (API v1.2, "Customers"): who a signed-in customer is.
 * Their orders are the orders routes, which a customer's token reaches for their own orders only
 * (api/checkout/contract.ts). No Node built-ins: the browser bundle reads these types.
 */
import { z } from 'zod';
import { errorAnswer, page, route, the, type Route } from '../contract/shared';

export const customerAnswer = z.looseObject({
  customerId: z.string().describe('the `customer.id` of their orders, and their tokens’ `sub`'),
  email: z.string(),
  name: z.string(),
});
export type CustomerAnswer = z.infer<typeof customerAnswer>;

export const getMe = route({
  method: 'get',
  path: '/customers/me',
  who: 'customer',
  roles: ['customer'],
  summary: 'the signed-in customer',
  answers: {
    '200': the('the customer', customerAnswer),
    '404': the('no customer has this id (a token for someone who never registered)', errorAnswer),
  },
});

const signInForm = z.looseObject({
  email: z.string().describe('the address the customer registered with'),
  password: z.string(),
});

export const customerSignInPage = route({
  method: 'get',
  path: '/customer-identity/interaction/{uid}',
  summary:
    "the shop's customer sign-in page (the customer identity provider's login step): address and password, and a link for a forgotten password",
  answers: {
    '200': page('the form'),
    '303': page('on to the provider'),
    '400': page('this sign-in expired'),
  },
});

export const customerSignIn = route({
  method: 'post',
  path: '/customer-identity/interaction/{uid}/login',
  summary:
    'the sign-in form sent: the same answer and about the same time for an unknown address and a wrong password; failures slow the next try and then lock the account and the client address for a while (429, Retry-After); a reset password lifts the lock',
  body: { schema: signInForm, required: true, mediaType: 'application/x-www-form-urlencoded' },
  answers: {
    '303': page('signed in: on to the storefront'),
    '400': page('this sign-in expired'),
    '401': page('the address and password do not match (the form again)'),
    '403': page('the form did not come from this site'),
    '429': page('too many failed tries: wait (Retry-After), or set a new password'),
  },
});

export const forgotPasswordPage = route({
  method: 'get',
  path: '/customer-identity/forgot',
  summary: 'the forgotten-password page: the address to send a link to',
  answers: { '200': page('the form') },
});

export const forgotPassword = route({
  method: 'post',
  path: '/customer-identity/forgot',
  summary: 'the forgotten-password form sent: as POST /password-resets, the same page for any address',
  body: {
    schema: z.looseObject({ email: z.string() }),
    required: true,
    mediaType: 'application/x-www-form-urlencoded',
  },
  answers: {
    '200': page('the same words for any address'),
    '400': page('not an address (the form again)'),
    '403': page('the form did not come from this site'),
  },
});

export const CUSTOMER_SIGN_IN_ROUTES: Route[] = [
  customerSignInPage,
  customerSignIn,
  forgotPasswordPage,
  forgotPassword,
];

export const CUSTOMER_ROUTES: Route[] = [getMe, ...CUSTOMER_SIGN_IN_ROUTES];
