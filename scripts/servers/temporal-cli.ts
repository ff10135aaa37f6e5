/**
 * The Temporal CLI, for `temporal server start-dev`: TEMPORAL_CLI_PATH, else `temporal` on PATH, else
 * built with `go install` from the Go module proxy into the cache.
 */
import fs from 'node:fs';
import { searchAttributeTable } from '../../infrastructure/search-attributes';
import { SEARCH_ATTRIBUTE_KEYS } from '../../workflows/search-attributes';
import { cacheRoot, fromCache, goInstall, isExecutable, onPath, type ResolvedServer } from './cache';

export const TEMPORAL_CLI_VERSION = 'v1.5.1'; // later tags carry a `replace` directive `go install` refuses

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

/**
 * Dynamic config every dev server here gets: the priority matcher (Temporal's own default from
 * later releases), so a bulk action's Stripe calls wait behind new customers' on the rate-limited
 * Stripe queue; and one partition per task queue, because priority orders the tasks within a
 * partition: with the default four, a confirmation link went after 9 of a bulk retry's queued
 * events instead of the 1-2 in hand, and with writes to one and reads from four after 8
 * (test/activities/people-first.test.ts). One process, one machine: more partitions add nothing
 * to a dev server. A dev server's database from before this (DATA_DIR/temporal.db) may hold tasks
 * that were queued in partitions 1-3 when it stopped; they are not read any more: let its worker
 * finish its work before upgrading, or start on a fresh DATA_DIR.
 */
export const DEV_SERVER_DYNAMIC_CONFIG = [
  'matching.useNewMatcher=true',
  'matching.numTaskqueueReadPartitions=1',
  'matching.numTaskqueueWritePartitions=1',
];

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
    // Task queue priority (bulk work behind new customers' on the Stripe queue) with its rate limit.
    ...DEV_SERVER_DYNAMIC_CONFIG.flatMap((setting) => ['--dynamic-config-value', setting]),
    ...Object.entries(searchAttributeTable(SEARCH_ATTRIBUTE_KEYS)).flatMap(([name, { cli }]) => [
      '--search-attribute',
      `${name}=${cli}`,
    ]),
  ];
}
