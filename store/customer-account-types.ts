/**
 * What the registration store does for customers' accounts beyond their sign-up: forgotten
 * passwords (store/sql-password-resets.ts) and the customer identity provider's storage
 * (store/sql-customer-identity.ts). Types only.
 */
import type { PasswordResetStatus, PasswordResetView, ResetLinkVerdict } from '../domain/password-reset';
import type { Failures } from '../domain/sign-in-throttle';

/** The customer a reset was opened for. */
export interface ResetCustomer {
  customerId: string;
  email: string;
  name: string;
}

export type ResetOutcome =
  { kind: 'changed'; resetId: string; customerId: string } | { kind: Exclude<ResetLinkVerdict, 'ok'> };

export interface PasswordResetOperations {
  /**
   * Opens a reset for the address's customer, replacing their pending ones (answered, so their
   * processes end), or nothing for an address no customer has. The same reset id again: as before.
   */
  openPasswordReset(input: {
    resetId: string;
    email: string;
    at: string;
    expiresAt: string;
  }): Promise<{ customer: ResetCustomer; replaced: string[]; limited?: true } | undefined>;
  /** Keeps a link's hash for a pending reset; nothing (false) once it is not pending. */
  savePasswordResetLink(input: { resetId: string; tokenHash: string; at: string }): Promise<boolean>;
  /** A link's verdict now: whether its page may take a new password. */
  passwordResetLink(tokenHash: string, now: number): Promise<{ verdict: ResetLinkVerdict; resetId?: string }>;
  /** The new password (its hash) through a link: once, while it is its customer's newest and live. */
  usePasswordResetLink(input: { tokenHash: string; passwordHash: string; at: string }): Promise<ResetOutcome>;
  /** Ends a reset not used by its deadline; answers how it ended (used meanwhile: Completed). */
  endPasswordReset(resetId: string, at: string): Promise<PasswordResetStatus>;
  recordPasswordResetView(view: PasswordResetView): Promise<void>;
  getPasswordReset(resetId: string): Promise<PasswordResetView | undefined>;
  /** The address's customer's resets, newest first (at most 20). */
  passwordResetsFor(email: string): Promise<PasswordResetView[]>;
  /** When the customer's password last changed (ms), if it ever did. */
  passwordChangedAt(customerId: string): Promise<number | undefined>;
}

export type Payload = Record<string, unknown>;

/** A customer as the sign-in checks them. */
export interface SignInCustomer {
  customerId: string;
  email: string;
  name: string;
  passwordHash: string;
}

export interface CustomerIdentityOperations {
  idpUpsert(model: string, id: string, payload: Payload, expiresAt?: number): Promise<void>;
  idpFind(model: string, id: string, now: number): Promise<Payload | undefined>;
  idpFindByUid(uid: string, now: number): Promise<Payload | undefined>;
  idpFindByUserCode(userCode: string, now: number): Promise<Payload | undefined>;
  idpConsume(model: string, id: string, at: number): Promise<void>;
  idpDestroy(model: string, id: string): Promise<void>;
  idpRevokeByGrantId(grantId: string): Promise<void>;
  /** The signing keys, newest first (private JWKs); retired ones are left out. */
  customerSigningKeys(): Promise<Record<string, unknown>[]>;
  /** Keeps a key (a first one made by two processes at once: the first kept wins). */
  addCustomerSigningKey(jwk: Record<string, unknown> & { kid: string }, at: string): Promise<void>;
  retireCustomerSigningKey(kid: string, at: string): Promise<void>;
  customerForSignIn(email: string): Promise<SignInCustomer | undefined>;
  /** A stronger hash of the same password (its parameters were raised). */
  rehashCustomerPassword(customerId: string, oldHash: string, newHash: string): Promise<void>;
  signInFailures(keys: string[]): Promise<Map<string, Failures>>;
  recordSignInFailure(keys: string[], now: number): Promise<void>;
  /**
   * A sign-in try, counted before its password is checked (so tries sent at once count one by one):
   * allowed, or how long its account or client address must wait (nothing counted then).
   */
  claimSignInTry(
    keys: { account: string; client: string },
    now: number,
    /** `passClient`: the customer set a new password lately; the client address's count does not hold them. */
    options?: { passClient?: boolean },
  ): Promise<{ allowed: true; clientBefore?: Failures } | { allowed: false; retryAfterSeconds: number }>;
  /** The try's password was right: the account's count is forgotten, the client's try taken back. */
  signInSucceeded(keys: { account: string; client: string }, clientBefore?: Failures): Promise<void>;
  /** Drops the provider's expired rows and failure counts nobody added to for a day. */
  sweepCustomerIdentity(now: number): Promise<void>;
  clearSignInFailures(keys: string[]): Promise<void>;
}
