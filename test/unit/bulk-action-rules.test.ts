/** The rules of bulk actions and Stripe's pace that need no I/O (domain/bulk-actions.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import Stripe from 'stripe';
import { classifyStripeError } from '../../activities/checkout/stripe';
import {
  bulkActionWords,
  bulkOrdersPerSecond,
  commandOutcome,
  filterRefusal,
  paceWait,
  remaining,
  stripeWorkerConcurrency,
} from '../../domain/bulk-actions';
import { filterClause } from '../../store/bulk-action-store';

describe('bulk action rules', () => {
  it('a filter must select by something, a reason only in the support queue, a time range forwards', () => {
    assert.match(filterRefusal({})!, /matches by nothing/);
    assert.match(filterRefusal({ reason: 'payment_failed', needs: 'shipment' })!, /support queue/);
    assert.match(
      filterRefusal({ placedFrom: '2026-12-02T14:35:00Z', placedTo: '2026-12-02T14:02:00Z' })!,
      /before placedTo/,
    );
    assert.equal(filterRefusal({ reason: 'payment_failed' }), undefined);
    assert.equal(
      filterRefusal({ placedFrom: '2026-12-02T14:02:00Z', placedTo: '2026-12-02T14:35:00Z' }),
      undefined,
    );
  });

  it('selects with every criterion, by the instant whatever the offset, and nothing for an empty filter', () => {
    assert.deepEqual(filterClause({}), { where: '1 = 0', values: [] });
    assert.deepEqual(
      filterClause({ needs: 'support', reason: 'payment_failed', placedFrom: '2026-12-02T15:02:00+01:00' }),
      {
        where: 'support_reason IS NOT NULL AND support_reason = ? AND placed_at >= ?',
        values: ['payment_failed', '2026-12-02T14:02:00.000Z'],
      },
    );
  });

  it('pause, resume and stop move it; Stopped and Completed are final; a repeat is no change', () => {
    assert.deepEqual(commandOutcome('Running', 'pause'), { state: 'Paused' });
    assert.deepEqual(commandOutcome('Paused', 'pause'), { state: 'Paused' });
    assert.deepEqual(commandOutcome('Paused', 'resume'), { state: 'Running' });
    assert.deepEqual(commandOutcome('Paused', 'stop'), { state: 'Stopped' });
    assert.match((commandOutcome('Stopped', 'resume') as { refused: string }).refused, /is Stopped/);
    assert.match((commandOutcome('Completed', 'stop') as { refused: string }).refused, /is Completed/);
    assert.equal(remaining(10, 4), 6);
    assert.equal(remaining(3, 5), 0);
  });

  it("an order's timeline names the bulk action and who started it", () => {
    const origin = { bulkActionId: 'B', startedBy: { actor: 'support:sam', name: 'Sam Sato' } };
    assert.equal(
      bulkActionWords('payment-retry', origin),
      'Payment retry asked by bulk action B, started by Sam Sato',
    );
    assert.equal(bulkActionWords('cancel', origin), 'Cancel requested by bulk action B, started by Sam Sato');
  });

  it("keeps to Stripe's pace: requests spaced by when the last one went, a little under the limit", () => {
    assert.equal(paceWait(undefined, 1_000, 25), 0);
    // 25 a second with 5 % headroom: one every 42 ms.
    assert.equal(Math.round(paceWait(1_000, 1_000, 25)), 42);
    assert.equal(Math.round(paceWait(1_000, 1_030, 25)), 12);
    assert.equal(paceWait(1_000, 1_100, 25), 0);
    // Within any second: at most the limit.
    let sentAt: number | undefined;
    let now = 0;
    const sent: number[] = [];
    for (let i = 0; i < 100; i++) {
      now += paceWait(sentAt, now, 25);
      sent.push(now);
      sentAt = now;
    }
    const busiest = Math.max(...sent.map((t) => sent.filter((u) => u >= t && u < t + 1_000).length));
    assert.ok(busiest <= 25, String(busiest));
    assert.equal(bulkOrdersPerSecond(25), 20, "four fifths of Stripe's limit");
    assert.equal(bulkOrdersPerSecond(100), 80);
    assert.equal(bulkOrdersPerSecond(0.5), 1);
    assert.equal(stripeWorkerConcurrency(25), 13);
    assert.equal(stripeWorkerConcurrency(1), 2);
  });

  it("Stripe's 429 is retried after its Retry-After, never a decline", () => {
    const limited = Stripe.errors.StripeError.generate({
      type: 'invalid_request_error',
      code: 'rate_limit',
      message: 'Too many requests hit the API too quickly.',
      statusCode: 429,
      headers: { 'retry-after': '3' },
    } as never);
    const failure = classifyStripeError(limited) as ApplicationFailure;
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'StripeRateLimitError');
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, 3_000);
    const unhinted = classifyStripeError(
      Stripe.errors.StripeError.generate({
        type: 'invalid_request_error',
        statusCode: 429,
        message: 'slow down',
      } as never),
    ) as ApplicationFailure;
    assert.equal(unhinted.nonRetryable, false);
    assert.equal(unhinted.nextRetryDelay, undefined, 'the retry policy backs off');
  });
});
