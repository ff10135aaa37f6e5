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
      const content = customerEmailContent(email);
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
