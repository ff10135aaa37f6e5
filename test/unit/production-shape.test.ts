/**
 * docker-compose.yml and `npm run start:production` (scripts/production/) describe one production
 * shape: the same Temporal server and UI versions, the same SQL plugin, databases and schemas, the
 * same history shard count, namespace, search attributes, and two workers and two APIs. The compose
 * file can't run here (no Docker engine); the stack does, so these facts are compared, not believed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { PRODUCTION_SHAPE, temporalServerConfig } from '../../scripts/production/temporal-config';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from '../../scripts/servers/temporal-server';
import { SEARCH_ATTRIBUTE_KEYS } from '../../workflows/search-attributes';

interface Service {
  image?: string;
  environment?: Record<string, string>;
  command?: string[] | string;
  deploy?: { replicas?: number };
}
const root = path.resolve(__dirname, '..', '..');
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const text = (service: string): string => [services[service]?.command ?? []].flat().join(' ');

describe('the production shape: docker-compose.yml and npm run start:production agree', () => {
  it('runs the same Temporal server and UI, at the versions the stack builds', () => {
    const server = /^temporalio\/server:(\d+\.\d+)$/.exec(services.temporal!.image!)?.[1];
    assert.ok(
      server && TEMPORAL_SERVER_VERSION.startsWith(`v${server}.`),
      `${server} ~ ${TEMPORAL_SERVER_VERSION}`,
    );
    const tools = /^temporalio\/admin-tools:(\d+\.\d+)$/.exec(services['temporal-schema']!.image!)?.[1];
    assert.equal(tools, server, 'the schema tool of the same release');
    assert.equal(services['temporal-ui']!.image, `temporalio/ui:${TEMPORAL_UI_VERSION.slice(1)}`);
  });

  it('keeps persistence and visibility on PostgreSQL with the same plugin, databases and schemas', () => {
    assert.equal(services['temporal-schema']!.environment!.SQL_PLUGIN, PRODUCTION_SHAPE.sqlPlugin);
    assert.equal(services.temporal!.environment!.DB, PRODUCTION_SHAPE.sqlPlugin);
    const schema = text('temporal-schema');
    for (const [which, database] of [
      ['persistence', PRODUCTION_SHAPE.databases.persistence],
      ['visibility', PRODUCTION_SHAPE.databases.visibility],
    ] as const) {
      assert.match(schema, new RegExp(`--db ${database} setup-schema`), database);
      assert.ok(
        schema.includes(`schema/${PRODUCTION_SHAPE.schemas[which]}/versioned`),
        PRODUCTION_SHAPE.schemas[which],
      );
    }
    assert.equal(services['app-db']!.environment!.POSTGRES_DB, PRODUCTION_SHAPE.databases.app);
    const config = parse(temporalServerConfig({ postgresPort: 5432, user: 'u', ports: samplePorts() })) as {
      persistence: {
        numHistoryShards: number;
        datastores: Record<string, { sql: { pluginName: string; databaseName: string } }>;
      };
    };
    assert.deepEqual(
      Object.values(config.persistence.datastores).map((d) => [d.sql.pluginName, d.sql.databaseName]),
      [
        [PRODUCTION_SHAPE.sqlPlugin, PRODUCTION_SHAPE.databases.persistence],
        [PRODUCTION_SHAPE.sqlPlugin, PRODUCTION_SHAPE.databases.visibility],
      ],
    );
    assert.equal(config.persistence.numHistoryShards, PRODUCTION_SHAPE.historyShards);
    assert.equal(Number(services.temporal!.environment!.NUM_HISTORY_SHARDS), PRODUCTION_SHAPE.historyShards);
  });

  it('sets up the same namespace and search attributes', () => {
    const setup = text('temporal-setup');
    assert.match(setup, new RegExp(`namespace create --namespace ${PRODUCTION_SHAPE.namespace}`));
    for (const key of SEARCH_ATTRIBUTE_KEYS)
      assert.ok(setup.includes(`--name ${key.name} --type Keyword`), key.name);
  });

  it('runs two workers and two APIs', () => {
    assert.equal(services.worker!.deploy?.replicas, PRODUCTION_SHAPE.workers);
    assert.equal(services.api!.deploy?.replicas, PRODUCTION_SHAPE.apis);
  });

  it('versions the workers by their bundle and makes that build current, as the stack does', () => {
    assert.equal(services.worker!.environment?.WORKER_BUILD_ID, '${WORKER_BUILD_ID:-auto}');
    assert.equal(text('release'), 'node dist/scripts/release.js current auto');
    assert.ok(fs.existsSync(path.join(root, 'scripts', 'release.ts')), 'the release script the image runs');
  });
});

function samplePorts() {
  return {
    frontend: 7233,
    frontendHttp: 7243,
    history: 7234,
    matching: 7235,
    worker: 7239,
    membership: [6933, 6934, 6935, 6939] as [number, number, number, number],
    metrics: 8000,
    ui: 8080,
  };
}
