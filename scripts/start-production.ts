/**
 * `npm run start:production`: the production shape on this machine (scripts/production/stack.ts):
 * Temporal's own server on PostgreSQL (persistence and visibility), its UI, RabbitMQ, stripe-mock,
 * two workers and two APIs from the compiled build. Builds what is missing first. Everything it
 * keeps lives under DATA_DIR/production; Ctrl-C stops it all.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { resolveJwtSecret } from '../config/jwt-secret';
import { loadConfig } from '../config/settings';
import { startProductionStack, type ProductionStack } from './production/stack';

const root = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  const config = loadConfig();
  if (!fs.existsSync(path.join(root, 'dist', 'workflow-bundle.js'))) {
    console.log('[production] building the compiled code and the workflow bundle (npm run build)');
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const secret = resolveJwtSecret(config);
  const stack: ProductionStack = await startProductionStack({
    dataDir: path.join(config.dataDir, 'production'),
    jwtSecret: secret.secret,
    apiPort: config.port,
    uiPort: config.temporal.port + 1000,
  });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void stack.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  console.log('[production] the stack is up:');
  for (const [i, api] of stack.apis.entries()) console.log(`[production]   API ${i + 1}        ${api.base}`);
  console.log(`[production]   Temporal     ${stack.temporal.address} (Temporal server on PostgreSQL)`);
  console.log(`[production]   Temporal UI  ${stack.ui}`);
  console.log(`[production]   PostgreSQL   ${stack.postgres.url}`);
  console.log(
    `[production]   workers      ${stack.workers.length}, pids ${stack.workers.map((w) => w.child.pid).join(', ')}`,
  );
  console.log(
    `[production]   build        ${stack.deployment.buildId} of deployment ${stack.deployment.deploymentName}, current (TEMPORAL_ADDRESS=${stack.temporal.address} npm run release -- status)`,
  );
  console.log(`[production]   data folder  ${stack.dataDir}`);
  const file = path.join(config.dataDir, 'dev-jwt-secret');
  console.log(
    `[production]   a token:     ${config.auth.jwtSecret ? '' : `AUTH_JWT_SECRET=$(cat ${file}) `}npm run token -- storefront`,
  );
  console.log('[production] Ctrl-C stops everything.');
}

main().catch((err: unknown) => {
  console.error('[production] could not start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
