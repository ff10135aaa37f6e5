/**
 * People's sign-in to the back office: OpenID Connect's authorization-code flow with PKCE, run by
 * a certified relying-party library (panva's `openid-client`), against the company's identity
 * provider or the embedded one `npm start` runs: the same code either way.
 *
 * - GET /session/sign-in?returnTo=… seals the attempt (state, nonce, PKCE verifier, the page to
 *   return to) into a short-lived cookie of this browser, and redirects to the provider. Nothing is
 *   stored: a stranger can ask for the sign-in page as often as they like and the database does not
 *   grow. The provider's code is one-time, so a replayed callback cannot sign in twice.
 * - GET /session/callback exchanges the code (the library checks state, PKCE, the ID token's
 *   signature, issuer, audience and nonce), reads the person's id and roles from the ID token's
 *   claims with the same rules as a bearer token, starts a server-side session and returns the
 *   person to the page they were on. The session cookie holds only the session's random id.
 * - POST /session/sign-out ends the session here and answers the provider's end-session URL, where
 *   the page sends the browser so the provider's session ends too.
 *
 * Without an identity provider (AUTH_JWT_SECRET mode) there is no sign-in: /session/sign-in says so.
 */
import crypto from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type * as OpenId from 'openid-client' with { 'resolution-mode': 'import' };
import type { IssuerSettings } from '../config/settings';
import type { BackOfficeSession, SessionStore } from '../store';
import { checkCsrf, cookies, SESSION_COOKIE, type Caller, type Role } from './auth';
import {
  finishSignIn,
  getSession,
  signOut,
  startSignIn,
  type SessionAnswer,
  type SignOutAnswer,
} from './contract';
import { HttpError } from './errors';
import { seal, unseal } from './sealed';
import { escapeHtml } from './html';
import { assetHref } from './ui';
import { handlePage, mount } from './mount';
import { callerFromClaims } from './tokens';

export const SIGN_IN_COOKIE = 'tc_sign_in';
const SIGN_IN_MINUTES = 10;

/** A sign-in sent to the provider and not back yet: what its callback must match. */
interface SignInAttempt {
  state: string;
  codeVerifier: string;
  nonce: string;
  returnTo: string;
}

export interface SignInSettings {
  issuer: IssuerSettings;
  clientId: string;
  clientSecret?: string;
  /** Scopes asked of the provider; the roles claim must come with them. */
  scopes: string;
}

export interface SessionDeps {
  sessions: SessionStore;
  /** How long a session lasts. */
  ttlMs: number;
  /** The address people reach the back office at (the callback is under it). */
  publicUrl: string;
  /** Unset: no people's sign-in (bearer tokens only). */
  signIn?: SignInSettings;
  log?: (message: string, err?: unknown) => void;
  now?: () => number;
  /** Support's escalation links, as URL templates (api/escalation-links.ts). */
  tools?: SessionAnswer['tools'];
}

const hash = (value: string): string => crypto.createHash('sha256').update(value).digest('base64url');
const randomId = (): string => crypto.randomBytes(32).toString('base64url');

/** A page to come back to: a path on this server (no scheme, no other host, no `//`). */
export function safeReturnTo(value: string | undefined): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return '/';
  return value;
}

// openid-client is an ES module; this project compiles to CommonJS, so it is loaded with import().
const loadOpenId = (): Promise<typeof OpenId> => import('openid-client');

export interface BackOfficeSessions {
  router: Router;
  /** The caller a request's session cookie names, if the session is live. */
  readSession(req: Request): Promise<Caller | undefined>;
}

