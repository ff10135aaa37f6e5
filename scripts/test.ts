/**
 * `npm test`: resolves the Temporal servers and stripe-mock (building them on first use), starts
 * a private RabbitMQ broker and a private PostgreSQL server (installing them when missing), builds
 * the back office and finds Chromium for its browser tests (installing it when missing), then
 * runs every test file under test/ with Node's test runner, one file at a time. Extra arguments
 * narrow the run to matching files: `npm test -- workflows`.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildUi } from './build-ui';
import { ensureChromium } from './chromium';
import { startPostgres, type PostgresServer } from './postgres';
import { startBroker, type Broker } from './rabbitmq';
import {
  describe,
  resolveStripeMock,
  resolveTemporalCli,
  resolveTestServer,
  stripeMockSucceededFixtures,
} from './servers';

const root = path.resolve(__dirname, '..');

function testFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return testFiles(full);
      return entry.name.endsWith('.test.ts') ? [full] : [];
    })
    .sort();
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const files = testFiles(path.join(root, 'test'))
    .map((file) => path.relative(root, file))
    .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)));
  if (files.length === 0) {
    console.error(`no test files match ${filters.join(' ')}`);
    return 1;
  }

  const cli = resolveTemporalCli();
  if (!cli)
    throw new Error('the Temporal CLI could not be found or built (it needs Go), and the tests need it');
  const testServer = await resolveTestServer();
  const stripeMock = resolveStripeMock();
  const fixtures = stripeMockSucceededFixtures();
  for (const server of [cli, testServer, stripeMock]) console.log(`[test] ${describe(server)}`);

  // The back office: built from source (so a fresh clone needs no separate step), and the browser
  // its tests (and the end-to-end ones, which open a customer's emailed link) drive, when any run.
  let chromium: string | undefined;
  const inBrowser = [`test${path.sep}browser${path.sep}`, `test${path.sep}e2e${path.sep}`];
  if (files.some((file) => inBrowser.some((folder) => file.includes(folder)))) {
    const { bytes } = await buildUi();
    console.log(`[test] back office built into dist/ui (${(bytes / 1024).toFixed(0)} KiB)`);
    chromium = ensureChromium();
    console.log(`[test] chromium: ${chromium}`);
  }

  // The production shape runs the compiled build (dist/, the prebuilt workflow bundle): built from
  // this source first, so a fresh clone's `npm test` needs no separate step.
  if (files.some((file) => file.includes(`test${path.sep}production${path.sep}`))) {
    console.log('[test] building dist/ for the production shape (npm run build)');
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }

  let broker: Broker | undefined;
  let amqpUrl = process.env.TEST_AMQP_URL;
  if (amqpUrl) console.log(`[test] RabbitMQ from TEST_AMQP_URL`);
  else {
    broker = await startBroker();
    amqpUrl = broker.url;
  }

  let postgres: PostgresServer | undefined;
  let databaseUrl = process.env.TEST_DATABASE_URL;
  if (databaseUrl) console.log('[test] PostgreSQL from TEST_DATABASE_URL');
  else {
    postgres = await startPostgres();
    databaseUrl = postgres.url;
  }

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_CLI_PATH: cli.path,
    TEMPORAL_TEST_SERVER_PATH: testServer.path,
    STRIPE_MOCK_PATH: stripeMock.path,
    STRIPE_MOCK_FIXTURES: fixtures,
    TEST_AMQP_URL: amqpUrl,
    TEST_DATABASE_URL: databaseUrl,
    ...(chromium ? { CHROMIUM_PATH: chromium } : {}),
  };
  const args = ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files];
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
  const stopChild = (): void => {
    child.kill('SIGINT');
  };
  process.on('SIGINT', stopChild);
  process.on('SIGTERM', stopChild);
  const code = await new Promise<number>((resolve) =>
    child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))),
  );
  await broker?.stop();
  await postgres?.stop();
  return code;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('[test] could not run the tests:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
