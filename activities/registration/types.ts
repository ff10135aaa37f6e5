/**
 * The registration process's activities as the workflow sees them: inputs and outputs only. The
 * workflow imports this module's types, never the implementations. Nothing here carries the
 * password, its hash or a link's token: the store keeps them (store/registration-store.ts).
 */
import type { RegistrationSettings } from '../../config/settings';
import type { RegistrationStatus, RegistrationView } from '../../domain/registration';

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
   * Makes a fresh one-time token, keeps its hash with the registration's credentials as they are
   * now, and emails the link (`PUBLIC_URL/registrations/confirm?token=…`). A retry makes another
   * token for the same link number; either works.
   */
  sendConfirmationLink(email: ConfirmationLinkEmail): Promise<void>;
  /** Writes the customer from the opened link's credentials; the same customer on a retry. */
  registerCustomer(input: {
    registrationId: string;
    tokenHash: string;
    customerId: string;
  }): Promise<{ customerId: string; confirmed: 'now' | 'before' }>;
  /** No click in time: the registration lapses, its credentials erased, its address free again. */
  lapseRegistration(input: { registrationId: string }): Promise<{ lapsed: boolean }>;
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
