/**
 * The configuration: one zod schema (config/environment.ts) that parses every variable and writes
 * the table in docs/configuration.md, and the Temporal connection through Temporal's own
 * environment configuration (a temporal.toml profile, its variable names) with the app's older
 * names still working.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { configurationTable, ENVIRONMENT } from '../../config/environment';
import { loadConfig } from '../../config/settings';
import { connectionOptions } from '../../infrastructure/connection';
import { BEGIN, DOC, END } from '../../scripts/docs-config';

/** A markdown table's rows as trimmed cells (the formatter pads the columns; the words are what count). */
function cells(table: string): string[][] {
  return table
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|\s*-/.test(line))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

describe('configuration', () => {
  it('documents exactly the variables the schema reads, with their defaults and meanings', () => {
    const doc = fs.readFileSync(DOC, 'utf8');
    const table = doc.slice(doc.indexOf(BEGIN) + BEGIN.length, doc.indexOf(END));
    assert.deepEqual(cells(table), cells(configurationTable()), 'run npm run docs:config');
    assert.equal(cells(configurationTable()).length - 1, Object.keys(ENVIRONMENT.shape).length);
  });

  it('names the variable at fault', () => {
    assert.throws(
      () => loadConfig({ RETURN_WINDOW: '30' }),
      /configuration RETURN_WINDOW: "30" is not a duration/,
    );
    assert.throws(() => loadConfig({ PORT: 'eighty' }), /configuration PORT: "eighty" is not a whole number/);
    assert.throws(() => loadConfig({ LEAVE_YEAR_START: '13-01' }), /configuration LEAVE_YEAR_START:/);
  });

  it('takes the Temporal connection from a temporal.toml profile, under the app variables', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'envconfig-'));
    const file = path.join(dir, 'temporal.toml');
    fs.writeFileSync(
      file,
      [
        '[profile.default]',
        'address = "localhost:7233"',
        '[profile.cloud]',
        'address = "shop.a1b2c.tmprl.cloud:7233"',
        'namespace = "shop.a1b2c"',
        'api_key = "cloud-key"',
        '[profile.cloud.grpc_meta]',
        'team = "checkout"',
      ].join('\n'),
    );
    const cloud = loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' });
    assert.equal(cloud.temporal.address, 'shop.a1b2c.tmprl.cloud:7233');
    assert.equal(cloud.temporal.namespace, 'shop.a1b2c');
    assert.deepEqual(connectionOptions(cloud.temporal), {
      address: 'shop.a1b2c.tmprl.cloud:7233',
      apiKey: 'cloud-key',
      tls: true,
      metadata: { team: 'checkout' },
    });
    const overridden = loadConfig({
      TEMPORAL_CONFIG_FILE: file,
      TEMPORAL_PROFILE: 'cloud',
      TEMPORAL_NAMESPACE: 'other',
    });
    assert.equal(overridden.temporal.namespace, 'other', 'a variable wins over the profile');
    assert.equal(loadConfig({ TEMPORAL_CONFIG_FILE: file }).temporal.address, 'localhost:7233');
    assert.throws(
      () => loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'nope' }),
      /TEMPORAL_PROFILE/,
    );
  });

  it("reads Temporal's TLS variable names and the app's older ones, which win", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-'));
    for (const name of ['a.crt', 'a.key', 'b.crt', 'b.key']) fs.writeFileSync(path.join(dir, name), name);
    const at = (name: string) => path.join(dir, name);
    const temporalNames = loadConfig({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: at('a.crt'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: at('a.key'),
    });
    const tls = connectionOptions(temporalNames.temporal).tls as { clientCertPair?: { crt: Buffer } };
    assert.equal(tls.clientCertPair?.crt.toString(), 'a.crt');
    const both = loadConfig({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: at('a.crt'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: at('a.key'),
      TEMPORAL_TLS_CERT: at('b.crt'),
      TEMPORAL_TLS_KEY: at('b.key'),
    });
    const older = connectionOptions(both.temporal).tls as { clientCertPair?: { crt: Buffer; key: Buffer } };
    assert.deepEqual(
      [older.clientCertPair?.crt.toString(), older.clientCertPair?.key.toString()],
      ['b.crt', 'b.key'],
    );
    assert.equal(connectionOptions(loadConfig({}).temporal).tls, undefined, 'no TLS to a local dev server');
  });
});
