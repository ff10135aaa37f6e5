/** Pure rules: durations, configuration, order totals, idempotency keys, email wording. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorizationRequestContent, customerEmailContent } from '../../activities/checkout/emails';
import { leaveEmailContent } from '../../activities/leave/emails';
import { formatDuration, parseDuration } from '../../config/durations';
import { loadConfig } from '../../config/settings';
import {
  chargeIdempotencyKey,
  orderEventMessageId,
  paymentIntentIdempotencyKey,
  refundIdempotencyKey,
} from '../../domain/keys';
import { orderTotal, MAX_ORDER_TOTAL, OrderValidationError } from '../../domain/checkout';

describe('durations', () => {
  const cases: [string, number][] = [
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['72h', 259_200_000],
    ['3 days', 259_200_000],
    ['30 days', 2_592_000_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['0', 0],
  ];
  for (const [text, ms] of cases) {
    it(`${text} is ${ms} ms`, () => assert.equal(parseDuration(text), ms));
  }
  for (const bad of ['', '15', 'soon', '-1h', '1 fortnight']) {
    it(`refuses "${bad}"`, () => assert.throws(() => parseDuration(bad), /is not a duration/));
  }
  it('formats back', () => {
    assert.equal(formatDuration(3_600_000), '1h');
    assert.equal(formatDuration(90_000), '90s');
    assert.equal(formatDuration(1500), '1500ms');
  });
});

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.temporal.port, 7233);
    assert.equal(config.temporal.namespace, 'default');
    assert.equal(config.checkout.paymentResolutionWindowMs, 72 * 3_600_000);
    assert.equal(config.checkout.sideEffectAlertAfterMs, 15 * 60_000);
    assert.equal(config.checkout.returnWindowMs, 30 * 86_400_000);
    assert.equal(config.checkout.authorizationThreshold, 100_000);
    assert.equal(config.checkout.restockingFeePercent, 15);
  });
  it("bounds the durations a process runs on: a charge attempt well inside Stripe's 24 h, reminders never zero", () => {
    assert.equal(loadConfig({}).checkout.paymentAttemptTimeoutMs, 3_600_000);
    assert.equal(loadConfig({ PAYMENT_ATTEMPT_TIMEOUT: '10m' }).checkout.paymentAttemptTimeoutMs, 600_000);
    assert.throws(
      () => loadConfig({ PAYMENT_ATTEMPT_TIMEOUT: '24h' }),
      /PAYMENT_ATTEMPT_TIMEOUT: must be from 1s to 12h/,
    );
    assert.throws(() => loadConfig({ LEAVE_REMINDER_AFTER: '0' }), /LEAVE_REMINDER_AFTER: must be from 1s/);
    assert.throws(() => loadConfig({ LEAVE_REMINDER_AFTER: '10ms' }), /LEAVE_REMINDER_AFTER/);
    assert.equal(loadConfig({ LEAVE_REMINDER_AFTER: '2s' }).leave.reminderAfterMs, 2_000);
  });
  it('names the variable at fault', () => {
    assert.throws(() => loadConfig({ PAYMENT_RESOLUTION_WINDOW: 'tomorrow' }), /PAYMENT_RESOLUTION_WINDOW/);
    assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT/);
    assert.throws(() => loadConfig({ RESTOCKING_FEE_PERCENT: '150' }), /RESTOCKING_FEE_PERCENT/);
    assert.throws(() => loadConfig({ AMQP_URL: 'not a url' }), /AMQP_URL/);
  });
  it('reads durations written as Temporal writes them', () => {
    assert.equal(loadConfig({ RETURN_WINDOW: '2 days' }).checkout.returnWindowMs, 172_800_000);
  });
});

describe('order total', () => {
  it('sums quantity × unit price in minor units', () => {
    assert.equal(
      orderTotal([
        { sku: 'a', quantity: 3, unitPrice: 199 },
        { sku: 'b', quantity: 1, unitPrice: 1 },
      ]),
      598,
    );
  });
  it('refuses what cannot be charged exactly', () => {
    assert.throws(() => orderTotal([]), OrderValidationError);
    assert.throws(() => orderTotal([{ sku: 'a', quantity: 1, unitPrice: 0 }]), /unitPrice/);
    assert.throws(() => orderTotal([{ sku: 'a', quantity: 1.5, unitPrice: 10 }]), /quantity/);
    assert.throws(
      () => orderTotal([{ sku: 'a', quantity: 2, unitPrice: Number.MAX_SAFE_INTEGER }]),
      /most one payment can take/,
    );
    // Beyond Stripe's largest charge, though an exact integer: no payment could ever take it.
    assert.throws(() => orderTotal([{ sku: 'a', quantity: 2, unitPrice: 50_000_000 }]), /99999999/);
    assert.equal(orderTotal([{ sku: 'a', quantity: 1, unitPrice: MAX_ORDER_TOTAL }]), MAX_ORDER_TOTAL);
  });
});

describe('idempotency keys and message ids', () => {
  it('come from the order and the business fact, not from an attempt', () => {
    assert.equal(chargeIdempotencyKey('o-1', 1), 'order-o-1-charge-1');
    assert.equal(chargeIdempotencyKey('o-1', 2), 'order-o-1-charge-2');
    // The order's one PaymentIntent: from the order alone, apart from every attempt's key.
    assert.equal(paymentIntentIdempotencyKey('o-1'), 'order-o-1-payment-intent');
    assert.notEqual(paymentIntentIdempotencyKey('o-1'), paymentIntentIdempotencyKey('o-2'));
    assert.ok(
      ![1, 2, 3].map((n) => chargeIdempotencyKey('o-1', n)).includes(paymentIntentIdempotencyKey('o-1')),
    );
    assert.equal(refundIdempotencyKey('o-1'), 'order-o-1-refund');
    assert.equal(orderEventMessageId('o-1', 'order.paid'), 'o-1:order.paid');
    assert.equal(orderEventMessageId('o-1', 'order.payment_failed', 2), 'o-1:order.payment_failed:2');
  });
});

describe('customer emails', () => {
  it('states the amount in major units', () => {
    const content = customerEmailContent({
      kind: 'order_confirmation',
      orderId: 'o-9',
      to: 'a@b.co',
      messageKey: 'k',
      data: { total: 2599, currency: 'usd' },
    });
    assert.equal(content.subject, 'Your order o-9 is confirmed');
    assert.match(content.text, /payment of US\$25\.99 and/);
    const linked = customerEmailContent(
      { kind: 'order_confirmation', orderId: 'o-9', to: 'a@b.co', messageKey: 'k', data: {} },
      'https://shop.example.com/account/',
    );
    assert.match(linked.text, /Follow your orders in your account: https:\/\/shop\.example\.com\/account\/$/);
  });

  it('tells the customer what a return costs and what was kept', () => {
    const email = (kind: Parameters<typeof customerEmailContent>[0]['kind'], data: Record<string, unknown>) =>
      customerEmailContent({
        kind,
        orderId: 'o-9',
        to: 'a@b.co',
        messageKey: 'k',
        data: { currency: 'usd', ...data },
      });
    assert.match(
      email('order_refunded', { amount: 8500, restockingFee: 1499 }).text,
      /US\$85\.00 refunded.*restocking fee of US\$14\.99 was kept/,
    );
    assert.doesNotMatch(email('order_refunded', { amount: 2500, restockingFee: 0 }).text, /restocking/);
    assert.match(
      email('return_instructions', { expectedBy: '2026-12-21T10:00:00.000Z', restockingFeePercent: 15 }).text,
      /send the goods back by 21 December 2026, 10:00 UTC.*15%/,
    );
    assert.match(email('return_not_received', { expectedBy: 'X' }).text, /no refund was made/);
    assert.match(email('order_rejected', {}).text, /Nothing was charged/);
  });

  it('asks the managers in words: who ordered what for how much, by when, and the inbox link', () => {
    const request = {
      orderId: 'o-big',
      messageKey: 'k',
      total: 250_000,
      currency: 'usd',
      customerId: 'cust-1',
      customerName: 'Olga Olsen',
      items: [{ sku: 'piano', quantity: 1, unitPrice: 250_000, name: 'Grand piano' }],
      answerBy: '2026-11-21T11:00:00.000Z',
    };
    const content = authorizationRequestContent(request, 'https://shop.example/');
    assert.equal(content.subject, "Authorization needed: Olga Olsen's order of US$2,500.00");
    assert.match(content.text, /^Olga Olsen ordered 1 item for US\$2,500\.00 \(order o-big\)/);
    assert.match(content.text, /1 × Grand piano at US\$2,500\.00/);
    assert.match(
      content.text,
      /Approve or refuse it by 21 November 2026, 11:00 UTC in your inbox: https:\/\/shop\.example\/#\/inbox\./,
    );
    assert.doesNotMatch(content.text, /POST|\/authorizations|T11:00:00/, 'no API path, no ISO time');
    // An order from before v1.2: no names, the customer id and the SKU instead.
    const old = authorizationRequestContent({
      ...request,
      customerName: undefined,
      items: [{ sku: 'piano', quantity: 2, unitPrice: 125_000 }],
    });
    assert.match(old.text, /^customer cust-1 ordered 2 items/);
    assert.match(old.text, /2 × piano at/);
  });

  it('tells an approver where to answer a leave request, in words', () => {
    const content = leaveEmailContent(
      {
        kind: 'leave_approval_requested',
        requestId: 'lr-1',
        to: 'mia@example.com',
        messageKey: 'k',
        data: { employeeName: 'Ella Evans', days: 29, startDate: '2027-03-01', balanceBefore: 25 },
      },
      'https://shop.example',
    );
    assert.equal(content.subject, 'Leave to approve: Ella Evans, 29 days of leave from 1 March 2027');
    assert.match(
      content.text,
      /beyond their balance of 25 days\. Approve or reject it in your inbox: https:\/\/shop\.example\/#\/inbox before 1 March 2027/,
    );
    assert.doesNotMatch(content.text, /POST|day\(s\)/);
  });
});

describe('worker tuning', () => {
  it("keeps the SDK's defaults unless told, and refuses nonsense naming the variable", () => {
    assert.deepEqual(
      Object.values(loadConfig({}).worker).filter((v) => v !== undefined),
      [],
    );
    const tuned = loadConfig({
      WORKER_MAX_CACHED_WORKFLOWS: '500',
      WORKER_MAX_CONCURRENT_ACTIVITIES: '50',
    }).worker;
    assert.equal(tuned.maxCachedWorkflows, 500);
    assert.equal(tuned.maxConcurrentActivityTaskExecutions, 50);
    assert.throws(() => loadConfig({ WORKER_WORKFLOW_POLLERS: '1' }), /WORKER_WORKFLOW_POLLERS/);
    assert.throws(() => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: 'lots' }), /WORKER_MAX_CACHED_WORKFLOWS/);
    assert.equal(loadConfig({ WORKER_REUSE_V8_CONTEXT: 'false' }).worker.reuseV8Context, false);
    assert.equal(loadConfig({ WORKER_REUSE_V8_CONTEXT: 'true' }).worker.reuseV8Context, true);
    assert.throws(() => loadConfig({ WORKER_REUSE_V8_CONTEXT: 'maybe' }), /WORKER_REUSE_V8_CONTEXT/);
    assert.equal(loadConfig({ WORKFLOW_BUNDLE: '/srv/bundle.js' }).workflowBundlePath, '/srv/bundle.js');
  });
});
