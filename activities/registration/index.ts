/**
 * The registration process's activities, built from their clients: the registration store, the
 * mailer and the event publisher (the adapters the other processes use; `customer.registered` goes
 * to the `commerce` exchange). The link's token is made here, emailed, and kept only as a hash.
 */
import { ApplicationFailure } from '@temporalio/activity';
import {
  newLinkToken,
  RegistrationNotConfirmable,
  tokenHash,
  type RegistrationStore,
} from '../../store/registration-store';
import type { EventPublisher, Mailer } from '../adapters/ports';
import { alertSupport } from '../adapters/support-alerts';
import { confirmationLinkContent, registrationSupportAlertContent, welcomeContent } from './emails';
import type { RegistrationActivities, RegistrationSettings } from './types';

export interface RegistrationActivityDeps {
  registrations: RegistrationStore;
  mailer: Mailer;
  events: EventPublisher;
  settings: RegistrationSettings;
  fromEmail: string;
  supportEmail: string;
  /** PUBLIC_URL: where the customer's browser reaches the API; the link is built on it. */
  publicUrl: string;
}

/** The ApplicationFailure type of a confirmation the store refuses for good. */
export const REGISTRATION_NOT_CONFIRMABLE = 'RegistrationNotConfirmable';

export function confirmationUrl(publicUrl: string, token: string): string {
  const url = new URL('/registrations/confirm', publicUrl.replace(/\/+$/, '') + '/');
  url.searchParams.set('token', token);
  return url.toString();
}

export function createRegistrationActivities(deps: RegistrationActivityDeps): RegistrationActivities {
  const { registrations, mailer, events, settings } = deps;
  return {
    async loadRegistrationSettings() {
      return settings;
    },
    async claimConfirmationLink(input) {
      return registrations.claimLink(input);
    },
    async sendConfirmationLink(email) {
      const token = newLinkToken();
      const { saved } = await registrations.saveLink({
        tokenHash: tokenHash(token),
        registrationId: email.registrationId,
        linkNumber: email.linkNumber,
        expiresAt: email.expiresAt,
        createdAt: new Date().toISOString(),
      });
      // Confirmed or lapsed meanwhile: a link that could never work is not sent.
      if (!saved) return;
      await mailer.send({
        to: email.to,
        from: deps.fromEmail,
        messageKey: `${email.registrationId}:confirmation_link:${email.linkNumber}`,
        category: 'registration_confirmation_link',
        ...confirmationLinkContent({
          link: confirmationUrl(deps.publicUrl, token),
          expiresAt: email.expiresAt,
          linkNumber: email.linkNumber,
        }),
      });
    },
    async registerCustomer({ registrationId, tokenHash: hash, customerId }) {
      try {
        const { customer, confirmed, others } = await registrations.confirmRegistration({
          registrationId,
          tokenHash: hash,
          customerId,
          at: new Date().toISOString(),
        });
        return { customerId: customer.customerId, confirmed, others };
      } catch (err) {
        if (err instanceof RegistrationNotConfirmable) {
          throw ApplicationFailure.create({
            type: REGISTRATION_NOT_CONFIRMABLE,
            message: err.message,
            nonRetryable: true,
          });
        }
        throw err;
      }
    },
    async lapseRegistration({ registrationId, reason }) {
      return registrations.lapseRegistration(registrationId, new Date().toISOString(), reason);
    },
    async recordRegistrationStatus({ registrationId, version, view }) {
      await registrations.recordRegistrationView(registrationId, version, view);
    },
    async sendWelcomeEmail(email) {
      await mailer.send({
        to: email.to,
        from: deps.fromEmail,
        messageKey: `${email.registrationId}:welcome`,
        category: 'registration_welcome',
        ...welcomeContent({
          ...email,
          accountUrl: new URL('/account/', deps.publicUrl.replace(/\/+$/, '') + '/').toString(),
        }),
      });
    },
    async publishCustomerRegistered(event) {
      await events.publish({
        exchange: 'commerce',
        type: 'customer.registered',
        messageId: `${event.registrationId}:customer.registered`,
        occurredAt: event.occurredAt,
        customerId: event.customerId,
        data: {
          customerId: event.customerId,
          registrationId: event.registrationId,
          email: event.email,
          name: event.name,
        },
      });
    },
    async alertRegistrationSupport(alert) {
      await alertSupport(mailer, events, {
        kind: alert.kind,
        messageKey: alert.messageKey,
        email: {
          to: deps.supportEmail,
          from: deps.fromEmail,
          ...registrationSupportAlertContent(alert),
        },
        event: {
          exchange: 'commerce',
          data: { registrationId: alert.registrationId, message: alert.message, ...alert.data },
        },
      });
    },
  };
}
