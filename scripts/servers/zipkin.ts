/**
 * Zipkin's server, the trace viewer `npm start` runs beside the Temporal UI: its `exec` jar from
 * Maven Central (io.zipkin:zipkin-server), run with the Java the time-skipping test server already
 * needs, spans kept in memory. ZIPKIN_JAR, else the cache, else fetched with Maven.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cacheRoot, isExecutable, log, onPath, run, type ResolvedServer } from './cache';

export const ZIPKIN_VERSION = '3.5.1'; // io.zipkin:zipkin-server, classifier exec

export function resolveZipkin(): ResolvedServer | undefined {
  const fromEnv = process.env.ZIPKIN_JAR;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`ZIPKIN_JAR=${fromEnv} does not exist`);
    return { name: 'zipkin', path: fromEnv, how: 'env' };
  }
  fs.mkdirSync(cacheRoot(), { recursive: true });
  const target = path.join(cacheRoot(), `zipkin-${ZIPKIN_VERSION}`);
  const jar = path.join(target, 'zipkin-server.jar');
  if (fs.existsSync(jar)) return { name: 'zipkin', path: jar, how: 'cache' };
  const mvn = onPath('mvn');
  if (!mvn || !onPath('java')) return undefined;
  const started = Date.now();
  const staging = fs.mkdtempSync(path.join(cacheRoot(), '.zipkin-'));
  log(`fetching io.zipkin:zipkin-server:${ZIPKIN_VERSION}:exec from Maven Central`);
  run(mvn, [
    '-q',
    '-B',
    'dependency:copy',
    `-Dartifact=io.zipkin:zipkin-server:${ZIPKIN_VERSION}:jar:exec`,
    `-DoutputDirectory=${staging}`,
  ]);
  fs.renameSync(
    path.join(staging, `zipkin-server-${ZIPKIN_VERSION}-exec.jar`),
    path.join(staging, 'zipkin-server.jar'),
  );
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(staging, target);
  const buildSeconds = (Date.now() - started) / 1000;
  return { name: 'zipkin', path: jar, how: 'built', buildSeconds };
}

/** The command line that serves Zipkin (API and UI) on 127.0.0.1:`port`, spans in memory. */
export function zipkinCommand(jar: string, port: number): { command: string; args: string[] } {
  const java = onPath('java');
  if (!java || !isExecutable(java)) throw new Error('Zipkin needs Java 17+ (java is not on PATH)');
  return {
    command: java,
    args: [
      '-Xmx384m',
      '-XX:+UseSerialGC',
      '-jar',
      jar,
      `--armeria.ports[0].port=${port}`,
      '--armeria.ports[0].ip=127.0.0.1',
      '--armeria.ports[0].protocols=http',
      '--logging.level.root=WARN',
    ],
  };
}

/** Starts Zipkin in a child process (its output discarded unless asked for). */
export function startZipkin(jar: string, port: number, stdio: 'ignore' | 'inherit' = 'ignore'): ChildProcess {
  const { command, args } = zipkinCommand(jar, port);
  return spawn(command, args, { stdio, env: { ...process.env, STORAGE_TYPE: 'mem' } });
}
