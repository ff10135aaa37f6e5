/**
 * The checkout's activities, built from their clients. The worker passes Stripe, SendGrid and
 * RabbitMQ adapters (or the development adapters); tests pass fakes.
 */
import type { CheckoutSettings } from '../../config/settings';
import type { OrderStore } from '../../store';
import { authorizationRequestContent, customerEmailContent, supportAlertContent } from './emails';
import type { EventPublisher, Mailer } from '../adapters/ports';
import type { CheckoutActivities } from './types';
import type { PaymentGateway } from './payments';

export interface CheckoutActivityDeps {
  store: OrderStore;
  payments: PaymentGateway;
  mailer: Mailer;
  events: EventPublisher;
  settings: CheckoutSettings;
  fromEmail: string;
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
      await store.recordStatus(record.orderId, record.status, record.version, record.view);
    },
    async chargePayment(request) {
      return payments.charge(request);
    },
    async findPayment(lookup) {
      return payments.findPayment(lookup);
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
        ...authorizationRequestContent(request),
      });
    },
    async alertSupport(alert) {
      // Two channels, so an alert about a failing one still gets through the other.
      const content = supportAlertContent(alert);
      const results = await Promise.allSettled([
        mailer.send({
          to: settings.supportEmail,
          from: deps.fromEmail,
          messageKey: alert.messageKey,
          category: `support_${alert.kind}`,
          ...content,
        }),
        events.publish({
          exchange: 'commerce',
          type: `support.${alert.kind}`,
          orderId: alert.orderId,
          messageId: alert.messageKey,
          occurredAt: new Date().toISOString(),
          data: { message: alert.message, ...alert.data },
        }),
      ]);
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failures.length === results.length) {
        throw new Error(`support could not be reached: ${failures.map((f) => String(f.reason)).join('; ')}`);
      }
    },
  };
}

export type { CheckoutActivities } from './types';
