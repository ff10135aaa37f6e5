/**
 * Events to RabbitMQ over a confirm channel: topic exchanges `commerce` and `people`, persistent
 * JSON messages, each with the messageId the workflow chose for the fact (the same on every retry,
 * so consumers drop duplicates). A publish returns only once the broker has confirmed it.
 * One connection is shared by all activities of the worker and reopened after it drops.
 */
import { traceHeaders } from '../../observability/spans';
import amqp from 'amqplib';
import type { EventPublisher, PublishedEvent } from './ports';

export const EXCHANGES = ['commerce', 'people'] as const;

export function createAmqpPublisher(url: string, appId = 'temporal-commerce'): EventPublisher {
  let channel: Promise<amqp.ConfirmChannel> | undefined;
  let connection: amqp.ChannelModel | undefined;

  async function open(): Promise<amqp.ConfirmChannel> {
    const conn = await amqp.connect(url, { clientProperties: { connection_name: appId } });
    connection = conn;
    const reset = (): void => {
      if (connection === conn) {
        connection = undefined;
        channel = undefined;
      }
    };
    conn.on('error', reset);
    conn.on('close', reset);
    const ch = await conn.createConfirmChannel();
    ch.on('error', reset);
    ch.on('close', reset);
    for (const exchange of EXCHANGES) await ch.assertExchange(exchange, 'topic', { durable: true });
    return ch;
  }

  function current(): Promise<amqp.ConfirmChannel> {
    if (!channel) {
      channel = open();
      channel.catch(() => {
        channel = undefined;
      });
    }
    return channel;
  }

  return {
    name: 'rabbitmq',
    async publish(event: PublishedEvent): Promise<void> {
      const ch = await current();
      const body = Buffer.from(
        JSON.stringify({
          messageId: event.messageId,
          type: event.type,
          ...(event.orderId ? { orderId: event.orderId } : {}),
          ...(event.employeeId ? { employeeId: event.employeeId } : {}),
          ...(event.customerId ? { customerId: event.customerId } : {}),
          occurredAt: event.occurredAt,
          data: event.data,
        }),
      );
      await new Promise<void>((resolve, reject) => {
        ch.publish(
          event.exchange,
          event.type,
          body,
          {
            persistent: true,
            contentType: 'application/json',
            messageId: event.messageId,
            type: event.type,
            appId,
            timestamp: Math.floor(Date.parse(event.occurredAt) / 1000),
            // W3C trace context: a consumer that traces continues the order's trace.
            headers: traceHeaders(),
          },
          (err: unknown) =>
            err ? reject(new Error(`the broker did not confirm ${event.messageId}`)) : resolve(),
        );
      });
    },
    async close(): Promise<void> {
      const conn = connection;
      channel = undefined;
      connection = undefined;
      await conn?.close().catch(() => undefined);
    },
  };
}
