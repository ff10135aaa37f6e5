/**
 * Money at the edges, on the time-skipping server: a charge Stripe never confirms (5xx replayed
 * under its idempotency key) ends at PAYMENT_ATTEMPT_TIMEOUT as `PaymentUnconfirmed` with support
 * alerted, and the order's one PaymentIntent is read by id before anything else is tried; a lookup
 * Stripe refuses is never a decline; a processing PaymentIntent is not `Paid` until it has
 * succeeded; a refund Stripe refuses for good, or one that stays pending and then fails, is never
 * reported to the customer as done.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { PAYMENT_PROCESSING, REFUND_PENDING, REFUND_REFUSED } from '../../activities/checkout/types';
import { cancelOrderSignal, retryPaymentSignal } from '../../workflows/checkout/messages';
import {
  CheckoutScenario,
  pastTheWindow,
  declined,
  placedOrder,
  TEST_SETTINGS,
} from '../helpers/checkout-scenario';
import { captureHistory, timeSkippingEnv, waitForStatus } from '../helpers/temporal';

const HOUR = 3_600_000;
const SETTINGS = { ...TEST_SETTINGS, paymentAttemptTimeoutMs: HOUR };

/** Stripe answering 500 to every request for the key: the first answer, replayed (as Stripe documents). */
const stripeReplays500 = async (): Promise<never> => {
  throw ApplicationFailure.create({
    type: 'StripeAPIError',
    message: 'Stripe 500 api_error: An unknown error occurred',
    nonRetryable: false,
  });
};

/** Lookups a waiting order may make in `days` days: two a resolution window (72 h) at most, and the first. */
const lookupsBound = (days: number): number => 2 + 2 * Math.ceil((days * 24) / 72);

/** Every request to confirm the order's PaymentIntent: [attempt, payment method, intent]. */
function chargeAttempts(scenario: CheckoutScenario): [number, string, string][] {
  return scenario.calls
    .filter((c) => c.name === 'confirmPaymentIntent')
    .map((c) => {
      const input = c.input as { paymentAttempt: number; paymentMethod: string; paymentIntentId: string };
      return [input.paymentAttempt, input.paymentMethod, input.paymentIntentId];
    });
}

