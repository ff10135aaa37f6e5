/**
 * Local development adapters, used by `npm start` for a peer that is not configured. They send
 * nothing: each records what would have been sent, as one JSON line in a file under the data
 * folder (payments.jsonl, emails.jsonl, events.jsonl) and a line in the log.
 *
 * The payment adapter approves every charge except Stripe's test payment methods for a decline
 * (e.g. `pm_card_chargeDeclined`), so the failed-payment path can be tried without Stripe.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { chargeIdempotencyKey, refundIdempotencyKey } from '../../domain/keys';
import type { EventPublisher, Mailer, PaymentGateway } from './ports';
import { PAYMENT_DECLINED } from '../checkout/types';

export class DevRecorder {
  constructor(
    private readonly dir: string,
    private readonly log: (line: string) => void = (line) => console.log(line),
  ) {
    fs.mkdirSync(dir, { recursive: true });
  }

  readonly file = (name: string): string => path.join(this.dir, `${name}.jsonl`);

  /** What was recorded under `name`, oldest first. */
  entries(name: string): Record<string, unknown>[] {
    if (!fs.existsSync(this.file(name))) return [];
    return fs
      .readFileSync(this.file(name), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  record(name: string, entry: Record<string, unknown>): void {
    fs.appendFileSync(
      this.file(name),
      `${JSON.stringify({ recordedAt: new Date().toISOString(), ...entry })}\n`,
    );
    this.log(`[dev ${name}] ${JSON.stringify(entry)}`);
  }
}

export function createDevPaymentGateway(recorder: DevRecorder): PaymentGateway {
  return {
    name: 'development payments (records to payments.jsonl)',
    async charge(request) {
      const idempotencyKey = chargeIdempotencyKey(request.orderId, request.paymentAttempt);
      if (/declin/i.test(request.paymentMethod)) {
        recorder.record('payments', { action: 'charge', outcome: 'declined', idempotencyKey, ...request });
        throw ApplicationFailure.create({
          type: PAYMENT_DECLINED,
          message: 'Your card was declined.',
          nonRetryable: true,
          details: [
            { code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' },
          ],
        });
      }
      const paymentIntentId = `pi_dev_${idempotencyKey}`;
      recorder.record('payments', {
        action: 'charge',
        outcome: 'succeeded',
        idempotencyKey,
        paymentIntentId,
        ...request,
      });
      return { paymentIntentId, status: 'succeeded' };
    },
    async findPayment({ orderId }) {
      // Every charge this adapter approved is on record: the first for the order counts.
      const taken = recorder
        .entries('payments')
        .find((e) => e.action === 'charge' && e.outcome === 'succeeded' && e.orderId === orderId);
      return taken
        ? { outcome: 'succeeded', paymentIntentId: String(taken.paymentIntentId) }
        : { outcome: 'none' };
    },
    async confirmPayment(paymentIntentId) {
      return { paymentIntentId, status: 'succeeded' };
    },
    async refund(request) {
      const idempotencyKey = refundIdempotencyKey(request.orderId);
      recorder.record('payments', { action: 'refund', outcome: 'succeeded', idempotencyKey, ...request });
      return { refundId: `re_dev_${idempotencyKey}`, amount: request.amount, status: 'succeeded' };
    },
    async confirmRefund(refundId) {
      const refund = recorder
        .entries('payments')
        .find((e) => e.action === 'refund' && `re_dev_${String(e.idempotencyKey)}` === refundId);
      return { refundId, amount: Number(refund?.amount ?? 0), status: 'succeeded' };
    },
  };
}

export function createDevMailer(recorder: DevRecorder): Mailer {
  return {
    name: 'development email (records to emails.jsonl)',
    async send(message) {
      recorder.record('emails', { ...message });
    },
  };
}

export function createDevPublisher(recorder: DevRecorder): EventPublisher {
  return {
    name: 'development events (records to events.jsonl)',
    async publish(event) {
      recorder.record('events', { ...event });
    },
    async close() {},
  };
}
