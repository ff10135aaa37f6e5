/** The registration's pure rules: the address as one customer, how often a link may go, which page a link leads to; and the password hash. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword, verifyPassword } from '../../api/registrations/passwords';
import { customerIdFor, emailKey, LINK_LIMITS, linkRefusal, linkVerdict } from '../../domain/registration';

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
