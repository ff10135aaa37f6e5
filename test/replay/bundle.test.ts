/**
 * The production worker's code path: the bundle `npm run build` writes is what the worker (and
 * `npm run replay`) load when it is there, and it replays the stored histories as the sources do.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { workflowCode } from '../../infrastructure/workflow-code';
import { buildWorkflowBundle } from '../../scripts/build-bundle';

const histories = path.join(__dirname, '..', 'histories');

describe('the prebuilt workflow bundle', () => {
  it('is used when present, and replays an order and a leave request', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-')), 'workflow-bundle.js');
    assert.match(workflowCode(file).description, /bundled now/, 'no bundle yet: the sources');
    const bytes = await buildWorkflowBundle(file);
    assert.ok(bytes > 100_000, `a real bundle (${bytes} bytes)`);
    const code = workflowCode(file);
    assert.match(code.description, /prebuilt bundle .* KiB/);
    assert.match(workflowCode(undefined, file).description, /prebuilt bundle/, 'WORKFLOW_BUNDLE names it');
    assert.throws(() => workflowCode(undefined, `${file}.missing`), /WORKFLOW_BUNDLE: .* does not exist/);
    for (const name of [
      'acceptance-large-authorized-accepted.json',
      'leave-negative-paycheck-on-termination.json',
    ]) {
      const history = JSON.parse(fs.readFileSync(path.join(histories, name), 'utf8')) as unknown;
      await Worker.runReplayHistory(code.options, history, name);
    }
  });
});
