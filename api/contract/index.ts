/**
 * The public HTTP contract as zod schemas: every request body and query the API parses, every
 * answer it sends, and the route table that says which goes where. Each process's part lives in its
 * room (api/checkout/contract.ts, api/leave/contract.ts,
 * api/registration/contract.ts); this module composes them. The server validates
 * requests with them and types its answers with them, the OpenAPI document (api/openapi.ts) is
 * generated from them, and the back office (ui/) takes its types from them, so a renamed field
 * breaks the build rather than a page. Answers are loose objects: fields may be added, none renamed.
 *
 * No Node built-ins here: the browser bundle reads these types.
 */
import { z } from 'zod';
import { LEAVE_ROUTES } from '../leave/contract';
import { ORDER_ROUTES } from '../checkout/contract';
import { BULK_ACTION_ROUTES } from '../checkout/bulk-contract';
import { REGISTRATION_ROUTES } from '../registration/contract';
import { CUSTOMER_ROUTES } from '../customers/contract';
import { PASSWORD_RESET_ROUTES } from '../password-resets/contract';
import { errorAnswer, plain, readiness, route, the, type Route } from './shared';

import { ROLES, type Role } from '../../domain/roles';

export { ROLES, type Role };

export * from './shared';
export * from '../checkout/contract';
export * from '../checkout/bulk-contract';
export * from '../leave/contract';
export * from '../registration/contract';
export * from '../customers/contract';
export * from '../password-resets/contract';

/** Read leniently: a browser is redirected whatever it sends; a page it cannot come back to is `/`. */
export const signInQuery = z.looseObject({
  returnTo: z
    .string()
    .max(2048)
    .optional()
    .describe('the back-office page to come back to, e.g. /#/inbox (anything else: the front page)'),
});

export const sessionAnswer = z.looseObject({
  sub: z.string(),
  name: z.string(),
  roles: z.array(z.enum(ROLES)),
  csrfToken: z.string().describe('send it back as the X-CSRF-Token header on every POST'),
  devSignIn: z
    .boolean()
    .describe('signed in through an identity provider on this machine (the development one of npm start)'),
  expiresAt: z.string().describe('when the session ends and the person signs in again'),
  tools: z
    .object({
      traces: z
        .string()
        .optional()
        .describe(
          "the trace viewer's search for one workflow: `{workflowId}` in it, and `{from}` and `{to}` (milliseconds since 1970) for the time it covers",
        ),
      workflow: z
        .string()
        .optional()
        .describe("the Temporal UI's page of one workflow: `{workflowId}` in it"),
    })
    .optional()
    .describe("support's escalation links (engineers' tools), where configured"),
});
export type SessionAnswer = z.infer<typeof sessionAnswer>;

export const signOutAnswer = z.looseObject({
  endSessionUrl: z
    .string()
    .optional()
    .describe(
      "the identity provider's sign-out page, where the browser goes next to end the provider's session too",
    ),
});
export type SignOutAnswer = z.infer<typeof signOutAnswer>;

export const healthz = route({
  method: 'get',
  path: '/healthz',
  answers: { '200': the('the process is up', plain) },
});

export const readyz = route({
  method: 'get',
  path: '/readyz',
  answers: {
    '200': the('every dependency answers', readiness),
    '503': the('a dependency does not; `checks` says which', readiness),
  },
});

export const metrics = route({
  method: 'get',
  path: '/metrics',
  answers: { '200': the('Prometheus text format') },
});

export const openapi = route({
  method: 'get',
  path: '/openapi.json',
  answers: { '200': the('this document', z.looseObject({})) },
});

export const getSession = route({
  method: 'get',
  path: '/session',
  summary: 'who the browser session is signed in as (the session cookie)',
  answers: {
    '200': the('signed in', sessionAnswer),
    '401': the('not signed in', errorAnswer),
  },
});

export const startSignIn = route({
  method: 'get',
  path: '/session/sign-in',
  summary:
    "starts a person's sign-in: redirects the browser to the identity provider (authorization code with PKCE)",
  query: signInQuery,
  answers: {
    '302': the("to the identity provider's sign-in"),
    '404': the('sign-in is off: no identity provider is configured (AUTH_JWT_SECRET mode); a page says so'),
    '503': the('the identity provider cannot be reached; a page says so and offers to try again'),
  },
});

export const finishSignIn = route({
  method: 'get',
  path: '/session/callback',
  summary: "the identity provider's redirect back: the code is exchanged, the session starts",
  answers: {
    '303': the('signed in; the session cookie is set; on to the page the person came from'),
    '400': the('the sign-in failed or expired; the page says so and offers to start again'),
    '403': the('signed in at the provider, but holding no role of this app'),
    '404': the('sign-in is off: no identity provider is configured (AUTH_JWT_SECRET mode)', errorAnswer),
    '503': the('the identity provider cannot be reached; a page says so and offers to try again'),
  },
});

export const signOut = route({
  method: 'post',
  path: '/session/sign-out',
  summary: "ends the browser session here and answers the provider's sign-out page",
  answers: {
    '200': the('signed out', signOutAnswer),
    '403': the('without the session CSRF token', errorAnswer),
  },
});

export const PROBE_ROUTES = [healthz, readyz, metrics, openapi];
export const SESSION_ROUTES = [getSession, startSignIn, finishSignIn, signOut];

export const ROUTES: Route[] = [
  ...PROBE_ROUTES,
  ...ORDER_ROUTES,
  ...BULK_ACTION_ROUTES,
  ...LEAVE_ROUTES,
  ...REGISTRATION_ROUTES,
  ...CUSTOMER_ROUTES,
  ...PASSWORD_RESET_ROUTES,
  ...SESSION_ROUTES,
];
