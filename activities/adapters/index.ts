/**
 * Chooses the adapter of each peer both processes share (email, events) from configuration: the real one when configured, otherwise the
 * local development adapter that records what would have been sent. Says which is which.
 */
import path from 'node:path';
import type { AppConfig } from '../../config/settings';
import { createAmqpPublisher } from './amqp';
import { createDevMailer, createDevPublisher, DevRecorder } from './development';
import type { EventPublisher, Mailer } from './ports';
import { createSendGridMailer } from './sendgrid';
import { traced } from '../../observability/spans';

export interface Adapters {
  /** Where the development adapters (the checkout's payment gateway among them) record. */
  recorder: DevRecorder;
  mailer: Mailer;
  events: EventPublisher;
  /** One line per peer: which adapter is in use and where it points. */
  summary: string[];
}

export function createAdapters(config: AppConfig, log: (line: string) => void = console.log): Adapters {
  const recorder = new DevRecorder(path.join(config.dataDir, 'dev-outbox'), log);
  const summary: string[] = [];

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
  // Each call a client span in the activity's trace (observability/spans.ts).
  return {
    recorder,
    mailer: traced(mailer, config.sendgrid.apiKey ? 'sendgrid' : 'email (development)', {
      'peer.service': 'sendgrid',
    }),
    events: traced(events, config.amqp.url ? 'rabbitmq' : 'events (development)', {
      'peer.service': 'rabbitmq',
      'messaging.system': 'rabbitmq',
    }),
    summary,
  };
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