export function backOfficeSessions(deps: SessionDeps): BackOfficeSessions {
  const now = deps.now ?? Date.now;
  const redirectUri = `${deps.publicUrl}/session/callback`;
  const secure = deps.publicUrl.startsWith('https:');
  // Plain HTTP is allowed only to a loopback issuer: a provider on this machine, not a company's.
  const localProvider = deps.signIn?.issuer.issuer.startsWith('http:') ?? false;
  let discovered: Promise<OpenId.Configuration> | undefined;
  let sealingKey: Promise<Buffer> | undefined;
  /** The key sign-ins in flight are sealed with: read once, shared by every replica through the store. */
  const signInKey = (): Promise<Buffer> =>
    (sealingKey ??= deps.sessions.signInKey().catch((err: unknown) => {
      sealingKey = undefined;
      throw err;
    }));

  async function provider(): Promise<{ lib: typeof OpenId; config: OpenId.Configuration }> {
    const lib = await loadOpenId();
    const signIn = deps.signIn!;
    discovered ??= lib
      .discovery(
        new URL(signIn.issuer.issuer),
        signIn.clientId,
        undefined,
        signIn.clientSecret ? lib.ClientSecretBasic(signIn.clientSecret) : lib.None(),
        // Plain HTTP only reaches a loopback issuer (the configuration refuses any other).
        signIn.issuer.issuer.startsWith('http:') ? { execute: [lib.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        discovered = undefined;
        throw err;
      });
    return { lib, config: await discovered };
  }

  /** The live session a request's cookie names, if any. */
  async function liveSession(req: Request): Promise<BackOfficeSession | undefined> {
    const id = cookies(req)[SESSION_COOKIE];
    const session = id ? await deps.sessions.findSession(hash(id), now()) : undefined;
    return session && session.roles.length > 0 ? session : undefined;
  }

  const callerOf = (session: BackOfficeSession): Caller => ({
    sub: session.sub,
    roles: session.roles,
    name: session.name,
    via: 'session',
    csrfToken: session.csrfToken,
  });

  async function readSession(req: Request): Promise<Caller | undefined> {
    const session = await liveSession(req);
    return session && callerOf(session);
  }

  function answer(caller: Caller, expiresAt: number): SessionAnswer {
    return {
      sub: caller.sub,
      name: caller.name ?? caller.sub,
      roles: caller.roles,
      csrfToken: caller.csrfToken ?? '',
      devSignIn: localProvider,
      expiresAt: new Date(expiresAt).toISOString(),
      ...(deps.tools && caller.roles.includes('support') ? { tools: deps.tools } : {}),
    };
  }

  function page(res: Response, status: number, title: string, text: string, again?: string): void {
    const css = assetHref('app.css');
    const stylesheet = css ? `<link rel="stylesheet" href="${escapeHtml(css)}">` : '';
    res
      .status(status)
      .type('html')
      .setHeader('Cache-Control', 'no-store')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>${stylesheet}</head><body><main class="page narrow"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>${again ? `<p><a href="${escapeHtml(again)}">${again.startsWith('/session/sign-in') && status === 503 ? 'Try again' : 'Sign in again'}</a></p>` : ''}</main></body></html>`,
      );
  }

  /** The provider, or a page saying it cannot be reached (nothing else to do but try again). */
  async function providerOrPage(
    res: Response,
  ): Promise<{ lib: typeof OpenId; config: OpenId.Configuration } | undefined> {
    try {
      return await provider();
    } catch (err) {
      deps.log?.('the identity provider cannot be reached', err instanceof Error ? err.message : String(err));
      page(
        res,
        503,
        'Sign-in is not available right now',
        'The identity provider cannot be reached. Try again in a moment; if it lasts, tell the on-call engineer.',
        '/session/sign-in',
      );
      return undefined;
    }
  }

  /**
   * The code exchanged at the provider (the library checks state, PKCE, the ID token's signature,
   * issuer, audience and nonce): the ID token's claims, or undefined once a page has said why not.
   */
  async function claimsOf(
    req: Request,
    res: Response,
    attempt: SignInAttempt,
  ): Promise<{ claims: Record<string, unknown>; idToken?: string } | undefined> {
    const found = await providerOrPage(res);
    if (!found) return undefined;
    const { lib, config } = found;
    try {
      const currentUrl = new URL(req.originalUrl, deps.publicUrl);
      const tokens = await lib.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: attempt.codeVerifier,
        expectedState: attempt.state,
        expectedNonce: attempt.nonce,
        idTokenExpected: true,
      });
      return { claims: { ...(tokens.claims() ?? {}) }, idToken: tokens.id_token };
    } catch (err) {
      deps.log?.('a sign-in failed at the code exchange', err instanceof Error ? err.message : String(err));
      page(
        res,
        400,
        'Sign-in did not finish',
        'The identity provider did not confirm the sign-in. Start it again.',
        `/session/sign-in?returnTo=${encodeURIComponent(attempt.returnTo)}`,
      );
      return undefined;
    }
  }

  /** A server-side session for the person; the browser gets only its random id, in the cookie. */
  async function startSession(
    res: Response,
    person: { sub: string; name: string; roles: Role[] },
    idToken: string | undefined,
  ): Promise<void> {
    const session: BackOfficeSession = {
      ...person,
      csrfToken: randomId(),
      idToken,
      expiresAt: now() + deps.ttlMs,
    };
    const id = randomId();
    await deps.sessions.saveSession(hash(id), session);
    res.cookie(SESSION_COOKIE, id, {
      httpOnly: true,
      sameSite: 'strict',
      secure,
      path: '/',
      maxAge: deps.ttlMs,
    });
  }

  const router = mount(Router(), [
    // Read from the session cookie alone (a bearer token is no session), before authentication.
    handlePage(getSession, async ({ req, res }) => {
      const session = await liveSession(req);
      if (!session) throw new HttpError(401, 'unauthorized', 'not signed in');
      res.setHeader('Cache-Control', 'no-store').json(answer(callerOf(session), session.expiresAt));
    }),
    handlePage(startSignIn, ({ res, query }) => signInStarted(res, query?.returnTo)),
    handlePage(finishSignIn, ({ req, res }) => signInFinished(req, res)),
    handlePage(signOut, ({ req, res }) => signedOut(req, res)),
  ]);

  async function signInStarted(res: Response, returnTo: string | undefined): Promise<void> {
    if (!deps.signIn) {
      page(
        res,
        404,
        'Sign-in is off',
        'People cannot sign in to this server: it is set up for systems only (bearer tokens signed with AUTH_JWT_SECRET). If you expected to work here, tell whoever runs it. For them: set AUTH_ISSUER and AUTH_CLIENT_ID to sign people in through the company\'s identity provider, or run "npm start" without AUTH_JWT_SECRET for the embedded one.',
      );
      return;
    }
    const found = await providerOrPage(res);
    if (!found) return;
    const { lib, config } = found;
    const state = lib.randomState();
    const nonce = lib.randomNonce();
    const codeVerifier = lib.randomPKCECodeVerifier();
    const attempt: SignInAttempt = { state, codeVerifier, nonce, returnTo: safeReturnTo(returnTo) };
    const sealed = seal(await signInKey(), SIGN_IN_COOKIE, attempt, now() + SIGN_IN_MINUTES * 60_000);
    // Lax, not Strict: the provider's redirect back is a navigation from another site.
    res.cookie(SIGN_IN_COOKIE, sealed, {
      httpOnly: true,
      sameSite: 'lax',
      secure,
      path: '/session',
      maxAge: SIGN_IN_MINUTES * 60_000,
    });
    const url = lib.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: deps.signIn.scopes,
      state,
      nonce,
      code_challenge: await lib.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    res.setHeader('Cache-Control', 'no-store').redirect(302, url.href);
  }

  async function signInFinished(req: Request, res: Response): Promise<void> {
    const signIn = deps.signIn;
    if (!signIn) throw new HttpError(404, 'not_found', 'sign-in is off');
    const again = '/session/sign-in';
    const sealed = cookies(req)[SIGN_IN_COOKIE];
    res.clearCookie(SIGN_IN_COOKIE, { httpOnly: true, sameSite: 'lax', secure, path: '/session' });
    const sent = typeof req.query.state === 'string' ? req.query.state : '';
    if (typeof req.query.error === 'string') {
      const said =
        typeof req.query.error_description === 'string' ? req.query.error_description : req.query.error;
      page(res, 400, 'Sign-in did not finish', `The identity provider answered: ${said}.`, again);
      return;
    }
    const opened = sealed
      ? unseal<SignInAttempt>(await signInKey(), SIGN_IN_COOKIE, sealed, now())
      : undefined;
    const attempt = opened && sent && opened.state === sent ? opened : undefined;
    if (!attempt) {
      page(
        res,
        400,
        'This sign-in has expired',
        'It was started in another browser, used already, or left too long. Start it again.',
        again,
      );
      return;
    }
    const claims = await claimsOf(req, res, attempt);
    if (!claims) return;
    let person;
    try {
      person = callerFromClaims(claims.claims, signIn.issuer);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 400;
      page(
        res,
        status,
        'No access to the back office',
        `You are signed in at the identity provider, but it gives you no role in this app (its ${signIn.issuer.rolesClaim} claim). Ask your administrator for one.`,
      );
      return;
    }
    await startSession(res, { ...person, name: person.name ?? person.sub }, claims.idToken);
    res.setHeader('Cache-Control', 'no-store').redirect(303, attempt.returnTo);
  }

  async function signedOut(req: Request, res: Response): Promise<void> {
    const caller = await readSession(req);
    let ended: BackOfficeSession | undefined;
    if (caller) {
      const refused = checkCsrf(req, caller);
      if (refused) throw refused;
      ended = await deps.sessions.deleteSession(hash(cookies(req)[SESSION_COOKIE]!));
    }
    res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure, path: '/' });
    const answered: SignOutAnswer = {};
    if (deps.signIn && ended) {
      try {
        const { lib, config } = await provider();
        if (config.serverMetadata().end_session_endpoint) {
          answered.endSessionUrl = lib.buildEndSessionUrl(config, {
            post_logout_redirect_uri: `${deps.publicUrl}/`,
            ...(ended.idToken ? { id_token_hint: ended.idToken } : {}),
          }).href;
        }
      } catch (err) {
        deps.log?.(
          "the identity provider's sign-out page is unknown",
          err instanceof Error ? err.message : String(err),
        );
      }
    }
    res.json(answered);
  }

  return { router, readSession };
}

/** Drops expired sessions and sign-ins now and then (a lookup ignores them anyway). */
export function sweepExpiredSessions(sessions: SessionStore, everyMs = 15 * 60_000): NodeJS.Timeout {
  const timer = setInterval(() => void sessions.deleteExpired(Date.now()).catch(() => undefined), everyMs);
  timer.unref();
  return timer;
}
