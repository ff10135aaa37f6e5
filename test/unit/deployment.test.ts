/**
 * docker-compose.yml and the Dockerfile, checked statically (there is no Docker engine on the
 * build machine): the file parses, every service the stack needs is there, the app's environment
 * holds only variables the app reads and points at services and ports that exist, the search
 * attributes are registered, the image runs as a non-root user with the prebuilt bundle, and every
 * build step the Dockerfile runs is also run by CI (.ci/run).
 */
import { BENCH_TUNING } from '../../bench/tuning';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { searchAttributeTable } from '../../infrastructure/search-attributes';
import { SEARCH_ATTRIBUTE_KEYS } from '../../workflows/search-attributes';
import { ENVIRONMENT } from '../../config/environment';
import { loadConfig } from '../../config/settings';

const root = path.resolve(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; target?: string };
  command?: string[] | string;
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

/** Every variable the app's configuration reads: the keys of its one schema (config/environment.ts). */
function variablesTheAppReads(): Set<string> {
  return new Set(Object.keys(ENVIRONMENT.shape));
}

/** What `docker compose` would fill in for `${NAME:?message}`: a stand-in of the right shape. */
const STAND_INS: Record<string, string> = {
  AUTH_JWT_SECRET: 'a-secret-of-more-than-thirty-two-characters',
  PAYLOAD_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
};

function interpolate(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [
      k,
      v
        .replace(/\$\{([A-Z_]+):\?[^}]*\}/g, (_, name: string) => {
          const standIn = STAND_INS[name];
          assert.ok(standIn, `no stand-in for the required variable ${name}`);
          return standIn;
        })
        // `${NAME:-default}`: the default, as with nothing set in the shell.
        .replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, (_, fallback: string) => fallback),
    ]),
  );
}

function publishes(service: string, port: number): boolean {
  return (services[service]?.ports ?? []).some((p) => p.split(':').at(-1) === String(port));
}

