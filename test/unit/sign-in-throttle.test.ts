/** A guesser slowed, then locked out; a customer's own mistakes cost little (domain/sign-in-throttle.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CLIENT_LOCK_AFTER,
  failedOnce,
  FORGET_AFTER_S,
  LOCK_AFTER,
  LOCK_S,
  passesClientLock,
  tryAllowed,
  tryAllowedFor,
  type Failures,
} from '../../domain/sign-in-throttle';

describe('sign-in throttle', () => {
  it('three free failures, then a delay that doubles from the last failure', () => {
    let f: Failures | undefined;
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(tryAllowed(f, t0), { allowed: true });
      f = failedOnce(f, t0);
    }
    assert.deepEqual(tryAllowed(f, t0), { allowed: false, retryAfterSeconds: 1 });
    assert.deepEqual(tryAllowed(f, t0 + 1_000), { allowed: true });
    f = failedOnce(f, t0 + 1_000);
    assert.deepEqual(tryAllowed(f, t0 + 1_500), { allowed: false, retryAfterSeconds: 2 });
  });

  it(`${LOCK_AFTER} failures lock for ${LOCK_S / 60} minutes; a day later the count is forgotten`, () => {
    let f: Failures | undefined;
    for (let i = 0; i < LOCK_AFTER; i++) f = failedOnce(f, 0);
    assert.deepEqual(tryAllowed(f, 60_000), { allowed: false, retryAfterSeconds: LOCK_S - 60 });
    assert.deepEqual(tryAllowed(f, LOCK_S * 1000), { allowed: true });
    assert.equal(failedOnce(f, FORGET_AFTER_S * 1000 + 1).count, 1);
  });

  it('a client address: slowed at five times the failures, at most a minute; locked only after a hundred; a fresh reset passes', () => {
    assert.deepEqual(tryAllowedFor('client', { count: 14, lastAt: 0 }, 0), { allowed: true });
    assert.deepEqual(tryAllowedFor('client', { count: 15, lastAt: 0 }, 0), {
      allowed: false,
      retryAfterSeconds: 1,
    });
    assert.deepEqual(tryAllowedFor('client', { count: 99, lastAt: 0 }, 0), {
      allowed: false,
      retryAfterSeconds: 60,
    });
    assert.deepEqual(tryAllowedFor('client', { count: CLIENT_LOCK_AFTER, lastAt: 0 }, 0), {
      allowed: false,
      retryAfterSeconds: LOCK_S,
    });
    assert.equal(passesClientLock(0, 14 * 60_000), true);
    assert.equal(passesClientLock(0, 15 * 60_000), false);
    assert.equal(passesClientLock(undefined, 0), false);
  });
});
