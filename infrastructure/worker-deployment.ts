/**
 * Worker Versioning, the operator's side (docs/operations.md, "Releasing a new build"): which build
 * a worker serves, making a build current, and whether an old build has drained. The server keeps
 * the routing; this module asks it and says the answers in words for `npm run release`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Client } from '@temporalio/client';

export interface DeploymentVersion {
  deploymentName: string;
  buildId: string;
}

/** WORKER_BUILD_ID as given, or for `auto` the first 12 hex digits of the bundle's SHA-256. */
export function resolveBuildId(buildId: string, bundlePath: string | undefined): string {
  if (buildId !== 'auto') return buildId;
  if (!bundlePath)
    throw new Error('WORKER_BUILD_ID=auto needs a prebuilt workflow bundle: run `npm run build` first');
  return crypto.createHash('sha256').update(fs.readFileSync(bundlePath)).digest('hex').slice(0, 12);
}

/** The value Temporal's visibility gives a workflow pinned to a version (`BuildIds`). */
export const pinnedTo = (v: DeploymentVersion) => `pinned:${v.deploymentName}:${v.buildId}`;

export interface VersionSummary {
  buildId: string;
  /** The server's word: CURRENT, RAMPING, DRAINING, DRAINED, INACTIVE. */
  status: string;
  /** Workflows still running that are pinned to this build (visibility, as the server counts). */
  openPinned: number;
}

export interface DeploymentStatus {
  deploymentName: string;
  current?: string;
  ramping?: string;
  versions: VersionSummary[];
}

const STATUS_WORDS = ['UNSPECIFIED', 'INACTIVE', 'CURRENT', 'RAMPING', 'DRAINING', 'DRAINED'];

/** Open workflows pinned to a build. */
export async function openPinned(client: Client, version: DeploymentVersion): Promise<number> {
  const { count } = await client.workflow.count(
    `BuildIds = '${pinnedTo(version)}' AND ExecutionStatus = 'Running'`,
  );
  return count;
}

/** The deployment as the server has it, each build with its open pinned workflows. */
export async function deploymentStatus(client: Client, deploymentName: string): Promise<DeploymentStatus> {
  const { workerDeploymentInfo: info } = await client.workflowService.describeWorkerDeployment({
    namespace: client.options.namespace,
    deploymentName,
  });
  const routing = info?.routingConfig;
  const versions: VersionSummary[] = [];
  for (const summary of info?.versionSummaries ?? []) {
    const buildId = summary.deploymentVersion?.buildId ?? '';
    versions.push({
      buildId,
      status: STATUS_WORDS[Number(summary.status ?? 0)] ?? String(summary.status),
      openPinned: await openPinned(client, { deploymentName, buildId }),
    });
  }
  return {
    deploymentName,
    current: routing?.currentDeploymentVersion?.buildId ?? undefined,
    ramping: routing?.rampingDeploymentVersion?.buildId ?? undefined,
    versions,
  };
}

/**
 * Makes a build current: new workflows start on it and AUTO_UPGRADE ones move to it. A build the
 * server does not know yet (its workers have not polled) is waited for up to `waitMs`.
 */
export async function makeCurrent(
  client: Client,
  version: DeploymentVersion,
  { waitMs = 30_000, identity = 'npm run release' } = {},
): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await client.workflowService.setWorkerDeploymentCurrentVersion({
        namespace: client.options.namespace,
        deploymentName: version.deploymentName,
        buildId: version.buildId,
        identity,
      });
      return;
    } catch (err) {
      // NOT_FOUND / FAILED_PRECONDITION: the deployment or the version is not there yet.
      const code = (err as { code?: number }).code;
      if ((code !== 5 && code !== 9) || Date.now() > deadline) {
        throw new Error(
          `build ${version.buildId} of ${version.deploymentName} could not be made current: ${(err as Error).message}` +
            (code === 5 || code === 9 ? ' (are its workers running? a build exists once they poll)' : ''),
          { cause: err },
        );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Whether an old build's workers can stop: not current or ramping, and nothing pinned to it open. */
export async function drainVerdict(
  client: Client,
  version: DeploymentVersion,
): Promise<{ drained: boolean; words: string }> {
  const status = await deploymentStatus(client, version.deploymentName);
  if (status.current === version.buildId || status.ramping === version.buildId) {
    return {
      drained: false,
      words: `build ${version.buildId} is ${status.current === version.buildId ? 'current' : 'ramping'}: make another build current first`,
    };
  }
  const open = await openPinned(client, version);
  return open === 0
    ? {
        drained: true,
        words: `build ${version.buildId} has drained: no open workflow is pinned to it; its workers can stop`,
      }
    : {
        drained: false,
        words: `build ${version.buildId} still runs ${open} open pinned workflow(s): keep its workers until they finish`,
      };
}
