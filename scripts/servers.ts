/**
 * Resolves the three local servers this project runs against, without the internet:
 *
 *  - the Temporal dev server (Temporal CLI, `temporal server start-dev`);
 *  - Temporal's Java time-skipping test server, behind a launcher the SDK runs as an
 *    `existing-path` executable;
 *  - stripe-mock, Stripe's own API simulator.
 *
 * Each is looked up in a fixed order and whatever is built is cached under the user's cache
 * directory (XDG_CACHE_HOME or ~/.cache), keyed by version, so only the first run pays for it.
 *
 * Run directly (`npm run servers`) it resolves all three and prints what it found.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { searchAttributeTable } from '../infrastructure/search-attributes';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/search-attributes';
import { freePort, waitForPort } from './net';

export const TEMPORAL_CLI_VERSION = 'v1.5.1'; // later tags carry a `replace` directive `go install` refuses
export const STRIPE_MOCK_VERSION = 'v0.203.0';
export const TEST_SERVER_VERSION = '1.38.0'; // io.temporal:temporal-test-server on Maven Central

export type Resolution = 'env' | 'path' | 'cache' | 'built';

export interface ResolvedServer {
  name: string;
  path: string;
  how: Resolution;
  buildSeconds?: number;
}

export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'temporal-commerce');
}

function log(message: string): void {
  process.stderr.write(`[servers] ${message}\n`);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
  if (result.error) throw new Error(`${command} could not run: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed with exit code ${result.status}`);
  }
}

/** Builds a Go command into the cache with `go install`, atomically (build to a temp dir, rename). */
function goInstall(name: string, module: string, version: string, binary: string): ResolvedServer {
  const target = path.join(cacheRoot(), `${name}-${version}`);
  const goBinary = onPath('go');
  if (!goBinary) {
    throw new Error(
      `${name} is not cached and Go is not installed to build it (go install ${module}@${version}).`,
    );
  }
  const started = Date.now();
  const staging = fs.mkdtempSync(path.join(cacheRoot(), `.${name}-`));
  log(`building ${name} with Go: go install ${module}@${version} (the first build takes minutes)`);
  run(goBinary, ['install', `${module}@${version}`], {
    ...process.env,
    GOBIN: staging,
    CGO_ENABLED: process.env.CGO_ENABLED ?? '0',
  });
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(staging, target);
  const buildSeconds = (Date.now() - started) / 1000;
  log(`built ${name} in ${buildSeconds.toFixed(1)} s`);
  return { name, path: path.join(target, binary), how: 'built', buildSeconds };
}

function fromCache(name: string, version: string, binary: string): string | undefined {
  const candidate = path.join(cacheRoot(), `${name}-${version}`, binary);
  return isExecutable(candidate) ? candidate : undefined;
}

/**
 * The Temporal CLI: TEMPORAL_CLI_PATH → `temporal` on PATH → the cache → built with Go.
 * Returns undefined only when none of those is possible, so the caller can fall back to the
 * SDK's own download (which needs the internet).
 */
