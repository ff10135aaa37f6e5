/**
 * The outside systems both processes' activities talk to, as narrow interfaces (the checkout's
 * payment gateway is its own: activities/checkout/payments.ts). Production passes the SendGrid and
 * RabbitMQ adapters; a stack with an adapter left unconfigured passes the local
 * development adapters; tests pass whatever they need.
 */
export interface EmailMessage {
  to: string;
  from: string;
  subject: string;
  text: string;
  /** Identical on every retry of the same email. */
  messageKey: string;
  category: string;
}

export interface Mailer {
  readonly name: string;
  send(message: EmailMessage): Promise<void>;
}

/** One fact on a topic exchange: orders on `commerce`, people (leave) on `people`. */
export interface PublishedEvent {
  exchange: 'commerce' | 'people';
  /** The routing key, e.g. `order.paid` or `leave.approved`. */
  type: string;
  /** Identical on every retry of the same fact. */
  messageId: string;
  occurredAt: string;
  orderId?: string;
  employeeId?: string;
  customerId?: string;
  data: Record<string, unknown>;
}

export interface EventPublisher {
  readonly name: string;
  publish(event: PublishedEvent): Promise<void>;
  close(): Promise<void>;
}
