/** The SendGrid adapter against a FAKE of SendGrid's `POST /v3/mail/send` (no local SendGrid exists). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createSendGridMailer,
  EMAIL_REJECTED,
  rateLimitDelaySeconds,
} from '../../activities/adapters/sendgrid';
import { failureOf } from '../helpers/assertions';
import { startFakeSendGrid, type FakeServer } from '../../scripts/http-fakes';

const message = {
  to: 'ada@example.com',
  from: 'orders@example.com',
  subject: 'Your order o-1 is confirmed',
  text: 'Thank you',
  messageKey: 'o-1:email:order_confirmation',
  category: 'order_confirmation',
};

describe('SendGrid email', () => {
  let fake: FakeServer;
  before(async () => {
    fake = await startFakeSendGrid();
  });
  after(async () => {
    await fake?.close();
  });

  it('sends the message to the configured base URL with the API key and the message key', async () => {
    const mailer = createSendGridMailer({ apiKey: 'SG.test-key', baseUrl: fake.url });
    await mailer.send(message);
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, '/v3/mail/send');
    assert.equal(request.headers.authorization, 'Bearer SG.test-key');
    const body = JSON.parse(request.body) as Record<string, unknown>;
    assert.deepEqual((body.personalizations as { to: { email: string }[] }[])[0]?.to, [
      { email: 'ada@example.com' },
    ]);
    assert.deepEqual(body.from, { email: 'orders@example.com' });
    assert.equal(body.subject, message.subject);
    assert.deepEqual(body.headers, { 'X-Message-Key': message.messageKey });
  });

  it('429 backs off for as long as SendGrid asks', async () => {
    fake.script.push({
      status: 429,
      headers: { 'retry-after': '7' },
      body: { errors: [{ message: 'too many requests' }] },
    });
    const failure = await failureOf(
      createSendGridMailer({ apiKey: 'SG.k', baseUrl: fake.url }).send(message),
    );
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.type, 'EmailRateLimited');
    assert.equal(failure.nextRetryDelay, '7s');
  });

  it('5xx is retried', async () => {
    fake.script.push({ status: 500, body: { errors: [{ message: 'internal' }] } });
    const failure = await failureOf(
      createSendGridMailer({ apiKey: 'SG.k', baseUrl: fake.url }).send(message),
    );
    assert.equal(failure.nonRetryable, false);
  });

  for (const status of [400, 401, 403]) {
    it(`${status} is refused for good`, async () => {
      fake.script.push({ status, body: { errors: [{ message: `status ${status}` }] } });
      const failure = await failureOf(
        createSendGridMailer({ apiKey: 'SG.k', baseUrl: fake.url }).send(message),
      );
      assert.equal(failure.nonRetryable, true);
      assert.equal(failure.type, EMAIL_REJECTED);
      assert.match(failure.message, new RegExp(`${status}`));
    });
  }

  it('reads the wait from Retry-After, else X-RateLimit-Reset, else 30 s', () => {
    assert.equal(rateLimitDelaySeconds({ 'retry-after': '12' }), 12);
    assert.equal(rateLimitDelaySeconds({ 'x-ratelimit-reset': '1000060' }, 1_000_000_000), 60);
    assert.equal(rateLimitDelaySeconds({}), 30);
  });
});