export function resolveTemporalCli(): ResolvedServer | undefined {
  fs.mkdirSync(cacheRoot(), { recursive: true });
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} is not an executable file`);
    return { name: 'temporal-cli', path: fromEnv, how: 'env' };
  }
  const found = onPath('temporal');
  if (found) return { name: 'temporal-cli', path: found, how: 'path' };
  const cached = fromCache('temporal-cli', TEMPORAL_CLI_VERSION, 'temporal');
  if (cached) return { name: 'temporal-cli', path: cached, how: 'cache' };
  if (!onPath('go')) return undefined;
  return goInstall(
    'temporal-cli',
    'github.com/temporalio/cli/cmd/temporal',
    TEMPORAL_CLI_VERSION,
    'temporal',
  );
}

/** stripe-mock: STRIPE_MOCK_PATH → `stripe-mock` on PATH → the cache → built with Go. */
export function resolveStripeMock(): ResolvedServer {
  fs.mkdirSync(cacheRoot(), { recursive: true });
  const fromEnv = process.env.STRIPE_MOCK_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`STRIPE_MOCK_PATH=${fromEnv} is not an executable file`);
    return { name: 'stripe-mock', path: fromEnv, how: 'env' };
  }
  const found = onPath('stripe-mock');
  if (found) return { name: 'stripe-mock', path: found, how: 'path' };
  const cached = fromCache('stripe-mock', STRIPE_MOCK_VERSION, 'stripe-mock');
  if (cached) return { name: 'stripe-mock', path: cached, how: 'cache' };
  return goInstall('stripe-mock', 'github.com/stripe/stripe-mock', STRIPE_MOCK_VERSION, 'stripe-mock');
}

/**
 * Records a class-data-sharing archive of one test-server start, so later JVM starts load their
 * classes from it: on two busy cores this takes the start from ~3-5 s to well under the SDK's 5 s.
 */
async function recordClassArchive(java: string, libDir: string, archive: string): Promise<boolean> {
  const port = await freePort();
  const child = spawn(
    java,
    [
      `-XX:ArchiveClassesAtExit=${archive}`,
      '-cp',
      `${libDir}/*`,
      'io.temporal.testserver.TestServer',
      String(port),
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const up = await waitForPort(port, 60_000);
  child.kill('SIGTERM');
  await exited;
  return up && fs.existsSync(archive);
}

/**
 * The Java time-skipping test server: TEMPORAL_TEST_SERVER_PATH → the cache → resolved from Maven
 * Central with `mvn dependency:copy-dependencies`. Returns the launcher the SDK runs as an
 * `existing-path` executable (it receives the port as its first argument).
 */
export async function resolveTestServer(): Promise<ResolvedServer> {
  fs.mkdirSync(cacheRoot(), { recursive: true });
  const fromEnv = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new Error(`TEMPORAL_TEST_SERVER_PATH=${fromEnv} is not an executable file`);
    }
    return { name: 'temporal-test-server', path: fromEnv, how: 'env' };
  }
  const target = path.join(cacheRoot(), `temporal-test-server-${TEST_SERVER_VERSION}`);
  const launcher = path.join(target, 'temporal-test-server');
  if (isExecutable(launcher)) return { name: 'temporal-test-server', path: launcher, how: 'cache' };

  const java = onPath('java');
  const mvn = onPath('mvn');
  if (!java || !mvn) {
    throw new Error(
      'The time-skipping test server needs Java 17+ and Maven to fetch it from Maven Central ' +
        `(io.temporal:temporal-test-server:${TEST_SERVER_VERSION}); ` +
        `missing: ${[!java && 'java', !mvn && 'mvn'].filter(Boolean).join(', ')}.`,
    );
  }
  const started = Date.now();
  const staging = fs.mkdtempSync(path.join(cacheRoot(), '.temporal-test-server-'));
  const libDir = path.join(staging, 'lib');
  log(`fetching io.temporal:temporal-test-server:${TEST_SERVER_VERSION} from Maven Central`);
  run(mvn, [
    '-q',
    '-B',
    '-f',
    path.join(__dirname, 'servers', 'test-server-pom.xml'),
    `-Dtemporal.testserver.version=${TEST_SERVER_VERSION}`,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${libDir}`,
    '-DincludeScope=runtime',
  ]);
  // The class archive records the classpath it was made with, so it is made in the final place;
  // the launcher is written last and marks the cache entry complete.
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(staging, target);
  const finalLib = path.join(target, 'lib');
  const archive = path.join(target, 'classes.jsa');
  const archived = await recordClassArchive(java, finalLib, archive);
  const jvmFlags = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];
  if (archived) jvmFlags.push(`-XX:SharedArchiveFile=${archive}`, '-Xshare:auto', '-Xlog:cds=off');
  const script = [
    '#!/bin/sh',
    `# Temporal's Java time-skipping test server ${TEST_SERVER_VERSION}; made by scripts/servers.ts.`,
    '# Usage: temporal-test-server <port> [extra args]',
    `exec "${java}" ${jvmFlags.join(' ')} -cp "${finalLib}/*" io.temporal.testserver.TestServer "$@"`,
    '',
  ].join('\n');
  fs.writeFileSync(launcher, script, { mode: 0o755 });
  const buildSeconds = (Date.now() - started) / 1000;
  log(
    `prepared temporal-test-server in ${buildSeconds.toFixed(1)} s (class archive: ${archived ? 'yes' : 'no'})`,
  );
  return { name: 'temporal-test-server', path: launcher, how: 'built', buildSeconds };
}

