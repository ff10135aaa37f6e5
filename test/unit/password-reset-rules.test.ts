/** A forgotten password's rules (domain/password-reset.ts): a customer's inbox is not a stranger's to fill. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { issuedBeforeChange, resetAllowed, resetLinkVerdict } from '../../domain/password-reset';

const MIN = 60_000;

describe('password reset rules', () => {
  it('one link a minute, four an hour', () => {
    assert.equal(resetAllowed([], 0), true);
    assert.equal(resetAllowed([0], 30_000), false, 'within the minute');
    assert.equal(resetAllowed([0], MIN), true);
    assert.equal(resetAllowed([0, 2 * MIN, 4 * MIN, 6 * MIN], 8 * MIN), false, 'four this hour');
    assert.equal(resetAllowed([0, 2 * MIN, 4 * MIN, 6 * MIN], 60 * MIN), true, 'the first is an hour old');
  });

  it("a link's verdict, and which tokens a password change signs out", () => {
    const now = Date.parse('2026-12-03T10:00:00Z');
    assert.equal(resetLinkVerdict(undefined, now), 'unknown');
    assert.equal(resetLinkVerdict({ status: 'PendingReset', expiresAt: '2026-12-03T11:00:00Z' }, now), 'ok');
    assert.equal(
      resetLinkVerdict({ status: 'PendingReset', expiresAt: '2026-12-03T10:00:00Z' }, now),
      'expired',
    );
    assert.equal(resetLinkVerdict({ status: 'Completed', expiresAt: '2026-12-03T11:00:00Z' }, now), 'used');
    assert.equal(
      resetLinkVerdict({ status: 'Replaced', expiresAt: '2026-12-03T11:00:00Z' }, now),
      'replaced',
    );
    assert.equal(issuedBeforeChange(1_000, undefined), false, 'never changed');
    assert.equal(issuedBeforeChange(999, 1_000_500), true, 'issued the second before');
    assert.equal(
      issuedBeforeChange(1_000, 1_000_500),
      true,
      'issued in the same second: it may be from before',
    );
    assert.equal(issuedBeforeChange(1_001, 1_000_500), false, 'issued the next second: kept');
    assert.equal(issuedBeforeChange(undefined, 1_000_500), true, 'no iat');
  });
});
