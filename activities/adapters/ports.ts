/**
 * The outside systems the activities talk to, as narrow interfaces. Production passes the Stripe,
 * SendGrid and RabbitMQ adapters; a stack with an adapter left unconfigured passes the local
 * development adapters; tests pass whatever they need.
 */
import type {
  ChargeRequest,
  ChargeResult,
  FoundPayment,
  PaymentLookup,
  RefundRequest,
  RefundResult,
} from '../checkout/types';

export interface PaymentGateway {
  readonly name: string;
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** Whether any earlier attempt for the order took money (or is settling). */
  findPayment(lookup: PaymentLookup): Promise<FoundPayment>;
  /** A PaymentIntent's settled outcome; throws a retryable PaymentProcessing while it is processing. */
  confirmPayment(paymentIntentId: string): Promise<ChargeResult>;
  refund(request: RefundRequest): Promise<RefundResult>;
  /** A refund's settled outcome; throws a retryable RefundPending while Stripe has not settled it. */
  confirmRefund(refundId: string): Promise<RefundResult>;
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
  data: Record<string, unknown>;
}

export interface EventPublisher {
  readonly name: string;
  publish(event: PublishedEvent): Promise<void>;
  close(): Promise<void>;
}
