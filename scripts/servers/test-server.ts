/**
 * Temporal's Java time-skipping test server, from Maven Central, behind a launcher the SDK runs as an
 * `existing-path` executable: TEMPORAL_TEST_SERVER_PATH, else built into the cache with Maven.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, waitForPort } from '../net';
import { cacheRoot, isExecutable, log, onPath, run, type ResolvedServer } from './cache';

export const TEST_SERVER_VERSION = '1.38.0'; // io.temporal:temporal-test-server on Maven Central

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
    path.join(__dirname, 'test-server-pom.xml'),
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
