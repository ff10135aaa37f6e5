/**
 * The registration's pure rules: the address as one customer, how often a link may go to an
 * address (whichever sign-up sends it), how many passwords a link's page checks, what a lapsed
 * registration keeps, which page a link leads to; and the password hash.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword, verifyPassword } from '../../api/registration/passwords';
import {
  customerIdFor,
  emailKey,
  lapsedView,
  LINK_LIMITS,
  linkRefusal,
  linkRefusalWords,
  linkTimesInWindow,
  PASSWORD_TRIES,
  passwordTry,
  linkVerdict,
  type RegistrationView,
} from '../../domain/registration';

const T0 = Date.parse('2026-11-28T10:00:00Z');
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

describe('registration rules', () => {
  it('treats an address as one customer whatever its case and spaces', () => {
    assert.equal(emailKey('  Ada.Lovelace@Example.COM '), 'ada.lovelace@example.com');
    assert.equal(customerIdFor('reg_abc123'), 'cus_abc123');
  });

  it('sends no fresh link within a minute of the last, and says how long to wait', () => {
    assert.deepEqual(linkRefusal([at(0)], T0 + 20_000), { reason: 'too_soon', retryAfterMs: 40_000 });
    assert.equal(linkRefusal([at(0)], T0 + LINK_LIMITS.minimumGapMs), undefined);
    assert.equal(linkRefusal([], T0), undefined);
  });

  it('sends at most four links an hour (the first and three more), counting a rolling hour', () => {
    const four = [at(0), at(5), at(10), at(15)];
    assert.equal(linkRefusal(four.slice(0, 3), T0 + 16 * 60_000), undefined);
    assert.deepEqual(linkRefusal(four, T0 + 16 * 60_000), {
      reason: 'hourly_limit',
      retryAfterMs: 44 * 60_000,
    });
    assert.equal(linkRefusal(four, T0 + 60 * 60_000), undefined, 'the first has left the hour');
  });

  it("counts the address's links from every sign-up together, and forgets those older than the hour", () => {
    // The owner's sign-up sent at 0; a stranger's sign-up of the same address at 0:30 may not.
    const owner = [at(0)];
    assert.deepEqual(linkRefusal([...owner], T0 + 30_000), { reason: 'too_soon', retryAfterMs: 30_000 });
    const fromThree = [at(0), at(2), at(4), at(6)]; // four sign-ups' first links
    assert.equal(linkRefusal(fromThree, T0 + 7 * 60_000)?.reason, 'hourly_limit');
    assert.deepEqual(linkTimesInWindow([at(0), at(30), at(61)], T0 + 61 * 60_000), [at(30), at(61)]);
    assert.deepEqual(linkRefusalWords({ reason: 'too_soon', retryAfterMs: 400 }), {
      retryAfterSeconds: 1,
      message: 'a link went to this address less than a minute ago; ask again in 1 s',
    });
    assert.match(linkRefusalWords({ reason: 'hourly_limit', retryAfterMs: 44 * 60_000 }).message, /44 min/);
  });

  it(`checks at most ${PASSWORD_TRIES} passwords per registration, right or wrong; the last one closes it when wrong`, () => {
    assert.deepEqual(passwordTry(0), { kind: 'check', lastTry: false, triesLeftAfter: PASSWORD_TRIES - 1 });
    assert.deepEqual(passwordTry(PASSWORD_TRIES - 1), { kind: 'check', lastTry: true, triesLeftAfter: 0 });
    assert.deepEqual(passwordTry(PASSWORD_TRIES), { kind: 'closed' });
    assert.deepEqual(passwordTry(PASSWORD_TRIES + 3), { kind: 'closed' });
  });

  it('keeps nothing personal of a lapsed registration: its id, status, times and counts only', () => {
    const view: RegistrationView = {
      registrationId: 'reg_1',
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      status: 'PendingConfirmation',
      createdAt: at(0),
      updatedAt: at(1),
      linksSent: 1,
      linkSentAt: [at(0)],
      confirmBy: at(60 * 24),
      notifications: { 'email:confirmation_link': 'delivered' },
      timeline: [{ at: at(0), kind: 'link', detail: 'Confirmation link 1 sent', actor: 'support:sam' }],
    };
    const lapsed = lapsedView(view, { at: at(60 * 24), reason: 'not_confirmed_in_time' });
    assert.deepEqual(lapsed, {
      registrationId: 'reg_1',
      status: 'Lapsed',
      createdAt: at(0),
      updatedAt: at(60 * 24),
      linksSent: 1,
      linkSentAt: [at(0)],
      confirmBy: at(60 * 24),
      lapsedAt: at(60 * 24),
      lapseReason: 'not_confirmed_in_time',
    });
    for (const personal of ['ada@example.com', 'Ada Lovelace', 'support:sam', 'Confirmation link']) {
      assert.ok(!JSON.stringify(lapsed).includes(personal), personal);
    }
    assert.deepEqual(lapsedView(lapsed), lapsed, 'a tombstone stays as it is');
  });

  it('leads a link to the right page before the process is asked', () => {
    const link = { linkNumber: 2, expiresAt: at(60) };
    const pending = { status: 'PendingConfirmation' as const, linksSent: 2 };
    assert.equal(linkVerdict(link, pending, T0), 'ask');
    assert.equal(linkVerdict(link, { ...pending, linksSent: 3 }, T0), 'replaced');
    assert.equal(linkVerdict(link, pending, T0 + 61 * 60_000), 'expired');
    assert.equal(linkVerdict(link, { ...pending, status: 'Confirmed' }, T0), 'already_confirmed');
    assert.equal(
      linkVerdict(link, { ...pending, status: 'Confirmed', linksSent: 3 }, T0 + 99 * 60_000),
      'already_confirmed',
      'a used link says so, however old',
    );
    assert.equal(linkVerdict(link, { ...pending, status: 'Lapsed' }, T0), 'expired');
  });
});

describe('customer passwords', () => {
  it('hashes with scrypt and a fresh salt, and verifies only the same password', async () => {
    const [a, b] = await Promise.all([
      hashPassword('correct horse battery'),
      hashPassword('correct horse battery'),
    ]);
    assert.match(a, /^scrypt\$N=32768,r=8,p=3\$[\w-]{22}\$[\w-]{43}$/);
    assert.notEqual(a, b, 'each hash has its own salt');
    assert.ok(!a.includes('correct horse'), 'the hash does not hold the password');
    assert.equal(await verifyPassword('correct horse battery', a), true);
    assert.equal(await verifyPassword('correct horse batterY', a), false);
    assert.equal(await verifyPassword('correct horse battery', 'not a hash'), false);
  });
});
