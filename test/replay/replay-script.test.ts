/** `npm run replay`'s verdict, in words, on a history the code carries on and on one it would break. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { replayVerdict } from '../../scripts/replay';
import { workflowBundle } from '../helpers/temporal';

const history = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'histories', 'checkout-paid-shipped-completed.json'), 'utf8'),
) as Parameters<typeof replayVerdict>[0];

describe('npm run replay', () => {
  it('says the current code carries a stored order on', async () => {
    const verdict = await replayVerdict(history, 'order-x', { workflowBundle: await workflowBundle() });
    assert.deepEqual(verdict, {
      carriesOn: true,
      words: 'replays cleanly; the current code would carry it on',
    });
  });

  it('says in plain words when a change would break it, and what to do', async () => {
    const verdict = await replayVerdict(history, 'order-x', {
      workflowsPath: require.resolve('../fixtures/changed-workflows'),
    });
    assert.equal(verdict.carriesOn, false);
    assert.match(verdict.words, /^the current code would NOT carry this workflow on/);
    assert.match(verdict.words, /Nondeterminism|TMPRL1100/);
    assert.match(verdict.words, /Guard the change with patched\(\)/);
  });
});
