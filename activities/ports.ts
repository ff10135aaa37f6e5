/**
 * The outside systems the activities talk to, as narrow interfaces. Production passes the Stripe,
 * SendGrid and RabbitMQ adapters; a stack with an adapter left unconfigured passes the local
 * development adapters; tests pass whatever they need.
 */
import type { ChargeRequest, ChargeResult, OrderEvent, RefundRequest, RefundResult } from './types';

export interface PaymentGateway {
  readonly name: string;
  charge(request: ChargeRequest): Promise<ChargeResult>;
  refund(request: RefundRequest): Promise<RefundResult>;
}

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

export interface PublishedEvent extends OrderEvent {
  exchange: 'commerce' | 'people';
}

export interface EventPublisher {
  readonly name: string;
  publish(event: PublishedEvent): Promise<void>;
  close(): Promise<void>;
}
