/**
 * Who is calling. Systems send a bearer JWT (HS256) with a `sub` and one of the contract's roles.
 * People in the back office carry a session cookie instead: HttpOnly (no script can read it),
 * SameSite=Strict, Secure over HTTPS, holding a signed token with their roles; a state-changing
 * request on a session must also carry the session's CSRF token in a header (which another site
 * cannot read or set) and, when the browser sends one, an Origin of this server.
 */
import crypto from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { jwtVerify, SignJWT } from 'jose';
import { ROLES, type Role } from './contract';
import { HttpError } from './errors';

export { ROLES, type Role };

export interface Caller {
  sub: string;
  /** The role a bearer token carries; for a session, the first of its roles. */
  role: Role;
  /** Every role the caller holds (a manager is also an employee). */
  roles: Role[];
  name?: string;
  via: 'bearer' | 'session';
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
const SESSION_AUDIENCE = 'back-office-session';
const SESSION_HOURS = 12;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const keyOf = (secret: string): Uint8Array => new TextEncoder().encode(secret);

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

/** The session a request's cookie names, if it is valid. */
export async function readSession(req: Request, secret: string): Promise<Caller | undefined> {
  const token = cookies(req)[SESSION_COOKIE];
  if (!token) return undefined;
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), {
      algorithms: ['HS256'],
      audience: SESSION_AUDIENCE,
    });
    const roles = (Array.isArray(payload.roles) ? payload.roles : []).filter((r): r is Role =>
      ROLES.includes(r as Role),
    );
    if (typeof payload.sub !== 'string' || !payload.sub || roles.length === 0) return undefined;
    if (typeof payload.csrf !== 'string') return undefined;
    return {
      sub: payload.sub,
      role: roles[0]!,
      roles,
      name: typeof payload.name === 'string' ? payload.name : payload.sub,
      via: 'session',
      csrfToken: payload.csrf,
    };
  } catch {
    return undefined;
  }
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

/** Starts a session: the cookie is set on `res`; the answer carries the CSRF token for the page. */
export async function startSession(
  req: Request,
  res: Response,
  secret: string,
  person: { sub: string; name: string; roles: Role[] },
): Promise<Caller> {
  const csrfToken = crypto.randomBytes(24).toString('base64url');
  const token = await new SignJWT({ roles: person.roles, name: person.name, csrf: csrfToken })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(person.sub)
    .setAudience(SESSION_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${SESSION_HOURS}h`)
    .sign(keyOf(secret));
  res.cookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: req.secure,
    path: '/',
    maxAge: SESSION_HOURS * 3_600_000,
  });
  return {
    sub: person.sub,
    role: person.roles[0]!,
    roles: person.roles,
    name: person.name,
    via: 'session',
    csrfToken,
  };
}

export function endSession(req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/' });
}

/** A session's state-changing request must carry its CSRF token and come from this origin. */
export function checkCsrf(req: Request, caller: Caller): HttpError | undefined {
  if (caller.via !== 'session' || SAFE_METHODS.has(req.method)) return undefined;
  const sent = req.get(CSRF_HEADER) ?? '';
  const expected = caller.csrfToken ?? '';
  const matches =
    sent.length === expected.length &&
    expected.length > 0 &&
    crypto.timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
  if (!matches || !sameOrigin(req)) {
    return new HttpError(
      403,
      'forbidden',
      'this request did not come from the back office page (its CSRF token is missing or wrong); reload the page and try again',
    );
  }
  return undefined;
}

export function authenticate(secret: string): RequestHandler {
  const key = keyOf(secret);
  return (req: Request, _res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    if (!header) {
      // No bearer token: a browser session, if the request carries one.
      readSession(req, secret).then(
        (caller) => {
          if (!caller) {
            next(new HttpError(401, 'unauthorized', 'a bearer token or a signed-in session is required'));
            return;
          }
          const refused = checkCsrf(req, caller);
          if (refused) {
            next(refused);
            return;
          }
          req.caller = caller;
          next();
        },
        (err: unknown) => next(err),
      );
      return;
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) {
      next(new HttpError(401, 'unauthorized', 'a bearer token is required'));
      return;
    }
    jwtVerify(match[1], key, { algorithms: ['HS256'] }).then(
      ({ payload }) => {
        const role = payload.role as Role;
        if (typeof payload.sub !== 'string' || !payload.sub || !ROLES.includes(role) || payload.aud) {
          next(new HttpError(401, 'unauthorized', 'the token needs a sub and a known role'));
          return;
        }
        req.caller = { sub: payload.sub, role, roles: [role], via: 'bearer' };
        next();
      },
      () => next(new HttpError(401, 'unauthorized', 'the token is invalid or expired')),
    );
  };
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
  caller: { sub: string; role: Role },
  expiresIn = '12h',
): Promise<string> {
  return new SignJWT({ role: caller.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(caller.sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
