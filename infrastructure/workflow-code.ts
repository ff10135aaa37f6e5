/**
 * Where a worker gets the workflow code. Compiled (`node dist/worker.js`, as the production image
 * runs it): the bundle `npm run build` wrote beside it, so it starts without bundling. From the
 * TypeScript sources (`npm start`, `npm run worker`, `npm run replay`): the sources, bundled at
 * start, so a stale bundle never runs in development.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ReplayWorkerOptions } from '@temporalio/worker';
import { WORKFLOW_TRACING_MODULE } from '../observability/temporal-tracing';

/**
 * The workflow interceptors every bundle carries: the project's tracing (workflows/tracing.ts),
 * which continues the caller's trace inside the workflow and passes it on to activities. A
 * prebuilt bundle has them built in.
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [WORKFLOW_TRACING_MODULE];

/** `dist/workflow-bundle.js`, seen from the compiled `dist/infrastructure/`. */
const COMPILED_BUNDLE_PATH = path.resolve(__dirname, '..', 'workflow-bundle.js');
const RUNNING_COMPILED = __filename.endsWith('.js');

export function workflowCode(
  bundlePath = RUNNING_COMPILED ? COMPILED_BUNDLE_PATH : undefined,
  /** WORKFLOW_BUNDLE: this bundle and no other; a missing file is an error, not a quiet fallback. */
  configured?: string,
): {
  options: Pick<ReplayWorkerOptions, 'workflowBundle' | 'workflowsPath' | 'interceptors'>;
  description: string;
  /** The prebuilt bundle's file, when there is one. */
  bundlePath?: string;
} {
  if (configured) {
    if (!fs.existsSync(configured)) {
      throw new Error(
        `configuration WORKFLOW_BUNDLE: ${configured} does not exist (npm run build writes dist/workflow-bundle.js)`,
      );
    }
    bundlePath = configured;
  }
  if (bundlePath && fs.existsSync(bundlePath)) {
    const size = fs.statSync(bundlePath).size;
    return {
      options: { workflowBundle: { codePath: bundlePath } },
      description: `the prebuilt bundle ${bundlePath} (${(size / 1024).toFixed(0)} KiB)`,
      bundlePath,
    };
  }
  return {
    options: {
      workflowsPath: require.resolve('../workflows'),
      interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES },
    },
    description:
      'the workflow sources (bundled now; `npm run build` prebuilds them for `node dist/worker.js`)',
  };
}