/**
 * The arguments of `temporal server start-dev` for a file-backed dev server on 127.0.0.1 with this
 * project's search attributes: the same for `npm start`, the fault tests and the benchmark.
 */
export function devServerArgs(options: {
  port: number;
  uiPort?: number;
  dbFile?: string;
  namespace: string;
  logLevel?: string;
}): string[] {
  return [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    ...(options.uiPort === undefined ? ['--headless'] : ['--ui-port', String(options.uiPort)]),
    // File-backed: SQLite in WAL mode, which survives a killed process and writes far faster.
    ...(options.dbFile
      ? [
          '--db-filename',
          options.dbFile,
          '--sqlite-pragma',
          'journal_mode=wal',
          '--sqlite-pragma',
          'synchronous=normal',
        ]
      : []),
    '--namespace',
    options.namespace,
    '--log-level',
    options.logLevel ?? 'warn',
    ...Object.entries(searchAttributeTable(SEARCH_ATTRIBUTE_KEYS)).flatMap(([name, { cli }]) => [
      '--search-attribute',
      `${name}=${cli}`,
    ]),
  ];
}

export function describe(server: ResolvedServer): string {
  const how = {
    env: 'from the environment',
    path: 'found on PATH',
    cache: 'from the cache',
    built: `built now in ${server.buildSeconds?.toFixed(1)} s`,
  }[server.how];
  return `${server.name}: ${server.path} (${how})`;
}

async function main(): Promise<void> {
  const cli = resolveTemporalCli();
  log(cli ? describe(cli) : "temporal-cli: not resolvable here; the SDK's own download would be used");
  log(describe(resolveStripeMock()));
  log(describe(await resolveTestServer()));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    log(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}

/**
 * stripe-mock answers every PaymentIntent with the status of its bundled fixture
 * (`requires_payment_method`). A checkout needs the answer Stripe gives a good card, so this
 * writes stripe-mock's own fixtures with the PaymentIntent's status set to `succeeded`, for
 * `stripe-mock -fixtures <file>`. The bundled fixtures come from the stripe-mock module itself.
 */
export function stripeMockSucceededFixtures(): string {
  const target = path.join(
    cacheRoot(),
    `stripe-mock-${STRIPE_MOCK_VERSION}`,
    'fixtures-payment-succeeded.json',
  );
  if (fs.existsSync(target)) return target;
  const goBinary = onPath('go');
  if (!goBinary) throw new Error("stripe-mock's fixtures need Go to fetch the stripe-mock module");
  const result = spawnSync(
    goBinary,
    ['mod', 'download', '-json', `github.com/stripe/stripe-mock@${STRIPE_MOCK_VERSION}`],
    {
      encoding: 'utf8',
      cwd: os.tmpdir(),
      env: { ...process.env, GOFLAGS: '-mod=mod' },
    },
  );
  if (result.status !== 0) throw new Error(`go mod download stripe-mock failed: ${result.stderr}`);
  const moduleDir = (JSON.parse(result.stdout) as { Dir: string }).Dir;
  const fixtures = JSON.parse(
    fs.readFileSync(path.join(moduleDir, 'embedded', 'openapi', 'fixtures3.json'), 'utf8'),
  ) as { resources: Record<string, Record<string, unknown>> };
  const intent = fixtures.resources.payment_intent;
  if (!intent) throw new Error("stripe-mock's fixtures have no payment_intent");
  intent.status = 'succeeded';
  intent.last_payment_error = null;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const staging = `${target}.${process.pid}`;
  fs.writeFileSync(staging, JSON.stringify(fixtures));
  fs.renameSync(staging, target);
  return target;
}
