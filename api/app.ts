/** The HTTP API as an express app, built from its clients so tests can start it on any port. */
import type { Logger } from '@temporalio/common';
import type { SessionAnswer } from './contract';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import express, { Router, type Express, type Response } from 'express';
import type { CheckoutSettings } from '../config/settings';
import type { BulkActionStore, LeaveStore, OrderStore, RegistrationStore, SessionStore } from '../store';
import { authenticate, type Authentication } from './auth';
import { codecRouter } from './codec';
import { healthz, metrics as metricsRoute, openapi, readyz } from './contract';
import { errorHandler, HttpError } from './errors';
import { leaveRouter } from './leave/routes';
import { HttpMetrics } from './metrics';
import { watchWaitingOrders } from './checkout/waiting-orders';
import { requestObservability } from '../observability/http-spans';
import { handlePage, mount } from './mount';
import { OPENAPI_DOCUMENT } from './openapi';
import { bulkActionsRouter } from './checkout/bulk-actions';
import { orderQueuesRouter } from './checkout/queues';
import { ordersRouter } from './checkout/routes';
import { registrationLinkRouter } from './registration/confirmation';
import { registrationsRouter } from './registration/routes';
import { customersRouter } from './customers/routes';
import { customerSignedIn } from './customers/access';
import { passwordResetLinkRouter, passwordResetsRouter } from './password-resets/routes';
import { DEFAULT_PASSWORD_RESET_WITHIN_MS } from '../domain/password-reset';
import { backOfficeSessions, type SignInSettings } from './session';
import { customerIssuerVerifier, sharedSecretVerifier, withCustomers, type TokenVerifier } from './tokens';
import { customerSignInRouter } from './customers/sign-in';
import {
  CUSTOMER_AUDIENCE,
  CUSTOMER_IDENTITY_PATH,
  type CustomerProvider,
} from '../identity-provider/customers';
import { uiRouter } from './ui';

