/**
 * The mail and event adapters the process tests record with: what each process sent, in order,
 * instead of SendGrid and RabbitMQ. `failFor` makes a kind of email fail for a while of workflow
 * time after its first attempt, as SendGrid down would.
 */
import type { EmailMessage, EventPublisher, Mailer } from '../../activities/adapters/ports';

export interface RecordedEmail {
  category: string;
  to: string;
  text: string;
}

export interface RecordedEvent {
  type: string;
  data: Record<string, unknown>;
}

export class RecordingAdapters {
  readonly emails: RecordedEmail[] = [];
  readonly events: RecordedEvent[] = [];
  /** Emails of this kind fail for `forMs` of workflow time after their first attempt. */
  failFor?: { category: string; forMs: number };

  readonly mailer: Mailer = {
    name: 'recording',
    send: async (m: EmailMessage) => {
      if (this.failFor?.category === m.category) {
        const { Context } = await import('@temporalio/activity');
        const { currentAttemptScheduledTimestampMs: now, scheduledTimestampMs: first } =
          Context.current().info;
        if (now - first < this.failFor.forMs) throw new Error('SendGrid answered 503');
      }
      this.emails.push({ category: m.category, to: m.to, text: m.text });
    },
  };

  readonly publisher: EventPublisher = {
    name: 'recording',
    publish: async (e) => {
      this.events.push({ type: e.type, data: e.data });
    },
    close: async () => undefined,
  };
}
