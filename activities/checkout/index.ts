/**
 * The checkout's activities, built from their clients. The worker passes Stripe, SendGrid and
 * RabbitMQ adapters (or the development adapters); tests pass fakes.
 */
import { alertSupport } from '../adapters/support-alerts';
import type { CheckoutSettings } from '../../config/settings';
import type { OrderStore } from '../../store';
import { authorizationRequestContent, customerEmailContent, supportAlertContent } from './emails';
import type { EventPublisher, Mailer } from '../adapters/ports';
import type { CheckoutActivities, PaymentGateway } from './types';

export interface CheckoutActivityDeps {
  store: OrderStore;
  payments: PaymentGateway;
  mailer: Mailer;
  events: EventPublisher;
  settings: CheckoutSettings;
  fromEmail: string;
  /** PUBLIC_URL: where the back office is, for the links in the managers' emails. */
  backOfficeUrl?: string;
}

export function createCheckoutActivities(deps: CheckoutActivityDeps): CheckoutActivities {
  const { store, payments, mailer, events, settings } = deps;
  return {
    async loadCheckoutSettings() {
      return settings;
    },
    async saveOrder(order) {
      await store.saveOrder(order);
    },
    async recordOrderStatus(record) {
      if (record.order) await store.saveOrder(record.order);
      await store.recordStatus(record.orderId, record.status, record.version, record.view);
    },
    async chargePayment(request) {
      return payments.charge(request);
    },
    async findPayment(lookup) {
      return payments.findPayment(lookup);
    },
    async openPaymentIntent(request) {
      return payments.openPaymentIntent(request);
    },
    async confirmPaymentIntent(request) {
      return payments.confirmPaymentIntent(request);
    },
    async checkPaymentIntent({ paymentIntentId }) {
      return payments.checkPaymentIntent(paymentIntentId);
    },
    async confirmPayment({ paymentIntentId }) {
      return payments.confirmPayment(paymentIntentId);
    },
    async refundPayment(request) {
      return payments.refund(request);
    },
    async confirmRefund({ refundId }) {
      return payments.confirmRefund(refundId);
    },
    async publishOrderEvent(event) {
      await events.publish({ ...event, exchange: 'commerce' });
    },
    async emailCustomer(email) {
      const content = customerEmailContent(
        email,
        deps.backOfficeUrl && `${deps.backOfficeUrl.replace(/\/+$/, '')}/account/`,
      );
      await mailer.send({
        to: email.to,
        from: deps.fromEmail,
        messageKey: email.messageKey,
        category: email.kind,
        ...content,
      });
    },
    async requestManagerAuthorization(request) {
      await mailer.send({
        to: settings.managersEmail,
        from: deps.fromEmail,
        messageKey: request.messageKey,
        category: 'authorization_request',
        ...authorizationRequestContent(request, deps.backOfficeUrl),
      });
    },
    async alertSupport(alert) {
      await alertSupport(mailer, events, {
        kind: alert.kind,
        messageKey: alert.messageKey,
        email: { to: settings.supportEmail, from: deps.fromEmail, ...supportAlertContent(alert) },
        event: {
          exchange: 'commerce',
          orderId: alert.orderId,
          data: { message: alert.message, ...alert.data },
        },
      });
    },
  };
}

export type { CheckoutActivities } from './types';

/**
 * The activities that send Stripe requests: the Stripe workers run these alone, on their own task
 * queue, under its rate limit (worker.ts). One request each, save a lookup's on the old path.
 */
export const STRIPE_ACTIVITY_NAMES = [
  'chargePayment',
  'findPayment',
  'openPaymentIntent',
  'confirmPaymentIntent',
  'checkPaymentIntent',
  'confirmPayment',
  'refundPayment',
  'confirmRefund',
] as const satisfies readonly (keyof CheckoutActivities)[];

/** The Stripe activities of a set of checkout activities. */
export function stripeActivitiesOf(
  activities: CheckoutActivities,
): Pick<CheckoutActivities, (typeof STRIPE_ACTIVITY_NAMES)[number]> {
  return Object.fromEntries(
    STRIPE_ACTIVITY_NAMES.map((name) => [name, activities[name].bind(activities)]),
  ) as Pick<CheckoutActivities, (typeof STRIPE_ACTIVITY_NAMES)[number]>;
}
