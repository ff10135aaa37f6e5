/** Telling support through two channels at once: either one taking the alert is enough. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EmailMessage, EventPublisher, Mailer, PublishedEvent } from '../../activities/adapters/ports';
import { alertSupport } from '../../activities/adapters/support-alerts';

function peers(failing: { mail?: boolean; events?: boolean }) {
  const sent: EmailMessage[] = [];
  const published: PublishedEvent[] = [];
  const mailer: Mailer = {
    name: 'recording',
    send: async (m) => {
      if (failing.mail) throw new Error('SendGrid answered 503');
      sent.push(m);
    },
  };
  const events: EventPublisher = {
    name: 'recording',
    publish: async (e) => {
      if (failing.events) throw new Error('broker unreachable');
      published.push(e);
    },
    close: async () => undefined,
  };
  return { sent, published, mailer, events };
}

const alert = {
  kind: 'delivery_delayed',
  messageKey: 'r-1:alert:delivery_delayed:1',
  email: { to: 'support@example.com', from: 'people@example.com', subject: 's', text: 't' },
  event: { exchange: 'people' as const, employeeId: 'ella', data: { requestId: 'r-1' } },
};

describe('support alerts', () => {
  it('goes by email and as an event, under one key', async () => {
    const p = peers({});
    await alertSupport(p.mailer, p.events, alert);
    assert.deepEqual(
      p.sent.map((m) => [m.to, m.category, m.messageKey]),
      [['support@example.com', 'support_delivery_delayed', alert.messageKey]],
    );
    assert.deepEqual(
      p.published.map((e) => [e.exchange, e.type, e.messageId, e.employeeId]),
      [['people', 'support.delivery_delayed', alert.messageKey, 'ella']],
    );
  });

  it('is delivered when one channel is down, and fails (to be retried) only when both are', async () => {
    await alertSupport(peers({ mail: true }).mailer, peers({}).events, alert);
    await alertSupport(peers({}).mailer, peers({ events: true }).events, alert);
    const down = peers({ mail: true, events: true });
    await assert.rejects(
      alertSupport(down.mailer, down.events, alert),
      /support could not be reached: .*503.*broker/,
    );
  });
});
