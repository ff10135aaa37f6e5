/**
 * Replays the stored histories of real checkout runs against the current workflow code: a change
 * that would break orders already running fails here. Refresh them with `npm run histories:capture`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../helpers/temporal';

const dir = path.join(__dirname, '..', 'histories');
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('replay of stored histories', () => {
  it('has histories to replay', () => {
    assert.ok(files.length >= 4, `expected stored histories in ${dir}, found ${files.length}`);
  });

  for (const file of files) {
    it(`replays ${file}`, async () => {
      const history = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as unknown;
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file);
    });
  }
});
