/**
 * A private RabbitMQ broker for a test run or a local stack: its own node name, ports and data
 * folder under a temp dir, so it never meets a system broker. Installs Debian's rabbitmq-server
 * when it is missing and the machine allows it (root with apt-get).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import amqp from 'amqplib';
import { freePort } from './net';

const CANDIDATES = ['/usr/lib/rabbitmq/bin/rabbitmq-server', '/usr/sbin/rabbitmq-server'];

function log(message: string): void {
  process.stderr.write(`[rabbitmq] ${message}\n`);
}

export function findRabbitmqServer(): string | undefined {
  return CANDIDATES.find((candidate) => fs.existsSync(candidate));
}

export function ensureRabbitmqInstalled(): string {
  const found = findRabbitmqServer();
  if (found) return found;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !fs.existsSync('/usr/bin/apt-get')) {
    throw new Error(
      'rabbitmq-server is not installed: run `sudo apt-get install rabbitmq-server`, or set TEST_AMQP_URL',
    );
  }
  log('rabbitmq-server is missing; installing it from Debian (apt-get install rabbitmq-server)');
  const started = Date.now();
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let install = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'rabbitmq-server'], {
    stdio: 'inherit',
    env,
  });
  if (install.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
    install = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'rabbitmq-server'], {
      stdio: 'inherit',
      env,
    });
  }
  const installed = findRabbitmqServer();
  if (install.status !== 0 || !installed) throw new Error('apt-get could not install rabbitmq-server');
  log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return installed;
}

/** Where a broker keeps its data and listens: enough to start the same broker again. */
export interface BrokerLocation {
  base: string;
  port: number;
  distPort: number;
  nodeName: string;
}

export interface Broker {
  url: string;
  location: BrokerLocation;
  /** Stops the broker; its data folder is removed unless `keepData` (to start it again). */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** Starts a private broker, or the one at `again` (same node, port and data) after a stop. */
export async function startBroker(again?: BrokerLocation): Promise<Broker> {
  const binary = ensureRabbitmqInstalled();
  const started = Date.now();
  const base = again?.base ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rabbitmq-'));
  const [port, distPort] = again ? [again.port, again.distPort] : [await freePort(), await freePort()];
  fs.writeFileSync(path.join(base, 'enabled_plugins'), '[].\n');
  const nodeName = again?.nodeName ?? `commerce-${process.pid}-${path.basename(base)}@localhost`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: base,
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: path.join(base, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(base, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(base, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: path.join(base, 'rabbitmq'),
    RABBITMQ_ADVANCED_CONFIG_FILE: path.join(base, 'advanced.config'),
    RABBITMQ_PID_FILE: path.join(base, 'rabbitmq.pid'),
    RABBITMQ_CONF_ENV_FILE: path.join(base, 'rabbitmq-env.conf'),
  };
  const output = fs.openSync(path.join(base, 'server.out'), 'w');
  const child = spawn(binary, [], { env, detached: true, stdio: ['ignore', output, output] });
  let exited = false;
  child.once('exit', () => (exited = true));
  const url = `amqp://guest:guest@127.0.0.1:${port}`;

  const stop = async (options: { keepData?: boolean } = {}): Promise<void> => {
    if (!exited && child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          try {
            if (child.pid) process.kill(-child.pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
          resolve();
        }, 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (!options.keepData) fs.rmSync(base, { recursive: true, force: true });
  };

  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited) {
      const out = fs.readFileSync(path.join(base, 'server.out'), 'utf8').slice(-2000);
      await stop();
      throw new Error(`rabbitmq-server exited while starting:\n${out}`);
    }
    try {
      const conn = await amqp.connect(url);
      await conn.close();
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error('rabbitmq-server did not accept connections within 90 s');
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  log(`broker ${nodeName} ready on 127.0.0.1:${port} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { url, location: { base, port, distPort, nodeName }, stop };
}
