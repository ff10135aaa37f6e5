/**
 * A private PostgreSQL server for a test run: its own cluster (initdb) in a temp dir, on a free
 * loopback port, trust auth for one user, stopped at the end. Installs Debian's postgresql when it
 * is missing and the machine allows it (root with apt-get). As root the cluster belongs to the
 * `postgres` system user, because PostgreSQL refuses to run as root.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './net';

function log(message: string): void {
  process.stderr.write(`[postgres] ${message}\n`);
}

/** The newest PostgreSQL server binaries Debian installed (/usr/lib/postgresql/<major>/bin). */
export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const majors = fs
    .readdirSync(root)
    .filter((d) => fs.existsSync(path.join(root, d, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? path.join(root, majors[0], 'bin') : undefined;
}

export function ensurePostgresInstalled(): string {
  const found = findPostgresBin();
  if (found) return found;
  if (process.getuid?.() !== 0 || !fs.existsSync('/usr/bin/apt-get')) {
    throw new Error(
      'PostgreSQL is not installed: run `sudo apt-get install postgresql`, or set TEST_DATABASE_URL',
    );
  }
  log('postgresql is missing; installing it from Debian (apt-get install postgresql)');
  const started = Date.now();
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'postgresql'], {
      stdio: 'inherit',
      env,
    });
  if (install().status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
    install();
  }
  const installed = findPostgresBin();
  if (!installed) throw new Error('apt-get could not install postgresql');
  log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return installed;
}

export interface PostgresServer {
  /** `postgres://commerce@127.0.0.1:<port>/postgres`: a superuser, for tests that make databases. */
  url: string;
  stop(): Promise<void>;
}

/**
 * A PostgreSQL cluster in `dir` (made with initdb on first use; kept between starts), served on
 * 127.0.0.1:`port`: what the production-shaped stack runs on, and what it restarts in a fault test.
 */
export interface PostgresCluster {
  port: number;
  /** `postgres://commerce@127.0.0.1:<port>/postgres`: the cluster's superuser. */
  url: string;
  start(): Promise<void>;
  /** `fast` rolls back open transactions and stops; `immediate` stops at once, as a crash would. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** The postmaster's process id while it runs (its backends are its children). */
  pid(): number | undefined;
}

export function postgresCluster(
  dir: string,
  port: number,
  options: { durable?: boolean } = {},
): PostgresCluster {
  const bin = ensurePostgresInstalled();
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[]) => {
    const result = asRoot
      ? spawnSync('runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args], { encoding: 'utf8' })
      : spawnSync(path.join(bin, command), args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.stdout}`);
  };
  return {
    port,
    url: `postgres://commerce@127.0.0.1:${port}/postgres`,
    async start() {
      const started = Date.now();
      fs.mkdirSync(dir, { recursive: true });
      if (asRoot) spawnSync('chown', ['-R', 'postgres:postgres', dir]);
      if (!fs.existsSync(path.join(data, 'PG_VERSION'))) {
        run('initdb', ['-D', data, '-U', 'commerce', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
      }
      // A test run needs no crash safety (fsync off); the production shape keeps it (durable).
      const safety = options.durable ? '' : ' -c fsync=off';
      run('pg_ctl', [
        '-D',
        data,
        '-l',
        path.join(dir, 'server.log'),
        '-w',
        '-o',
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=300${safety}`,
        'start',
      ]);
      log(`server ready on 127.0.0.1:${port} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    },
    async stop(mode = 'fast') {
      run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
    },
    pid() {
      const file = path.join(data, 'postmaster.pid');
      return fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').split('\n')[0]) : undefined;
    },
  };
}

export async function startPostgres(): Promise<PostgresServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postgres-'));
  const cluster = postgresCluster(dir, await freePort());
  await cluster.start();
  return {
    url: cluster.url,
    async stop() {
      try {
        await cluster.stop();
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
