/**
 * Which failures the API answers as 503 `unavailable` (worth retrying, nothing happened) rather
 * than 500: Temporal unreachable or reloading its namespaces, the app's database away.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NamespaceNotFoundError } from '@temporalio/common';
import { isDatabaseUnavailable, isTemporalUnavailable } from '../../api/errors';

describe('503 unavailable, or a defect', () => {
  it('Temporal: unreachable, too slow, or not knowing the namespace while it reloads after its database came back', () => {
    assert.ok(
      isTemporalUnavailable(
        Object.assign(new Error('14 UNAVAILABLE'), { code: 14, details: '', metadata: {} }),
      ),
    );
    assert.ok(isTemporalUnavailable(new NamespaceNotFoundError('default')));
    assert.equal(isTemporalUnavailable(new Error('a bug')), false);
    assert.equal(
      isTemporalUnavailable(
        Object.assign(new Error('3 INVALID_ARGUMENT'), { code: 3, details: '', metadata: {} }),
      ),
      false,
    );
  });

  it('the database: refused, reset, shutting down, or a wrapped cause of those', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    assert.ok(isDatabaseUnavailable(refused));
    assert.ok(isDatabaseUnavailable(new Error('saving failed', { cause: refused })));
    assert.ok(
      isDatabaseUnavailable(
        Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      ),
    );
    assert.equal(isDatabaseUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' })), false);
  });
});