describe('docker-compose.yml', () => {
  it('has the whole production-shaped stack', () => {
    for (const name of [
      'postgresql',
      'temporal-schema',
      'temporal',
      'temporal-setup',
      'temporal-ui',
      'rabbitmq',
      'stripe-mock',
      'api',
      'worker',
    ]) {
      assert.ok(services[name], `service ${name}`);
    }
    assert.match(services.rabbitmq!.image!, /-management$/, 'RabbitMQ with its management UI');
    assert.ok(publishes('rabbitmq', 15672));
    assert.match(services['temporal-schema']!.image!, /^temporalio\/admin-tools:/);
    assert.match(
      String(services['temporal-schema']!.command),
      /temporal-sql-tool .*setup-schema/,
      'the official schema tool',
    );
  });

  it('builds the API and the worker from the one Dockerfile, with their own commands', () => {
    const stages = [...read('Dockerfile').matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);
    for (const name of ['api', 'worker']) {
      const service = services[name]!;
      assert.equal(service.build?.context, '.');
      assert.ok(stages.includes(service.build?.target), `${name} builds the ${service.build?.target} stage`);
    }
    assert.deepEqual(services.worker!.command, ['node', 'dist/worker.js']);
    assert.deepEqual(services.api!.command, ['node', 'dist/api/server.js']);
    for (const command of [services.worker!.command, services.api!.command] as string[][]) {
      assert.ok(fs.existsSync(path.join(root, command[1]!.replace(/^dist\//, '').replace(/\.js$/, '.ts'))));
    }
  });

  it('gives the app only variables it reads, and a configuration it accepts', () => {
    const known = variablesTheAppReads();
    for (const name of ['api', 'worker']) {
      const env = interpolate(services[name]!.environment ?? {});
      for (const key of Object.keys(env)) assert.ok(known.has(key), `${name}: ${key} is not read by the app`);
      const config = loadConfig(env);
      assert.equal(config.temporal.address, 'temporal:7233');
      assert.equal(config.dataDir, '/data');
      assert.equal(config.encryptionKeys?.[0]?.id, 'k1', 'payloads are encrypted');
    }
  });

  it('tunes the worker as the benchmark does (bench/tuning.ts)', () => {
    const env = interpolate(services.worker!.environment ?? {});
    for (const [key, value] of Object.entries(BENCH_TUNING)) assert.equal(env[key], value, key);
    assert.equal(loadConfig(env).worker.maxCachedWorkflows, Number(BENCH_TUNING.WORKER_MAX_CACHED_WORKFLOWS));
  });

  it("points the app at services and ports that exist, with the peers' own credentials", () => {
    const env = interpolate(services.worker!.environment ?? {});
    const [temporalHost, temporalPort] = env.TEMPORAL_ADDRESS!.split(':');
    assert.ok(services[temporalHost!] && publishes(temporalHost!, Number(temporalPort)));
    const amqp = new URL(env.AMQP_URL!);
    assert.ok(services[amqp.hostname] && publishes(amqp.hostname, Number(amqp.port)));
    const rabbit = services[amqp.hostname]!.environment!;
    assert.deepEqual(
      [amqp.username, amqp.password],
      [rabbit.RABBITMQ_DEFAULT_USER, rabbit.RABBITMQ_DEFAULT_PASS],
    );
    const stripe = new URL(env.STRIPE_API_BASE!);
    assert.ok(services[stripe.hostname] && publishes(stripe.hostname, Number(stripe.port)));
    const api = loadConfig(interpolate(services.api!.environment ?? {}));
    assert.ok(publishes('api', api.port), `the API listens on ${api.port} and publishes it`);
    const database = new URL(env.DATABASE_URL!);
    const appDb = services[database.hostname]!.environment!;
    assert.deepEqual(
      [database.username, database.password, database.pathname.slice(1)],
      [appDb.POSTGRES_USER, appDb.POSTGRES_PASSWORD, appDb.POSTGRES_DB],
      "the app's database and its credentials",
    );
    assert.equal(database.port, '5432');
    const temporal = services.temporal!.environment!;
    const db = services.postgresql!.environment!;
    assert.equal(temporal.POSTGRES_SEEDS, 'postgresql');
    assert.deepEqual(
      [temporal.POSTGRES_USER, temporal.POSTGRES_PWD],
      [db.POSTGRES_USER, db.POSTGRES_PASSWORD],
    );
    assert.equal(services['temporal-ui']!.environment!.TEMPORAL_ADDRESS, env.TEMPORAL_ADDRESS);
    const codecEndpoint = new URL(services['temporal-ui']!.environment!.TEMPORAL_CODEC_ENDPOINT!);
    assert.equal(codecEndpoint.pathname, '/codec', "the UI decodes through the API's codec server");
    assert.equal(codecEndpoint.port, String(api.port));
    const uiOrigin = `http://localhost:${services['temporal-ui']!.ports![0]!.split(':')[0]}`;
    assert.deepEqual(api.codecCorsOrigins, [uiOrigin], 'the API lets the UI call the codec server');
  });

  it('registers every search attribute the workflows keep, with its type', () => {
    const setup = String(services['temporal-setup']!.command);
    for (const [name, { cli }] of Object.entries(searchAttributeTable(SEARCH_ATTRIBUTE_KEYS))) {
      assert.match(setup, new RegExp(`--name ${name} --type ${cli}\\b`), name);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));

  it('runs as a non-root user with the compiled code and the prebuilt bundle', () => {
    const user = /^USER (\S+)$/m.exec(runtime)?.[1];
    assert.ok(user && user !== 'root' && user !== '0', `runs as ${user}`);
    assert.match(runtime, /COPY --from=build \/app\/dist \.\/dist/);
    assert.match(
      read('package.json'),
      /"build": "tsc -p tsconfig.json && tsx scripts\/build-bundle.ts && tsx scripts\/build-ui.ts"/,
      'the build writes dist/workflow-bundle.js and the back office (dist/ui), which the image ships',
    );
  });

  it('uses the Node major version the project declares', () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    for (const match of dockerfile.matchAll(/^FROM node:(\d+)/gm)) assert.equal(`>=${match[1]}`, engines);
  });

  it('runs no npm step that CI does not run too', () => {
    const ci = read('.ci/run');
    const steps = [...dockerfile.replace(/\\\n/g, ' ').matchAll(/^RUN (.*)$/gm)]
      .flatMap((m) => m[1]!.split('&&'))
      .map((step) => step.trim().replace(/\s+/g, ' '))
      .filter((step) => step.startsWith('npm '));
    assert.deepEqual(steps, ['npm install --no-audit --no-fund', 'npm run build', 'npm prune --omit=dev']);
    for (const step of steps) assert.ok(ci.includes(step), `.ci/run runs "${step}"`);
  });
});
