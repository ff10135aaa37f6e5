/**
 * Who is calling. Systems send a bearer JWT, verified by api/tokens.ts (from the company's
 * identity provider, or HS256 with the shared secret). People in the back office carry a session
 * cookie instead (api/session.ts): HttpOnly, SameSite=Strict, Secure over HTTPS, holding only a
 * random id of a server-side session; a state-changing request on a session must also carry the
 * session's CSRF token in a header (which another site cannot read or set) and, when the browser
 * sends one, an Origin of this server.
 */
import crypto from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { SignJWT } from 'jose';
import { ROLES, type Role } from './contract';
import { HttpError } from './errors';
import type { TokenVerifier } from './tokens';

export { ROLES, type Role };

export interface Caller {
  sub: string;
  /** Every role the caller holds (a manager is also an employee). */
  roles: Role[];
  name?: string;
  via: 'bearer' | 'session';
  /** A bearer token's `iat` (seconds). */
  issuedAt?: number;
  /** For a session: the token its state-changing requests must carry. */
  csrfToken?: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    caller?: Caller;
  }
}

export const SESSION_COOKIE = 'tc_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The cookies a request carries, by name. */
export function cookies(req: Request): Record<string, string> {
  const found: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at < 1) continue;
    const name = part.slice(0, at).trim();
    try {
      found[name] = decodeURIComponent(part.slice(at + 1).trim());
    } catch {
      // a cookie that is not ours: ignored
    }
  }
  return found;
}

/** Whether a browser request comes from this server's own pages (when the browser says where from). */
export function sameOrigin(req: Request): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * Whether two secrets are equal, in time that does not depend on where they differ. Compared as
 * bytes: a header is a Latin-1 string, and the same number of characters can be a different
 * number of UTF-8 bytes (43 bytes of 0xE9 are 86), which `timingSafeEqual` refuses with a throw.
 */
export function sameSecret(sent: string, expected: string): boolean {
  const a = Buffer.from(sent, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return b.length > 0 && a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** A session's state-changing request must carry its CSRF token and come from this origin. */
export function checkCsrf(req: Request, caller: Caller): HttpError | undefined {
  if (caller.via !== 'session' || SAFE_METHODS.has(req.method)) return undefined;
  if (!sameSecret(req.get(CSRF_HEADER) ?? '', caller.csrfToken ?? '') || !sameOrigin(req)) {
    return new HttpError(
      403,
      'forbidden',
      'this request did not come from the back office page (its CSRF token is missing or wrong); reload the page and try again',
    );
  }
  return undefined;
}

export interface Authentication {
  /** Verifies bearer tokens: from the issuer, or signed with the shared secret. */
  tokens: TokenVerifier;
  /** The browser session a request's cookie names, if any. */
  readSession?: (req: Request) => Promise<Caller | undefined>;
}

/**
 * Who the request is from, on `req.caller`. An async middleware: Express 5 passes whatever it
 * throws or rejects with to the error handler, so no request's bytes can end up as an unhandled
 * rejection (a throw inside a `.then` callback once ended the process).
 */
export function authenticate({ tokens, readSession: session }: Authentication): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    if (!header) {
      // No bearer token: a browser session, if the request carries one.
      const caller = session ? await session(req) : undefined;
      if (!caller)
        throw new HttpError(401, 'unauthorized', 'a bearer token or a signed-in session is required');
      const refused = checkCsrf(req, caller);
      if (refused) throw refused;
      req.caller = caller;
      next();
      return;
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new HttpError(401, 'unauthorized', 'a bearer token is required');
    const { sub, roles, name, issuedAt } = await tokens.verify(match[1]);
    req.caller = { sub, roles, name, via: 'bearer', issuedAt };
    next();
  };
}

/** Who sent a message, as a process's timeline shows it: `support:sam` (a manager's other role, employee, is not named). */
export function callerName(req: Request): string {
  if (!req.caller) return 'unknown';
  const { caller } = req;
  const role = caller.roles.find((r) => r !== 'employee') ?? caller.roles[0] ?? 'unknown';
  return `${role}:${caller.sub}`;
}

/** Whether the caller holds any of `roles`. */
export function holds(caller: Caller | undefined, ...roles: Role[]): boolean {
  return !!caller && caller.roles.some((r) => roles.includes(r));
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    const caller = req.caller;
    if (!caller) {
      next(new HttpError(401, 'unauthorized', 'a bearer token is required'));
      return;
    }
    if (!holds(caller, ...roles)) {
      next(
        new HttpError(
          403,
          'forbidden',
          `this needs the role ${roles.join(' or ')}; ${caller.via === 'session' ? 'you are signed in as' : 'the token has'} ${caller.roles.join(', ')}`,
        ),
      );
      return;
    }
    next();
  };
}

export async function signToken(
  secret: string,
  caller: { sub: string; role: Role; name?: string },
  expiresIn = '12h',
): Promise<string> {
  return new SignJWT({ role: caller.role, ...(caller.name ? { name: caller.name } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(caller.sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