export interface AppDeps {
  client: Client;
  store: OrderStore;
  taskQueue: string;
  /** Where bearer tokens come from: an issuer's verifier, or (tests, one service) a shared secret. */
  tokens?: TokenVerifier;
  /** The HS256 secret bearer tokens are signed with, when `tokens` is not given (tests, one service). */
  jwtSecret?: string;
  /** The back office's sessions; without them, bearer tokens only. */
  sessions?: {
    store: SessionStore;
    ttlMs: number;
    publicUrl: string;
    /** People's sign-in through the identity provider; unset: no sign-in (the page says why). */
    signIn?: SignInSettings;
    /** Support's escalation links (api/escalation-links.ts). */
    tools?: SessionAnswer['tools'];
  };
  /** The payload codec; with it the API serves /codec/decode and /codec/encode for the Temporal UI. */
  codec?: { codec: PayloadCodec; corsOrigins: string[] };
  /** Where the built back office is; the default is dist/ui. */
  uiDir?: string;
  /** The leave part of the contract; without it those routes answer 404. */
  leave?: { store: LeaveStore; yearStart: string; payrollCurrency?: string };
  /** The registration part of the contract; without it those routes answer 404. */
  registrations?: RegistrationStore;
  /** PASSWORD_RESET_WITHIN (default 1 h). */
  passwordResetWithinMs?: number;
  /** The shop's customer identity provider (identity-provider/customers.ts), mounted at /customer-identity. */
  customerIdentity?: { provider: CustomerProvider; issuer: string };
  /** The checkout settings new orders are placed under; unset: each order reads the worker's. */
  checkout?: CheckoutSettings;
  /** Support's bulk actions (v1.2); without them those routes answer 404. */
  bulkActions?: { store: BulkActionStore; ordersPerSecond: number };
  log?: (message: string, err?: unknown) => void;
  /** One line per answered request, with its trace id (observability/http-spans.ts); unset: none. */
  requestLog?: Logger;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/readyz`: each dependency answers ok or not; how one failed goes to the log only (the endpoint
 * needs no token, and a raw connection error names hosts, ports and users).
 */
function readiness(
  deps: AppDeps,
  log: (message: string, err?: unknown) => void,
): (res: Response) => Promise<void> {
  return async (res) => {
    type Dependency = [name: string, what: string, ping: () => Promise<unknown>];
    const { leave, registrations } = deps;
    const dependencies: Dependency[] = [
      ['temporal', 'Temporal', () => deps.client.workflowService.getSystemInfo({})],
      ['store', 'the store', () => deps.store.ping()],
    ];
    if (leave) dependencies.push(['leaveLedger', 'the leave ledger', () => leave.store.ping()]);
    if (registrations) dependencies.push(['registrations', 'the registrations', () => registrations.ping()]);
    const checks: Record<string, 'ok' | 'unavailable'> = {};
    await Promise.all(
      dependencies.map(([name, what, ping]) =>
        withTimeout(ping(), 2000, what).then(
          () => (checks[name] = 'ok'),
          (err: unknown) => {
            log(`readiness: ${what} does not answer`, err);
            checks[name] = 'unavailable';
          },
        ),
      ),
    );
    const ready = Object.values(checks).every((value) => value === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  };
}

/** What needs no token: the metrics, the OpenAPI document, liveness and readiness. */
function serveProbes(app: Express, deps: AppDeps, log: (message: string, err?: unknown) => void): void {
  const metrics = new HttpMetrics({ processMetrics: true });
  watchWaitingOrders(metrics.registry, (statuses) => deps.store.waitingOrders(statuses));
  app.use(metrics.middleware());
  app.use(requestObservability(deps.requestLog));
  const ready = readiness(deps, log);
  app.use(
    mount(Router(), [
      handlePage(metricsRoute, async ({ res }) => {
        res.type(metrics.contentType).send(await metrics.exposition());
      }),
      handlePage(openapi, async ({ res }) => {
        res.json(OPENAPI_DOCUMENT);
      }),
      handlePage(healthz, async ({ res }) => {
        res.json({ status: 'ok' });
      }),
      handlePage(readyz, ({ res }) => ready(res)),
    ]),
  );
}

/** The processes' JSON routes, behind authentication: orders and their queues, and leave. */
function serveProcesses(app: Express, deps: AppDeps, log: (message: string, err?: unknown) => void): void {
  const { client, store, taskQueue } = deps;
  const people = deps.leave?.store;
  const nameOf = people ? async (id: string) => (await people.getEmployee(id))?.name : undefined;
  app.use(orderQueuesRouter({ client, store, log, nameOf }));
  app.use(ordersRouter({ client, store, taskQueue, checkout: deps.checkout }));
  if (deps.bulkActions) {
    const { store: bulkActions, ordersPerSecond } = deps.bulkActions;
    app.use(bulkActionsRouter({ client, bulkActions, taskQueue, ordersPerSecond, nameOf }));
  }
  if (deps.leave) {
    const { store: leaveStore, yearStart, payrollCurrency } = deps.leave;
    app.use(leaveRouter({ client, leaveStore, taskQueue, yearStart, payrollCurrency }));
  }
}

/** Staff's tokens (an issuer's, or the shared secret's), and customers' from their own provider. */
function tokensOf(deps: AppDeps): TokenVerifier {
  const staffTokens = deps.tokens ?? (deps.jwtSecret ? sharedSecretVerifier(deps.jwtSecret) : undefined);
  if (!staffTokens) throw new Error('createApp needs tokens (an issuer verifier) or a jwtSecret');
  const { customerIdentity, registrations } = deps;
  if (!customerIdentity) return staffTokens;
  if (!registrations) throw new Error('the customer identity provider needs the registrations');
  const customers = customerIssuerVerifier({
    issuer: customerIdentity.issuer,
    audience: CUSTOMER_AUDIENCE,
    keys: () => registrations.customerSigningKeys(),
  });
  return withCustomers(staffTokens, customers, customerIdentity.issuer);
}

export function createApp(deps: AppDeps): Express {
  const log = deps.log ?? ((message: string, err?: unknown) => console.error(`[api] ${message}`, err ?? ''));
  const tokens = tokensOf(deps);
  const { customerIdentity } = deps;
  const sessions = deps.sessions
    ? backOfficeSessions({ ...deps.sessions, sessions: deps.sessions.store, log: deps.log })
    : undefined;
  const authentication: Authentication = {
    tokens,
    readSession: sessions ? (req) => sessions.readSession(req) : undefined,
  };
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);

  serveProbes(app, deps, log);

  if (deps.codec) app.use(codecRouter({ ...deps.codec, authentication }));

  app.use(
    uiRouter({
      dir: deps.uiDir,
      signedIn: sessions ? async (req) => (await sessions.readSession(req)) !== undefined : undefined,
    }),
  );
  const registrationDeps = deps.registrations
    ? { client: deps.client, registrations: deps.registrations, taskQueue: deps.taskQueue }
    : undefined;
  // The emailed link's page is opened by the customer, who has no sign-in here; its form is sent
  // as a browser sends forms (urlencoded), so it comes before every body is read as JSON.
  if (registrationDeps) app.use(registrationLinkRouter(registrationDeps));
  const resetDeps = registrationDeps && {
    ...registrationDeps,
    withinMs: deps.passwordResetWithinMs ?? DEFAULT_PASSWORD_RESET_WITHIN_MS,
  };
  if (resetDeps) app.use(passwordResetLinkRouter(resetDeps));
  if (resetDeps && customerIdentity) {
    // Its sign-in pages first, then the provider itself (which reads its own bodies).
    app.use(customerSignInRouter({ ...resetDeps, provider: customerIdentity.provider }));
    app.use(CUSTOMER_IDENTITY_PATH, customerIdentity.provider.callback());
  }
  // Every other POST body is JSON, whatever its Content-Type says, and never content-encoded (a
  // gzip body is a 415: nothing to inflate, no bomb to defuse); a GET's body is never read.
  app.use(
    express.json({ limit: '64kb', strict: true, inflate: false, type: (req) => req.method === 'POST' }),
  );
  if (sessions) app.use(sessions.router);
  app.use(authenticate(authentication));
  // A customer's tokens from before their password changed (a reset) are signed out.
  if (deps.registrations) app.use(customerSignedIn(deps.registrations));
  serveProcesses(app, deps, log);
  if (registrationDeps) app.use(registrationsRouter(registrationDeps));
  if (registrationDeps) app.use(customersRouter(registrationDeps));
  if (resetDeps) app.use(passwordResetsRouter(resetDeps));
  app.use((req, _res, next) =>
    next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`)),
  );
  app.use(errorHandler(log));
  return app;
}