describe('payments and refunds at the edges', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await timeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  it('a charge Stripe never confirms is PaymentUnconfirmed at the deadline; a retry reads the intent by id, finds the money taken and confirms nothing more', async () => {
    const scenario = new CheckoutScenario(
      {
        confirmPaymentIntent: stripeReplays500,
        checkPaymentIntent: async (req) => ({ outcome: 'succeeded', paymentIntentId: req.paymentIntentId }),
      },
      SETTINGS,
    );
    const order = placedOrder();
    await scenario.run(env, order, async (o) => {
      await pastTheWindow(o);
      await o.sleep('70m');
      const unconfirmed = await waitForStatus(o.handle, 'PaymentUnconfirmed');
      assert.equal(unconfirmed.payment?.status, 'unconfirmed');
      assert.ok(unconfirmed.paymentResolutionDeadline, 'support sees when the process decides by itself');
      assert.deepEqual(
        scenario.called('alertSupport').map((a) => a.kind),
        ['payment_unconfirmed'],
      );
      await o.signal(retryPaymentSignal, { paymentMethod: 'pm_card_mastercard', requestedBy: 'support:sam' });
      const paid = await waitForStatus(o.handle, 'Paid');
      assert.equal(paid.payment?.paymentIntentId, `pi_${order.orderId}`);
      assert.equal(paid.payment?.status, 'succeeded');
      await o.signal(cancelOrderSignal, { requestedBy: 'support:sam', reason: 'test over' });
      await o.result();
      await captureHistory(o.handle, 'payment-unconfirmed-found-taken-refunded');
    });
    const attempts = chargeAttempts(scenario);
    assert.ok(attempts.length >= 5, `Stripe was asked again within the deadline (${attempts.length} times)`);
    assert.ok(
      attempts.every(
        ([attempt, method, intent]) =>
          attempt === 1 && method === order.paymentMethod && intent === `pi_${order.orderId}`,
      ),
      'never a second key: every charge request was attempt 1, on the one PaymentIntent',
    );
    assert.deepEqual(scenario.called('checkPaymentIntent'), [
      { orderId: order.orderId, paymentIntentId: `pi_${order.orderId}` },
    ]);
    assert.equal(scenario.called('findPayment').length, 0, "Stripe's search is not asked");
  });

  it('unconfirmed and nothing taken: the retry confirms the same intent with the new method under a new key; a cancel instead charges nothing', async () => {
    let stripeBack = false;
    const scenario = new CheckoutScenario(
      {
        confirmPaymentIntent: async (req) => {
          if (!stripeBack) return stripeReplays500();
          return { paymentIntentId: req.paymentIntentId, status: 'succeeded' };
        },
      },
      SETTINGS,
    );
    const order = placedOrder();
    await scenario.run(env, order, async (o) => {
      await pastTheWindow(o);
      await o.sleep('70m');
      await waitForStatus(o.handle, 'PaymentUnconfirmed');
      stripeBack = true;
      await o.signal(retryPaymentSignal, { paymentMethod: 'pm_card_mastercard', requestedBy: 'support:sam' });
      const paid = await waitForStatus(o.handle, 'Paid');
      assert.equal(paid.payment?.paymentIntentId, `pi_${order.orderId}`);
      assert.equal(paid.paymentAttempts, 2);
      await o.signal(cancelOrderSignal, { requestedBy: 'support:sam' });
      await o.result();
    });
    assert.deepEqual(chargeAttempts(scenario).at(-1), [2, 'pm_card_mastercard', `pi_${order.orderId}`]);
    assert.equal(scenario.called('openPaymentIntent').length, 1, 'one PaymentIntent for both attempts');
    assert.equal(scenario.called('checkPaymentIntent').length, 1, 'read once, before the new attempt');

    const cancelled = new CheckoutScenario({ confirmPaymentIntent: stripeReplays500 }, SETTINGS);
    const final = await cancelled.run(env, placedOrder(), async (o) => {
      await pastTheWindow(o);
      await o.sleep('70m');
      await waitForStatus(o.handle, 'PaymentUnconfirmed');
      await o.signal(cancelOrderSignal, { requestedBy: 'support:sam', reason: 'customer gave up' });
      return o.result();
    });
    assert.equal(final.status, 'Cancelled');
    assert.equal(
      cancelled.called('checkPaymentIntent').length,
      1,
      'asked Stripe before calling it cancelled',
    );
    assert.equal(cancelled.called('refundPayment').length, 0);
  });

  it('a lookup Stripe refuses for good is not a decline: the order stays PaymentUnconfirmed, nothing is charged again until Stripe answers', async () => {
    let stripeAnswers = false;
    // What the adapter makes of a 400 or 404 from Stripe: a non-retryable PaymentDeclined.
    const lookupRefused = async () => {
      if (!stripeAnswers) throw declined('Stripe 400 invalid_request_error: search is unavailable');
      return { outcome: 'succeeded' as const, paymentIntentId: 'pi_taken' };
    };
    const scenario = new CheckoutScenario(
      {
        confirmPaymentIntent: stripeReplays500,
        checkPaymentIntent: async (req) => ({
          ...(await lookupRefused()),
          paymentIntentId: req.paymentIntentId,
        }),
        // Orders started before the one PaymentIntent charge and ask these instead.
        chargePayment: stripeReplays500,
        findPayment: lookupRefused,
      },
      SETTINGS,
    );
    const order = placedOrder();
    await scenario.run(env, order, async (o) => {
      await pastTheWindow(o);
      await o.sleep('70m');
      await waitForStatus(o.handle, 'PaymentUnconfirmed');
      const confirmsBefore = chargeAttempts(scenario).length;
      await o.step(() =>
        o.signal(retryPaymentSignal, { paymentMethod: 'pm_card_mastercard', requestedBy: 'support:sam' }),
      );
      const still = await o.query();
      assert.equal(still.status, 'PaymentUnconfirmed', 'not PaymentFailed: no bank said no');
      assert.equal(still.payment?.status, 'unconfirmed');
      assert.match(still.payment?.message ?? '', /could not say whether attempt 1 took money/);
      assert.equal(chargeAttempts(scenario).length, confirmsBefore, 'nothing confirmed with the new method');
      stripeAnswers = true;
      await o.signal(retryPaymentSignal, { paymentMethod: 'pm_card_amex', requestedBy: 'support:sam' });
      const paid = await waitForStatus(o.handle, 'Paid');
      assert.equal(paid.payment?.paymentIntentId, `pi_${order.orderId}`);
      await o.signal(cancelOrderSignal, { requestedBy: 'support:sam' });
      await o.result();
    });
    assert.ok(
      chargeAttempts(scenario).every(([attempt, method]) => attempt === 1 && method === order.paymentMethod),
      'only the first attempt was ever sent to Stripe',
    );
    assert.deepEqual(
      scenario.called('alertSupport').map((a) => a.kind),
      ['payment_unconfirmed', 'payment_unconfirmed'],
    );
    assert.ok(!scenario.events().includes('order.payment_failed'));
  });

  it('a cancel while the outcome is unknown and Stripe refuses the lookup for good waits a window between lookups, then cancels with nothing charged', async () => {
    let stripeAnswers = false;
    const scenario = new CheckoutScenario(
      {
        confirmPaymentIntent: stripeReplays500,
        checkPaymentIntent: async (req) => {
          if (!stripeAnswers) throw declined('Stripe 404 invalid_request_error: No such payment_intent');
          return { outcome: 'none' as const, paymentIntentId: req.paymentIntentId };
        },
      },
      SETTINGS,
    );
    const order = placedOrder();
    await scenario.run(env, order, async (o) => {
      await pastTheWindow(o);
      await o.sleep('70m');
      await waitForStatus(o.handle, 'PaymentUnconfirmed');
      await o.step(() =>
        o.signal(cancelOrderSignal, { requestedBy: 'support:sam', reason: 'customer gave up' }),
      );
      // It once asked Stripe again at once, and again, in a loop with no pause.
      const lookups = scenario.called('checkPaymentIntent').length;
      assert.ok(lookups <= 2, `${lookups} lookups right after the cancel`);
      await o.sleep('24h');
      assert.equal(scenario.called('checkPaymentIntent').length, lookups, 'no lookup within the window');
      assert.equal((await o.query()).status, 'PaymentUnconfirmed', 'nothing is known: the order waits');
      stripeAnswers = true;
      await o.sleep('49h');
      const ended = await o.result();
      assert.equal(ended.status, 'Cancelled');
      assert.equal(
        ended.cancellation?.requestedBy,
        'support:sam',
        "the support's cancel is the one on record",
      );
    });
    assert.ok(scenario.called('checkPaymentIntent').length <= lookupsBound(3), 'a few lookups in three days');
    assert.ok(
      chargeAttempts(scenario).every(([attempt]) => attempt === 1),
      'only the first attempt was ever sent to Stripe: nothing charged again',
    );
    assert.equal(scenario.called('refundPayment').length, 0, 'nothing was taken, nothing refunded');
  });

  it('a processing PaymentIntent is not Paid until it succeeds; one that fails is a decline', async () => {
    let settled = false;
    const scenario = new CheckoutScenario(
      {
        confirmPaymentIntent: async () => ({ paymentIntentId: 'pi_slow', status: 'processing' }),
        confirmPayment: async (req) => {
          if (!settled) {
            throw ApplicationFailure.create({
              type: PAYMENT_PROCESSING,
              message: 'processing',
              nonRetryable: false,
            });
          }
          return { paymentIntentId: req.paymentIntentId, status: 'succeeded' };
        },
      },
      SETTINGS,
    );
    await scenario.run(env, placedOrder(), async (o) => {
      await pastTheWindow(o);
      await o.sleep('5m');
      const processing = await o.query();
      assert.equal(processing.status, 'Accepted', 'not Paid while Stripe is still processing');
      assert.equal(processing.payment?.status, 'processing');
      settled = true;
      await o.sleep('10m');
      const paid = await waitForStatus(o.handle, 'Paid');
      assert.equal(paid.payment?.paymentIntentId, 'pi_slow');
      await o.signal(cancelOrderSignal, { requestedBy: 'support:sam' });
      await o.result();
    });
    assert.equal(scenario.called('publishOrderEvent').filter((e) => e.type === 'order.paid').length, 1);

    const failing = new CheckoutScenario(
      {
        confirmPaymentIntent: async () => ({ paymentIntentId: 'pi_slow', status: 'processing' }),
        confirmPayment: async () => {
          throw declined('The bank refused the debit.');
        },
      },
      SETTINGS,
    );
    await failing.run(env, placedOrder(), async (o) => {
      await pastTheWindow(o);
      const failed = await waitForStatus(o.handle, 'PaymentFailed');
      assert.equal(failed.payment?.message, 'The bank refused the debit.');
      await o.signal(cancelOrderSignal, { requestedBy: 'support:sam' });
      await o.result();
    });
    assert.equal(failing.events().includes('order.paid'), false);
  });

  it('a refund Stripe refuses for good: support alerted once, the refund failed with the reason, the customer not told of a refund', async () => {
    const scenario = new CheckoutScenario({
      refundPayment: async () => {
        throw ApplicationFailure.create({
          type: REFUND_REFUSED,
          message: 'Stripe 400 StripeInvalidRequestError (charge_already_refunded)',
          nonRetryable: true,
          details: [{ code: 'charge_already_refunded', message: 'Charge ch_1 has already been refunded.' }],
        });
      },
    });
    const final = await scenario.run(env, placedOrder(), async (o) => {
      await pastTheWindow(o);
      await waitForStatus(o.handle, 'Paid');
      await o.signal(cancelOrderSignal, { requestedBy: 'support:sam', reason: 'duplicate order' });
      const result = await o.result();
      await captureHistory(o.handle, 'refund-refused');
      return result;
    });
    assert.equal(final.status, 'Cancelled');
    assert.equal(final.refund?.status, 'failed');
    assert.equal(final.refund?.failureReason, 'Charge ch_1 has already been refunded.');
    assert.deepEqual(
      scenario.called('alertSupport').map((a) => a.kind),
      ['refund_failed'],
    );
    assert.equal(
      scenario.calls.filter((c) => c.name === 'refundPayment').length,
      1,
      'asked once, not forever',
    );
    assert.ok(!scenario.called('emailCustomer').some((e) => e.kind === 'order_refunded'));
    assert.ok(!scenario.events().includes('order.refunded'));
    assert.ok(scenario.events().includes('order.refund_failed'));
  });

  it('a pending refund is Refunded only once Stripe settles it; one that then fails is reported as failed', async () => {
    let outcome: 'pending' | 'succeeded' | 'failed' = 'pending';
    const pending = () =>
      new CheckoutScenario({
        refundPayment: async (req) => ({ refundId: 're_1', amount: req.amount, status: 'pending' }),
        confirmRefund: async (req) => {
          if (outcome === 'pending') {
            throw ApplicationFailure.create({
              type: REFUND_PENDING,
              message: 'pending',
              nonRetryable: false,
            });
          }
          return outcome === 'succeeded'
            ? { refundId: req.refundId, amount: 2500, status: 'succeeded' }
            : {
                refundId: req.refundId,
                amount: 2500,
                status: 'failed',
                failureReason: 'lost_or_stolen_card',
              };
        },
      });
    for (const settlesAs of ['succeeded', 'failed'] as const) {
      outcome = 'pending';
      const scenario = pending();
      const final = await scenario.run(env, placedOrder(), async (o) => {
        await pastTheWindow(o);
        await waitForStatus(o.handle, 'Paid');
        await o.signal(cancelOrderSignal, { requestedBy: 'support:sam' });
        await o.sleep('2m');
        const waiting = await o.query();
        assert.equal(waiting.status, 'Paid', 'not Refunded while Stripe has the refund pending');
        assert.equal(waiting.refund?.status, 'pending');
        assert.ok(!scenario.called('emailCustomer').some((e) => e.kind === 'order_refunded'));
        outcome = settlesAs;
        return o.result();
      });
      if (settlesAs === 'succeeded') {
        assert.equal(final.status, 'Refunded');
        assert.equal(final.refund?.status, 'succeeded');
        assert.ok(scenario.called('emailCustomer').some((e) => e.kind === 'order_refunded'));
      } else {
        assert.equal(final.status, 'Cancelled');
        assert.deepEqual(final.refund && [final.refund.status, final.refund.failureReason], [
          'failed',
          'lost_or_stolen_card',
        ]);
        assert.deepEqual(
          scenario.called('alertSupport').map((a) => a.kind),
          ['refund_failed'],
        );
        assert.ok(!scenario.called('emailCustomer').some((e) => e.kind === 'order_refunded'));
      }
    }
  });
});
