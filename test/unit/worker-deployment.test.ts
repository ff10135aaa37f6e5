/**
 * Worker Versioning's pure parts: the build a worker serves, the behavior every workflow declares,
 * and the configuration that turns it on (docs/operations.md, "Releasing a new build").
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../config/settings';
import { pinnedTo, resolveBuildId } from '../../infrastructure/worker-deployment';
import * as workflows from '../../workflows';
import { VERSIONING_BEHAVIOR } from '../../workflows/versioning';

describe('Worker Versioning', () => {
  it('every workflow the worker runs declares how it meets a new build', () => {
    assert.deepEqual(Object.keys(workflows).sort(), Object.keys(VERSIONING_BEHAVIOR).sort());
    // Declared through a getter (a behavior only on a versioned worker), read as the workflow starts:
    // test/production/rollout.test.ts shows each behavior on the server, the other suites its absence.
    for (const [name, fn] of Object.entries(workflows)) {
      const declared = (fn as { workflowDefinitionOptions?: unknown }).workflowDefinitionOptions;
      assert.equal(typeof declared, 'function', name);
    }
    // Money is pinned; the processes that wait for weeks move, guarded by patched().
    assert.equal(VERSIONING_BEHAVIOR.checkoutWorkflow, 'PINNED');
    assert.equal(VERSIONING_BEHAVIOR.leaveRequestWorkflow, 'AUTO_UPGRADE');
  });

  it('a build id as given, or `auto`: the same bundle the same id, a changed bundle another', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'build-id-'));
    const a = path.join(dir, 'a.js');
    fs.writeFileSync(a, 'export const x = 1;');
    assert.equal(resolveBuildId('release-42', a), 'release-42');
    const id = resolveBuildId('auto', a);
    assert.match(id, /^[0-9a-f]{12}$/);
    assert.equal(resolveBuildId('auto', a), id);
    fs.writeFileSync(a, 'export const x = 2;');
    assert.notEqual(resolveBuildId('auto', a), id);
    assert.throws(() => resolveBuildId('auto', undefined), /npm run build/);
    assert.equal(pinnedTo({ deploymentName: 'commerce', buildId: id }), `pinned:commerce:${id}`);
  });

  it('WORKER_BUILD_ID turns it on; a name the server would refuse stops startup by name', () => {
    assert.equal(loadConfig({}).deployment, undefined);
    assert.deepEqual(loadConfig({ WORKER_BUILD_ID: 'auto' }).deployment, {
      name: 'commerce',
      buildId: 'auto',
    });
    assert.deepEqual(loadConfig({ WORKER_BUILD_ID: 'b-7', WORKER_DEPLOYMENT_NAME: 'shop' }).deployment, {
      name: 'shop',
      buildId: 'b-7',
    });
    assert.throws(() => loadConfig({ WORKER_BUILD_ID: 'v1.2' }), /WORKER_BUILD_ID/);
    assert.throws(
      () => loadConfig({ WORKER_BUILD_ID: 'x', WORKER_DEPLOYMENT_NAME: 'a:b' }),
      /WORKER_DEPLOYMENT_NAME/,
    );
  });
});
