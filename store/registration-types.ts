/**
 * What the registration store keeps and answers (store/registration-store.ts opens it): the
 * registrations, their confirmation links and the customers they become, and the errors its
 * transactions end in.
 */
import type { CustomerIdentityOperations, PasswordResetOperations } from './customer-account-types';
import type { LapseReason, LinkClaim, RegistrationStatus, RegistrationView } from '../domain/registration';

export interface StoredRegistration {
  registrationId: string;
  /** Empty once lapsed: erased. */
  email: string;
  /** Empty once lapsed: erased. */
  name: string;
  /** Set only by the moves that decide it: opened, confirmed, lapsed. */
  status: RegistrationStatus;
  statusVersion: number;
  /** The process's last recorded view. */
  view?: RegistrationView;
  createdAt: string;
  updatedAt: string;
}

export interface Customer {
  customerId: string;
  email: string;
  name: string;
  registrationId: string;
  createdAt: string;
}

export type OpenResult =
  /** A new registration, whatever other sign-ups of the address are pending: they are left as they are. */
  | { kind: 'opened'; registration: StoredRegistration }
  /** The address belongs to a customer. */
  | { kind: 'customer' };

/** A password tried on a link's page: check it against this hash, or refuse (closed or unknown). */
export type PasswordTry =
  | { kind: 'check'; registrationId: string; passwordHash: string; lastTry: boolean; triesLeftAfter: number }
  /** PASSWORD_TRIES were used: the registration is closed. */
  | { kind: 'closed'; registrationId: string }
  /** No such link, or its registration is no longer pending. */
  | { kind: 'unknown' };

/** What the store keeps keys for: the address's keyed hash, the confirmation form's check. */
export type KeyPurpose = 'address' | 'confirmation-form' | 'customer-identity-cookies';

export interface ConfirmationLink {
  registrationId: string;
  linkNumber: number;
  expiresAt: string;
}

export interface RegistrationStore extends PasswordResetOperations, CustomerIdentityOperations {
  openRegistration(input: {
    registrationId: string;
    email: string;
    name: string;
    passwordHash: string;
    createdAt: string;
  }): Promise<OpenResult>;
  getRegistration(registrationId: string): Promise<StoredRegistration | undefined>;
  /** The address's registrations, newest first (at most 20); lapsed ones are erased, so never among them. */
  registrationsFor(email: string): Promise<StoredRegistration[]>;
  /** The process's view; `version` orders the records, so a late one never overwrites a newer one. */
  recordRegistrationView(registrationId: string, version: number, view: RegistrationView): Promise<void>;
  /**
   * Takes a place for link `linkNumber` of the registration under its address's LINK_LIMITS, at
   * `at` (the process's time): granted, or refused with how long to wait. The same link asked
   * again (a retry) is granted again; the limit counts every sign-up of the address.
   */
  claimLink(input: { registrationId: string; linkNumber: number; at: string }): Promise<LinkClaim>;
  /** When links went to the registration's address within LINK_LIMITS' hour before `now`, oldest first. */
  linkTimesFor(registrationId: string, now: string): Promise<string[]>;
  /**
   * Keeps a link's token hash with the registration's credentials (they never change: each
   * sign-up is its own registration), and counts the link for the address if it was not claimed.
   * A retry of one link may keep a second token; both work. Nothing is kept (`saved: false`)
   * once the registration is no longer pending.
   */
  saveLink(input: ConfirmationLink & { tokenHash: string; createdAt: string }): Promise<{ saved: boolean }>;
  findLink(tokenHash: string): Promise<ConfirmationLink | undefined>;
  /**
   * A password tried on the link's page: counted (right or wrong) before it is checked, so no more
   * than PASSWORD_TRIES are ever checked for one registration, however many arrive at once.
   */
  tryPassword(tokenHash: string): Promise<PasswordTry>;
  /**
   * Writes the customer from the link's credentials and marks the registration confirmed, in one
   * transaction; `before` when it already was (a retry). Throws when it lapsed, the link is not
   * its, or another sign-up of the address was confirmed first. `others`: the address's other
   * sign-ups still pending, which lost and are to lapse.
   */
  confirmRegistration(input: {
    registrationId: string;
    tokenHash: string;
    customerId: string;
    at: string;
  }): Promise<{ customer: Customer; confirmed: 'now' | 'before'; others: string[] }>;
  /**
   * Marks a pending registration lapsed and erases everything personal of it: the address, the
   * name, the password hash, its links and password tries, and its view (timeline included); a
   * tombstone with its id, status and times is left.
   */
  lapseRegistration(registrationId: string, at: string, reason?: LapseReason): Promise<{ lapsed: boolean }>;
  /** A key the store made once (32 random bytes), shared by every API and worker on the database. */
  keyFor(purpose: KeyPurpose): Promise<Buffer>;
  getCustomer(customerId: string): Promise<Customer | undefined>;
  /** The customer's password hash, for the sign-in a storefront builds on it. */
  passwordHashOf(email: string): Promise<string | undefined>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A registration the store cannot confirm: it lapsed, the link is another registration's, or the address is a customer's. */
export class RegistrationNotConfirmable extends Error {
  override readonly name = 'RegistrationNotConfirmable';
}

/** A unique index refused a write another transaction made first; the caller reads again. */
export class RegistrationRace extends Error {
  override readonly name = 'RegistrationRace';
}
