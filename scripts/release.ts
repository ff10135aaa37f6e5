/**
 * `npm run release -- <command>`: a release with Worker Versioning, step by step
 * (docs/operations.md, "Releasing a new build"). Against the configured Temporal server
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE) and deployment (WORKER_DEPLOYMENT_NAME, `commerce`):
 *
 *   status               each build: the server's status and the workflows still pinned to it
 *   current <buildId>    make a build current: new workflows start on it, leave requests move to it
 *   drained <buildId>    exit 0 when an old build's workers can stop, 1 while something needs them
 *
 * `auto` for a build id is this checkout's (or image's) build: the hash of its workflow bundle,
 * as a worker with WORKER_BUILD_ID=auto computes it.
 */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { readEnvironment } from '../config/environment';
import { loadConfig } from '../config/settings';
import { connectionOptions } from '../infrastructure/connection';
import {
  deploymentStatus,
  drainVerdict,
  makeCurrent,
  resolveBuildId,
} from '../infrastructure/worker-deployment';
import { workflowCode } from '../infrastructure/workflow-code';

/** The bundle `npm run build` writes, seen from scripts/ (tsx) or dist/scripts/ (compiled). */
const BUILT_BUNDLE = __filename.endsWith('.js')
  ? path.resolve(__dirname, '..', 'workflow-bundle.js')
  : path.resolve(__dirname, '..', 'dist', 'workflow-bundle.js');

const USAGE = 'usage: npm run release -- status | current <buildId> | drained <buildId>';

async function main(): Promise<number> {
  const [command, given] = process.argv.slice(2);
  if (!command || (command !== 'status' && !given)) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  const buildId =
    given && resolveBuildId(given, workflowCode(BUILT_BUNDLE, config.workflowBundlePath).bundlePath);
  const deploymentName = readEnvironment(process.env).WORKER_DEPLOYMENT_NAME;
  const connection = await Connection.connect(connectionOptions(config.temporal));
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    if (command === 'status') {
      const status = await deploymentStatus(client, deploymentName);
      console.log(
        `[release] ${deploymentName}: current ${status.current ?? 'none'}, ramping ${status.ramping ?? 'none'}`,
      );
      for (const v of status.versions)
        console.log(`[release]   build ${v.buildId}: ${v.status}, ${v.openPinned} open pinned workflow(s)`);
      return 0;
    }
    if (command === 'current') {
      await makeCurrent(client, { deploymentName, buildId: buildId! });
      console.log(`[release] build ${buildId} of ${deploymentName} is current`);
      return 0;
    }
    if (command === 'drained') {
      const verdict = await drainVerdict(client, { deploymentName, buildId: buildId! });
      console.log(`[release] ${verdict.words}`);
      return verdict.drained ? 0 : 1;
    }
    console.error(USAGE);
    return 2;
  } finally {
    await connection.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('[release] failed:', err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
