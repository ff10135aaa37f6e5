/** A customer's tokens from before their password changed no longer sign them in. */
import type { RequestHandler } from 'express';
import { issuedBeforeChange } from '../../domain/password-reset';
import type { RegistrationStore } from '../../store';
import { customerOf } from '../customer-caller';
import { HttpError } from '../errors';

/**
 * A customer signed in before their password changed is signed out: a reset ends every session
 * (401, as for any token that no longer proves who is calling).
 */
export function customerSignedIn(
  registrations: Pick<RegistrationStore, 'passwordChangedAt'>,
): RequestHandler {
  return async (req, _res, next) => {
    const customer = customerOf(req.caller);
    if (customer && issuedBeforeChange(req.caller!.issuedAt, await registrations.passwordChangedAt(customer)))
      throw new HttpError(
        401,
        'unauthorized',
        'signed out: the password of this account was changed; sign in again',
      );
    next();
  };
}
