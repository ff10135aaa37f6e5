/**
 * The production shape, run for real on one machine: a private PostgreSQL holding Temporal's
 * persistence and its visibility and the app's store; Temporal's own server built from
 * `go.temporal.io/server` (the schema set up by its `temporal-sql-tool`); its Web UI server;
 * RabbitMQ; stripe-mock; two workers and two API processes from the compiled build with the
 * prebuilt workflow bundle. Everything listens on 127.0.0.1. `npm run start:production` runs it;
 * the production suites (test/production/) start it and break its parts.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import pg from 'pg';
import { postgresCluster, type PostgresCluster } from '../postgres';
import { launchProcess, startApiProcess, startWorkerProcess, until, type RunningProcess } from '../processes';
import { startBroker, type Broker } from '../rabbitmq';
import { resolveProductionServers } from '../servers/temporal-server';
import { freeLowPort, freePort, waitForPort } from '../net';
import { startRecordingProxy, type FakeServer } from '../http-fakes';
import { startStripeMock, type RunningStripeMock } from '../stripe-mock';
import { openLeaveStore } from '../../store';
import { makeCurrent, resolveBuildId } from '../../infrastructure/worker-deployment';
import { SEED_ORGANISATION } from '../../store/seed-organisation';
import {
  PRODUCTION_SHAPE,
  temporalDynamicConfig,
  temporalServerConfig,
  temporalUiConfig,
  type TemporalPorts,
} from './temporal-config';

const root = path.resolve(__dirname, '..', '..');

function say(line: string): void {
  process.stderr.write(`[production] ${line}\n`);
}

export interface TemporalServer {
  address: string;
  /** How often it exited on its own and was started again (as a supervisor restarts it). */
  restarts: number;
  /** The server's process id (for CPU figures). */
  pid(): number | undefined;
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface ProductionStack {
  dataDir: string;
  postgres: PostgresCluster;
  /** The app's store: `postgres://…/commerce`. */
  databaseUrl: string;
  temporal: TemporalServer;
  ui: string;
  broker: Broker;
  stripe: RunningStripeMock;
  /** Every request the workers sent to Stripe (a recording proxy in front of stripe-mock). */
  stripeRequests: FakeServer['requests'];
  /** The two workers' environment, to start one again after a kill. */
  workerEnv: NodeJS.ProcessEnv;
  /** Worker Versioning: the deployment and the build the workers serve (the bundle's hash), current. */
  deployment: { deploymentName: string; buildId: string };
  workers: RunningProcess[];
  apis: { base: string; process: RunningProcess; env: NodeJS.ProcessEnv }[];
  /** What the development mailer recorded (both workers append to it). */
  outbox: string;
  /** Starts one more worker; `env` changes its environment (another build's WORKFLOW_BUNDLE). */
  startWorker(env?: NodeJS.ProcessEnv): Promise<RunningProcess>;
  stop(): Promise<void>;
}

export interface ProductionOptions {
  dataDir: string;
  /** Token secret for the APIs (bearer tokens; the back office's sign-in is `npm start`'s). */
  jwtSecret: string;
  /** Extra environment for the workers and APIs (short windows for tests). */
  env?: NodeJS.ProcessEnv;
  /** The first API's port (the second takes any free one). */
  apiPort?: number;
  uiPort?: number;
}

/** Temporal keeps each service's membership port in a smallint column: below 32768, all of them. */
async function ports(uiPort?: number): Promise<TemporalPorts> {
  const next = () => freeLowPort();
  return {
    frontend: await next(),
    frontendHttp: await next(),
    history: await next(),
    matching: await next(),
    worker: await next(),
    membership: [await next(), await next(), await next(), await next()],
    metrics: await next(),
    ui: uiPort ?? (await next()),
  };
}

/** Temporal's two databases and the app's, each created once. */
async function createDatabases(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const name of Object.values(PRODUCTION_SHAPE.databases)) {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
    }
  } finally {
    await client.end();
  }
}

