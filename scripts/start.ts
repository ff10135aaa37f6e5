/**
 * `npm start`: the whole local stack. Unless TEMPORAL_ADDRESS is set, a Temporal dev server with
 * its database in DATA_DIR (work survives a restart) and its Web UI on TEMPORAL_PORT + 1000; then
 * the worker and the API on PORT, each as its own process. Ctrl-C stops all of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig } from '../config/settings';
import { resolveJwtSecret } from '../config/jwt-secret';
import { buildUi } from './build-ui';
import { openLeaveStore } from '../store';
import { SEED_ORGANISATION } from '../store/seed-organisation';
import { waitForPort } from './net';
import { apiEnvironment, embeddedIssuer, embeddedPort, embeddedSecrets } from '../identity-provider/embedded';
import { ROLES_CLAIM } from '../identity-provider/provider';
import { describe, devServerArgs, resolveTemporalCli, resolveZipkin, zipkinCommand } from './servers';

const root = path.resolve(__dirname, '..');
const children: { name: string; child: ChildProcess }[] = [];
let stopping = false;

function say(line: string): void {
  console.log(`[start] ${line}`);
}

function launch(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  output: 'inherit' | 'ignore' = 'inherit',
): ChildProcess {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', output, 'inherit'] });
  children.push({ name, child });
  child.once('exit', (code, signal) => {
    if (stopping) return;
    say(`${name} exited (${signal ?? code}); stopping the stack`);
    void stop(1);
  });
  return child;
}

async function stop(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // The API first (no new work), then the worker, then the server.
  for (const { child } of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGTERM');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, 15_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  await sdkServer?.teardown();
  process.exit(exitCode);
}

let sdkServer: TestWorkflowEnvironment | undefined;

/**
 * Zipkin beside the Temporal UI, the worker and the API sending it their spans, unless ZIPKIN_PORT
 * is 0 or tracing is configured elsewhere (an OTEL_* exporter or endpoint in the environment).
 * Returns the viewer's address; without Java or Maven there is no viewer and the stack runs on.
 */
function startTraceViewer(
  port: number,
  env: NodeJS.ProcessEnv,
): { address: string; up: Promise<boolean> } | undefined {
  const configuredElsewhere = [
    'OTEL_TRACES_EXPORTER',
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    'OTEL_EXPORTER_ZIPKIN_ENDPOINT',
  ].some((name) => env[name]);
  if (port === 0 || configuredElsewhere) return undefined;
  const zipkin = resolveZipkin();
  if (!zipkin) {
    say('no trace viewer: Zipkin needs Java and Maven (npm run servers says what is missing)');
    return undefined;
  }
  const { command, args } = zipkinCommand(zipkin.path, port);
  // Started first: the JVM takes seconds, while the dev server starts and the UI builds.
  launch('zipkin', command, args, { ...env, STORAGE_TYPE: 'mem' }, 'ignore');
  const address = `http://127.0.0.1:${port}`;
  env.OTEL_EXPORTER_ZIPKIN_ENDPOINT = `${address}/api/v2/spans`;
  env.TRACE_VIEWER_URL ??= `${address}/zipkin`;
  return { address: `${address}/zipkin/`, up: waitForPort(port, 90_000) };
}

