/**
 * The registration process's activities as the workflow sees them: inputs and outputs only. The
 * workflow imports this module's types, never the implementations. Nothing here carries the
 * password, its hash or a link's token: the store keeps them (store/registration-store.ts).
 */
import type { RegistrationSettings } from '../../config/settings';
import type { LapseReason, LinkClaim, RegistrationStatus, RegistrationView } from '../../domain/registration';

export type { RegistrationSettings };

export interface ConfirmationLinkEmail {
  registrationId: string;
  /** 1 for the first link; each fresh link makes the earlier ones stop working. */
  linkNumber: number;
  to: string;
  name: string;
  /** When the link stops working. */
  expiresAt: string;
}

export interface WelcomeEmail {
  registrationId: string;
  customerId: string;
  to: string;
  name: string;
}

export interface CustomerRegisteredEvent {
  registrationId: string;
  customerId: string;
  email: string;
  name: string;
  occurredAt: string;
}

export interface RegistrationSupportAlert {
  registrationId: string;
  kind: string;
  message: string;
  /** Identical on every retry of the same alert. */
  messageKey: string;
  data?: Record<string, unknown>;
}

export interface RegistrationActivities {
  loadRegistrationSettings(): Promise<RegistrationSettings>;
  /**
   * Takes a place for the registration's next link under its address's limits (one a minute, four
   * an hour, whichever sign-up of the address sends), at `at` (the process's time). The same link
   * asked again (a retry) is granted again.
   */
  claimConfirmationLink(input: {
    registrationId: string;
    linkNumber: number;
    at: string;
  }): Promise<LinkClaim>;
  /**
   * Makes a fresh one-time token, keeps its hash with the registration's credentials, and emails
   * the link (`PUBLIC_URL/registrations/confirm?token=…`). A retry makes another token for the
   * same link number; either works. Nothing is sent once the registration is no longer pending.
   */
  sendConfirmationLink(email: ConfirmationLinkEmail): Promise<void>;
  /**
   * Writes the customer from the opened link's credentials; the same customer on a retry.
   * `others`: the address's other sign-ups still pending, which lost (absent in histories from
   * before each sign-up was its own registration).
   */
  registerCustomer(input: {
    registrationId: string;
    tokenHash: string;
    customerId: string;
  }): Promise<{ customerId: string; confirmed: 'now' | 'before'; others?: string[] }>;
  /** Not confirmed in time, or closed: the registration lapses and everything personal of it is erased. */
  lapseRegistration(input: { registrationId: string; reason?: LapseReason }): Promise<{ lapsed: boolean }>;
  recordRegistrationStatus(record: {
    registrationId: string;
    status: RegistrationStatus;
    version: number;
    view: RegistrationView;
  }): Promise<void>;
  sendWelcomeEmail(email: WelcomeEmail): Promise<void>;
  publishCustomerRegistered(event: CustomerRegisteredEvent): Promise<void>;
  alertRegistrationSupport(alert: RegistrationSupportAlert): Promise<void>;
}