/** `temporal-sql-tool` with the schemas it embeds: set up once, then brought to the latest version. */
function setUpSchemas(sqlTool: string, port: number): void {
  const base = [
    '--plugin',
    PRODUCTION_SHAPE.sqlPlugin,
    '--ep',
    '127.0.0.1',
    '-p',
    String(port),
    '-u',
    'commerce',
  ];
  const tool = (database: string, args: string[]) => {
    const result = spawnSync(sqlTool, [...base, '--db', database, ...args], { encoding: 'utf8' });
    return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
  };
  for (const [which, database] of [
    ['persistence', PRODUCTION_SHAPE.databases.persistence],
    ['visibility', PRODUCTION_SHAPE.databases.visibility],
  ] as const) {
    const setup = tool(database, ['setup-schema', '-v', '0.0']);
    if (!setup.ok && !/already exists/.test(setup.output))
      throw new Error(`temporal-sql-tool setup-schema ${database}: ${setup.output.slice(-1500)}`);
    const update = tool(database, ['update-schema', '--schema-name', PRODUCTION_SHAPE.schemas[which]]);
    if (!update.ok)
      throw new Error(`temporal-sql-tool update-schema ${database}: ${update.output.slice(-1500)}`);
  }
  say(
    `schemas ${PRODUCTION_SHAPE.schemas.persistence} and ${PRODUCTION_SHAPE.schemas.visibility} set up by temporal-sql-tool`,
  );
}

/** The namespace, registered once, and usable (the frontend's registry has picked it up). */
async function ensureNamespace(address: string): Promise<void> {
  const { namespace, retentionDays } = PRODUCTION_SHAPE;
  let problem = '';
  // The frontend listens before its services have joined the ring: ask until it answers.
  await until(
    `namespace ${namespace} on ${address} to be usable`,
    async () => {
      let connection: Connection | undefined;
      try {
        connection = await Connection.connect({ address, connectTimeout: '5s' });
        await connection.workflowService
          .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`) })
          .then(
            () => say(`namespace ${namespace} registered (retention ${retentionDays} days)`),
            (err: unknown) => {
              if (!/already exists|AlreadyExists/i.test(String(err))) throw err;
            },
          );
        await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
        return true;
      } catch (err) {
        problem = String(err).slice(0, 200);
        return false;
      } finally {
        await connection?.close().catch(() => undefined);
      }
    },
    90_000,
  ).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}: ${problem}`);
  });
}

/**
 * Temporal's own server on a private PostgreSQL (persistence and SQL visibility), its schemas set
 * up by temporal-sql-tool, started again when it exits (a supervisor's restart policy). The stack
 * runs it; so does the benchmark, beside the dev server. `started` collects what to stop.
 */