async function main(): Promise<void> {
  const config = loadConfig();
  fs.mkdirSync(config.dataDir, { recursive: true });
  // Where tokens come from: the company's provider (AUTH_ISSUER), the shared secret
  // (AUTH_JWT_SECRET: tests, one service), or by default the embedded OpenID provider.
  const mode = config.auth.issuer ? 'issuer' : config.auth.jwtSecret ? 'secret' : 'embedded';
  if (mode === 'secret') resolveJwtSecret(config);
  const leaveStore = openLeaveStore(config);
  if (await leaveStore.seedIfEmpty(SEED_ORGANISATION)) {
    say(`loaded the sample organisation (${SEED_ORGANISATION.map((e) => `${e.id}: ${e.rank}`).join(', ')})`);
  }
  await leaveStore.close();
  // On a laptop the worker and the API log one readable line per event; in production, JSON.
  const env: NodeJS.ProcessEnv = { LOG_FORMAT: 'pretty', ...process.env, DATA_DIR: config.dataDir };
  let uiAddress: string | undefined;
  const traceViewer = startTraceViewer(config.zipkinPort, env);

  if (config.temporal.address) {
    say(`using the Temporal server at ${config.temporal.address} (TEMPORAL_ADDRESS)`);
  } else {
    const port = config.temporal.port;
    const uiPort = port + 1000;
    const dbFile = path.join(config.dataDir, 'temporal.db');
    const cli = resolveTemporalCli();
    if (cli) {
      say(describe(cli));
      launch(
        'temporal dev server',
        cli.path,
        devServerArgs({ port, uiPort, dbFile, namespace: config.temporal.namespace }),
        env,
      );
    } else {
      say("the Temporal CLI could not be found or built; trying the SDK's own download (needs the internet)");
      sdkServer = await TestWorkflowEnvironment.createLocal({
        server: { ip: '127.0.0.1', port, uiPort, dbFilename: dbFile, namespace: config.temporal.namespace },
      });
    }
    if (!(await waitForPort(port, 60_000))) throw new Error(`the dev server did not answer on port ${port}`);
    env.TEMPORAL_ADDRESS = `127.0.0.1:${port}`;
    uiAddress = `http://127.0.0.1:${uiPort}`;
    say(`Temporal dev server on 127.0.0.1:${port}, its database in ${dbFile}`);
  }

  if (uiAddress) env.TEMPORAL_UI_URL ??= uiAddress;

  // The back office the API serves at `/`: built from source on every start (under a second).
  await buildUi();
  const tsx = ['--import', 'tsx'];
  let issuer = config.auth.issuer?.issuer;
  if (mode === 'embedded') {
    const port = embeddedPort(process.env, config.port);
    issuer = embeddedIssuer(port);
    launch('identity provider', process.execPath, [...tsx, 'identity-provider/server.ts'], env);
    if (!(await waitForPort(port, 60_000)))
      throw new Error(`the identity provider did not answer on port ${port}`);
    Object.assign(env, apiEnvironment(issuer, await embeddedSecrets(config.dataDir)), {
      AUTH_SCOPES: `openid profile ${ROLES_CLAIM}`,
    });
  }
  launch('worker', process.execPath, [...tsx, 'worker.ts'], env);
  launch('api', process.execPath, [...tsx, 'api/server.ts'], env);
  if (!(await waitForPort(config.port, 120_000)))
    throw new Error(`the API did not answer on port ${config.port}`);
  if (traceViewer && !(await traceViewer.up))
    throw new Error(`Zipkin did not answer on port ${config.zipkinPort}`);

  say('the stack is up:');
  say(
    `  back office  http://127.0.0.1:${config.port}/  ` +
      (mode === 'embedded'
        ? '(sign in as anyone in the sample organisation)'
        : mode === 'issuer'
          ? `(people sign in at ${issuer})`
          : '(AUTH_JWT_SECRET is set: bearer tokens only, no sign-in)'),
  );
  if (mode === 'embedded') say(`  identity     ${issuer}  (the embedded OpenID provider)`);
  say(
    `  accounts     http://127.0.0.1:${config.port}/account/  (customers sign in with the account they registered)`,
  );
  say(`  API          http://127.0.0.1:${config.port}  (health: /healthz, readiness: /readyz)`);
  if (uiAddress) say(`  Temporal UI  ${uiAddress}`);
  if (traceViewer)
    say(`  traces       ${traceViewer.address}  (Zipkin: every request, workflow and activity)`);
  say(`  data folder  ${config.dataDir}`);
  if (mode !== 'issuer') {
    say(
      `  a token:     npm run token -- storefront   (roles: storefront support manager warehouse employee hr; ${mode === 'embedded' ? 'from the embedded provider' : 'signed with AUTH_JWT_SECRET'}; a customer's: npm run token -- customer <email>)`,
    );
    say(
      '  leave:       npm run token -- employee ella   (her manager: mia; their VP: vera; HR: npm run token -- hr hana)',
    );
  }
  say('Ctrl-C stops everything.');
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
main().catch((err: unknown) => {
  console.error('[start] could not start the stack:', err instanceof Error ? err.message : err);
  void stop(1);
});
