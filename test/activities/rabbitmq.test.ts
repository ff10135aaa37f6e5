/** The RabbitMQ adapter against a real broker (started by `npm test`, or TEST_AMQP_URL). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import amqp from 'amqplib';
import { createCheckoutActivities } from '../../activities/checkout';
import { createAmqpPublisher } from '../../activities/adapters/amqp';
import type { EventPublisher, Mailer } from '../../activities/adapters/ports';
import { openSqliteOrderStore } from '../../store/sql-order-store';
import { TEST_SETTINGS } from '../helpers/checkout-scenario';
import type { PaymentGateway } from '../../activities/checkout/types';

const url = process.env.TEST_AMQP_URL;

describe('RabbitMQ events', () => {
  let connection: amqp.ChannelModel;
  let channel: amqp.Channel;
  let queue: string;
  let publisher: EventPublisher;

  before(async () => {
    assert.ok(url, 'TEST_AMQP_URL is not set: run the tests with `npm test`, which starts a broker');
    publisher = createAmqpPublisher(url);
    connection = await amqp.connect(url);
    channel = await connection.createChannel();
    await channel.assertExchange('commerce', 'topic', { durable: true });
    queue = (await channel.assertQueue('', { exclusive: true })).queue;
    await channel.bindQueue(queue, 'commerce', 'order.#');
  });
  after(async () => {
    await publisher?.close();
    await connection?.close();
  });

  async function readOne(): Promise<amqp.GetMessage> {
    for (let i = 0; i < 50; i++) {
      const message = await channel.get(queue, { noAck: true });
      if (message) return message;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail('no message arrived');
  }

  it('publishes a persistent JSON event that a consumer reads back, and a retry carries the same messageId', async () => {
    const activities = createCheckoutActivities({
      store: openSqliteOrderStore(':memory:'),
      payments: {} as PaymentGateway,
      mailer: {} as Mailer,
      events: publisher,
      settings: TEST_SETTINGS,
      fromEmail: 'orders@example.com',
    });
    const event = {
      type: 'order.paid',
      orderId: 'o-77',
      messageId: 'o-77:order.paid',
      occurredAt: '2026-11-21T10:00:00.000Z',
      data: { orderId: 'o-77', total: 2500, currency: 'usd' },
    };
    await activities.publishOrderEvent(event);
    await activities.publishOrderEvent(event); // what a retry after a lost confirmation does

    const first = await readOne();
    const second = await readOne();
    for (const message of [first, second]) {
      assert.equal(message.fields.exchange, 'commerce');
      assert.equal(message.fields.routingKey, 'order.paid');
      assert.equal(message.properties.messageId, 'o-77:order.paid');
      assert.equal(message.properties.deliveryMode, 2, 'persistent');
      assert.equal(message.properties.contentType, 'application/json');
      assert.deepEqual(JSON.parse(message.content.toString()), {
        messageId: 'o-77:order.paid',
        type: 'order.paid',
        orderId: 'o-77',
        occurredAt: '2026-11-21T10:00:00.000Z',
        data: { orderId: 'o-77', total: 2500, currency: 'usd' },
      });
    }
  });

  it('reconnects after the connection drops', async () => {
    await publisher.publish({
      exchange: 'commerce',
      type: 'order.received',
      orderId: 'o-78',
      messageId: 'o-78:order.received',
      occurredAt: new Date().toISOString(),
      data: {},
    });
    await readOne();
    await publisher.close();
    await publisher.publish({
      exchange: 'commerce',
      type: 'order.received',
      orderId: 'o-79',
      messageId: 'o-79:order.received',
      occurredAt: new Date().toISOString(),
      data: {},
    });
    assert.equal((await readOne()).properties.messageId, 'o-79:order.received');
  });
});