export async function startTemporalOnPostgres(
  dataDir: string,
  started: (() => Promise<void>)[],
  uiPort?: number,
): Promise<{ postgres: PostgresCluster; temporal: TemporalServer; ports: TemporalPorts }> {
  const tools = resolveProductionServers();
  say(`${tools.server.name}: ${tools.server.path} (${tools.server.how})`);
  const postgres = postgresCluster(path.join(dataDir, 'postgres'), await freePort(), { durable: true });
  await postgres.start();
  started.push(() => postgres.stop());
  await createDatabases(postgres.url);
  setUpSchemas(tools.sqlTool.path, postgres.port);

  const p = await ports(uiPort);
  const temporalRoot = path.join(dataDir, 'temporal');
  fs.mkdirSync(path.join(temporalRoot, 'config'), { recursive: true });
  fs.writeFileSync(
    path.join(temporalRoot, 'config', 'production.yaml'),
    temporalServerConfig({
      postgresPort: postgres.port,
      user: 'commerce',
      ports: p,
      dynamicConfigFile: path.join(temporalRoot, 'config', 'dynamicconfig.yaml'),
    }),
  );
  fs.writeFileSync(path.join(temporalRoot, 'config', 'dynamicconfig.yaml'), temporalDynamicConfig());
  const address = `127.0.0.1:${p.frontend}`;
  let server: RunningProcess | undefined;
  let stopped = false;
  const temporal: TemporalServer = {
    address,
    pid: () => server?.child.pid,
    restarts: 0,
    async start() {
      stopped = false;
      server = launchProcess(tools.server.path, [
        '--root',
        temporalRoot,
        '--config',
        'config',
        '--env',
        'production',
        '--allow-no-auth',
        'start',
      ]);
      await until(
        `the Temporal server on ${address}`,
        async () => {
          if (server!.child.exitCode !== null)
            throw new Error(`the Temporal server exited:\n${server!.output().slice(-3000)}`);
          return waitForPort(p.frontend, 500);
        },
        90_000,
      );
      await ensureNamespace(address).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${server!.output().slice(-3000)}`);
      });
      // A supervisor's restart policy (docker-compose's `restart: unless-stopped`): the server
      // exits when it loses its database for long; it is started again until it is stopped.
      const running = server;
      running.child.once('exit', (code, signal) => {
        if (stopped || running !== server) return;
        temporal.restarts += 1;
        say(`the Temporal server exited (${signal ?? code}); starting it again, as a supervisor would`);
        setTimeout(() => void temporal.start().catch((err: unknown) => say(String(err))), 1_000);
      });
    },
    async stop(signal = 'SIGTERM') {
      stopped = true;
      await server?.stop(signal);
    },
  };
  started.push(() => temporal.stop());
  await temporal.start();
  say(`Temporal server ${tools.server.path} on ${address}, persistence and visibility on PostgreSQL`);

  return { postgres, temporal, ports: p };
}

export async function startProductionStack(options: ProductionOptions): Promise<ProductionStack> {
  const started: (() => Promise<void>)[] = [];
  try {
    return await startStack(options, started);
  } catch (err) {
    // Whatever did start is stopped again, so a failed start leaves nothing running.
    for (const stop of started.reverse()) await stop().catch(() => undefined);
    throw err;
  }
}

async function startStack(
  options: ProductionOptions,
  started: (() => Promise<void>)[],
): Promise<ProductionStack> {
  const dataDir = path.resolve(options.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  // PostgreSQL runs as its own user (as root, as `postgres`): it must be able to reach its folder.
  fs.chmodSync(dataDir, 0o755);
  for (const file of ['dist/worker.js', 'dist/api/server.js', 'dist/workflow-bundle.js']) {
    if (!fs.existsSync(path.join(root, file)))
      throw new Error(`${file} is missing: run \`npm run build\` first`);
  }
  const { postgres, temporal, ports: p } = await startTemporalOnPostgres(dataDir, started, options.uiPort);
  const address = temporal.address;
  const tools = resolveProductionServers();
  for (const tool of [tools.sqlTool, tools.ui]) say(`${tool.name}: ${tool.path} (${tool.how})`);

  const uiRoot = path.join(dataDir, 'temporal-ui');
  fs.mkdirSync(path.join(uiRoot, 'config'), { recursive: true });
  fs.writeFileSync(
    path.join(uiRoot, 'config', 'production.yaml'),
    temporalUiConfig({ port: p.ui, frontend: p.frontend }),
  );
  const ui = launchProcess(tools.ui.path, ['--root', uiRoot, '--env', 'production', 'start']);
  started.push(() => ui.stop());
  if (!(await waitForPort(p.ui, 60_000)))
    throw new Error(`the Temporal UI did not start:\n${ui.output().slice(-2000)}`);

  const [broker, stripe] = await Promise.all([startBroker(), startStripeMock('succeed')]);
  const stripeProxy = await startRecordingProxy(stripe.url);
  started.push(
    () => stripeProxy.close(),
    () => broker.stop(),
    () => stripe.stop(),
  );
  const apiPorts: number[] = [];
  for (let i = 0; i < PRODUCTION_SHAPE.apis; i++)
    apiPorts.push(i === 0 && options.apiPort ? options.apiPort : await freePort());
  const databaseUrl = postgres.url.replace(/\/postgres$/, `/${PRODUCTION_SHAPE.databases.app}`);
  const shared: NodeJS.ProcessEnv = {
    LOG_FORMAT: 'json',
    DATA_DIR: path.join(dataDir, 'app'),
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: PRODUCTION_SHAPE.namespace,
    DATABASE_URL: databaseUrl,
    AMQP_URL: broker.url,
    STRIPE_SECRET_KEY: 'sk_test_123', // stripe-mock takes a key of Stripe's shape
    STRIPE_API_BASE: stripeProxy.url,
    AUTH_JWT_SECRET: options.jwtSecret,
    // Where a customer's confirmation link points: the first API (a load balancer, in production).
    PUBLIC_URL: `http://127.0.0.1:${apiPorts[0]}`,
    ...options.env,
  };
  // Versioned workers (Worker Versioning): the build is the bundle's hash, made current once
  // they poll, so new workflows start on it; the runbook's release moves to the next one.
  const deployment = {
    deploymentName: 'commerce',
    buildId: resolveBuildId('auto', path.join(root, 'dist', 'workflow-bundle.js')),
  };
  const workerEnv: NodeJS.ProcessEnv = {
    ...shared,
    WORKER_DEPLOYMENT_NAME: deployment.deploymentName,
    WORKER_BUILD_ID: deployment.buildId,
  };
  // The sample organisation on an empty store, as `npm start` loads it.
  const leaveStore = openLeaveStore({ dataDir, databaseUrl });
  await leaveStore.seedIfEmpty(SEED_ORGANISATION).finally(() => leaveStore.close());
  const startWorker = (env?: NodeJS.ProcessEnv) =>
    startWorkerProcess({ ...workerEnv, ...env }, 'dist/worker.js');
  const workers: RunningProcess[] = [];
  started.push(async () => {
    for (const worker of workers) await worker.stop();
  });
  for (let i = 0; i < PRODUCTION_SHAPE.workers; i++) workers.push(await startWorker());
  const connection = await Connection.connect({ address });
  try {
    await makeCurrent(new Client({ connection, namespace: PRODUCTION_SHAPE.namespace }), deployment, {
      identity: 'npm run start:production',
    });
  } finally {
    await connection.close();
  }
  say(`workers on build ${deployment.buildId} of deployment ${deployment.deploymentName}, current`);
  const apis: ProductionStack['apis'] = [];
  started.push(async () => {
    for (const api of apis) await api.process.stop();
  });
  for (let i = 0; i < PRODUCTION_SHAPE.apis; i++) {
    const port = apiPorts[i]!;
    const env = { ...shared, PORT: String(port) };
    apis.push({
      base: `http://127.0.0.1:${port}`,
      env,
      process: await startApiProcess(env, 'dist/api/server.js'),
    });
  }
  say(`two workers and two APIs (${apis.map((a) => a.base).join(', ')}) from dist/`);

  return {
    dataDir,
    postgres,
    databaseUrl,
    temporal,
    ui: `http://127.0.0.1:${p.ui}`,
    broker,
    stripe,
    stripeRequests: stripeProxy.requests,
    workerEnv,
    deployment,
    workers,
    apis,
    outbox: path.join(dataDir, 'app', 'dev-outbox'),
    startWorker,
    async stop() {
      for (const api of apis) await api.process.stop();
      for (const worker of workers) await worker.stop();
      await ui.stop();
      await temporal.stop();
      await Promise.allSettled([broker.stop(), stripe.stop(), stripeProxy.close()]);
      await postgres.stop().catch(() => undefined);
    },
  };
}
