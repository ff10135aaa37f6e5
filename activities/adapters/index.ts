/**
 * Chooses each peer's adapter from configuration: the real one when configured, otherwise the
 * local development adapter that records what would have been sent. Says which is which.
 */
import path from 'node:path';
import type { AppConfig } from '../../config/settings';
import { createAmqpPublisher } from './amqp';
import { createDevMailer, createDevPaymentGateway, createDevPublisher, DevRecorder } from './development';
import type { EventPublisher, Mailer, PaymentGateway } from './ports';
import { createSendGridMailer } from './sendgrid';
import { createStripeClient, createStripeGateway } from './stripe';

export interface Adapters {
  payments: PaymentGateway;
  mailer: Mailer;
  events: EventPublisher;
  /** One line per peer: which adapter is in use and where it points. */
  summary: string[];
}

export function createAdapters(config: AppConfig, log: (line: string) => void = console.log): Adapters {
  const recorder = new DevRecorder(path.join(config.dataDir, 'dev-outbox'), log);
  const summary: string[] = [];

  let payments: PaymentGateway;
  if (config.stripe.secretKey) {
    payments = createStripeGateway(
      createStripeClient({ secretKey: config.stripe.secretKey, apiBase: config.stripe.apiBase }),
    );
    summary.push(`payments: Stripe at ${config.stripe.apiBase ?? 'https://api.stripe.com'}`);
  } else {
    payments = createDevPaymentGateway(recorder);
    summary.push(
      `payments: development adapter, records to ${recorder.file('payments')} (set STRIPE_SECRET_KEY for Stripe)`,
    );
  }

  let mailer: Mailer;
  if (config.sendgrid.apiKey) {
    mailer = createSendGridMailer({ apiKey: config.sendgrid.apiKey, baseUrl: config.sendgrid.baseUrl });
    summary.push(`email: SendGrid at ${config.sendgrid.baseUrl ?? 'https://api.sendgrid.com'}`);
  } else {
    mailer = createDevMailer(recorder);
    summary.push(
      `email: development adapter, records to ${recorder.file('emails')} (set SENDGRID_API_KEY for SendGrid)`,
    );
  }

  let events: EventPublisher;
  if (config.amqp.url) {
    events = createAmqpPublisher(config.amqp.url);
    summary.push(`events: RabbitMQ at ${redact(config.amqp.url)}`);
  } else {
    events = createDevPublisher(recorder);
    summary.push(
      `events: development adapter, records to ${recorder.file('events')} (set AMQP_URL for RabbitMQ)`,
    );
  }
  return { payments, mailer, events, summary };
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
