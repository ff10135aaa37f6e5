/** Numbers, money, dates and statuses as people read them, and how often a countdown changes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDate, formatDays, formatMoney, plural, statusWords } from '../../domain/words';
import { tickEvery } from '../../ui/src/format';

describe('words for people', () => {
  it('counts in the right number, never "(s)"', () => {
    assert.equal(plural(1, 'line'), '1 line');
    assert.equal(plural(3, 'line'), '3 lines');
    assert.equal(plural(0, 'reminder'), '0 reminders');
    assert.equal(plural(2, 'reply', 'replies'), '2 replies');
  });

  it('writes days below zero with the one minus sign (−), halves with one decimal', () => {
    assert.equal(formatDays(-4), '−4 days');
    assert.equal(formatDays(-1.5), '−1.5 days');
    assert.equal(formatDays(1), '1 day');
    assert.equal(formatDays(-1), '−1 day');
    assert.equal(formatDays(25), '25 days');
    assert.ok(!formatDays(-4).includes('-'), 'no hyphen-minus');
  });

  it('writes money with its currency sign, as the back office does', () => {
    assert.equal(formatMoney(8999, 'eur'), '€89.99');
    assert.equal(formatMoney(250_000, 'usd'), 'US$2,500.00');
    assert.equal(formatMoney(-500, 'gbp'), '−£5.00');
    assert.match(formatMoney(100, 'zzz'), /^ZZZ\s1\.00$/);
    assert.equal(formatMoney(1234, 'jpy'), 'JP¥1,234', 'the yen has no minor unit');
  });

  it('writes a day as words, the day as written whatever the zone', () => {
    assert.equal(formatDate('2027-03-01'), '1 March 2027');
    assert.equal(formatDate('2027-01-01T00:00:00.000Z'), '1 January 2027');
    assert.equal(formatDate('not a date'), 'not a date');
  });

  it('says statuses in words and leaves an unknown one as it is', () => {
    assert.equal(statusWords('PaymentFailed'), 'Payment declined');
    assert.equal(statusWords('PendingConfirmation'), 'Waiting for the customer to open the link');
    assert.equal(statusWords('Something'), 'Something');
  });
});

describe('countdowns', () => {
  const now = Date.parse('2026-12-02T12:00:00Z');
  const at = (ms: number) => new Date(now + ms).toISOString();

  it('tick each second while a deadline is under a minute and a half away', () => {
    assert.equal(tickEvery([at(29_000)], now), 1_000);
    assert.equal(tickEvery([undefined, at(89_000)], now), 1_000);
  });

  it('tick every ten seconds otherwise (minutes show, or nothing is near)', () => {
    assert.equal(tickEvery([at(5 * 60_000)], now), 10_000);
    assert.equal(tickEvery([], now), 10_000);
    assert.equal(tickEvery([undefined, 'not a time'], now), 10_000);
    assert.equal(tickEvery([at(-60_000)], now), 10_000);
  });
});
