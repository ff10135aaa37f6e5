/**
 * Telling support, for any process: an email to the support address and a `support.<kind>` event
 * on the process's exchange, at once. Two channels, so an alert about a failing one still gets
 * through the other; it fails (and is retried) only when neither took it.
 */
import type { EventPublisher, Mailer, PublishedEvent } from './ports';

export interface SupportAlertDelivery {
  /** Email: to, from, subject and text; the category is `support_<kind>`. */
  email: { to: string; from: string; subject: string; text: string };
  /** The event, its type `support.<kind>`: the exchange and the process's ids and facts. */
  event: Pick<PublishedEvent, 'exchange' | 'orderId' | 'employeeId' | 'data'>;
  kind: string;
  /** Identical on every retry of the same alert: the email's key and the event's message id. */
  messageKey: string;
}

export async function alertSupport(
  mailer: Mailer,
  events: EventPublisher,
  alert: SupportAlertDelivery,
): Promise<void> {
  const results = await Promise.allSettled([
    mailer.send({ ...alert.email, messageKey: alert.messageKey, category: `support_${alert.kind}` }),
    events.publish({
      ...alert.event,
      type: `support.${alert.kind}`,
      messageId: alert.messageKey,
      occurredAt: new Date().toISOString(),
    }),
  ]);
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length === results.length) {
    throw new Error(`support could not be reached: ${failures.map((f) => String(f.reason)).join('; ')}`);
  }
}
