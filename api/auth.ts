/** Bearer JWTs (HS256) with a `sub` and one of the contract's roles. */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { jwtVerify, SignJWT } from 'jose';
import { HttpError } from './errors';

export const ROLES = ['storefront', 'support', 'manager', 'warehouse', 'employee', 'hr'] as const;
export type Role = (typeof ROLES)[number];

export interface Caller {
  sub: string;
  role: Role;
}

declare module 'express-serve-static-core' {
  interface Request {
    caller?: Caller;
  }
}

export function authenticate(secret: string): RequestHandler {
  const key = new TextEncoder().encode(secret);
  return (req: Request, _res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) {
      next(new HttpError(401, 'unauthorized', 'a bearer token is required'));
      return;
    }
    jwtVerify(match[1], key, { algorithms: ['HS256'] }).then(
      ({ payload }) => {
        const role = payload.role as Role;
        if (typeof payload.sub !== 'string' || !payload.sub || !ROLES.includes(role)) {
          next(new HttpError(401, 'unauthorized', 'the token needs a sub and a known role'));
          return;
        }
        req.caller = { sub: payload.sub, role };
        next();
      },
      () => next(new HttpError(401, 'unauthorized', 'the token is invalid or expired')),
    );
  };
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    const caller = req.caller;
    if (!caller) {
      next(new HttpError(401, 'unauthorized', 'a bearer token is required'));
      return;
    }
    if (!roles.includes(caller.role)) {
      next(
        new HttpError(
          403,
          'forbidden',
          `this needs the role ${roles.join(' or ')}; the token has ${caller.role}`,
        ),
      );
      return;
    }
    next();
  };
}

export async function signToken(secret: string, caller: Caller, expiresIn = '12h'): Promise<string> {
  return new SignJWT({ role: caller.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(caller.sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
