/**
 * The real processes the fault tests break on purpose: the worker and the API run from their own
 * composition roots (`worker.ts`, `api/server.ts`) and a file-backed Temporal dev server, each a
 * child process on 127.0.0.1 that a test can kill and start again. Every wait is bounded.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, waitForPort } from '../../scripts/net';
import { devServerArgs, resolveTemporalCli } from '../../scripts/servers';

const root = path.resolve(__dirname, '..', '..');

/** Polls `check` every 100 ms until it holds; throws after `ms`. */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms: number,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface RunningProcess {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Sends `signal` and waits (at most 20 s, then SIGKILL) for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const started: ChildProcess[] = [];

/** SIGKILLs whatever a test file started and left running (for its `after`). */
export function killLeftovers(): void {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

function launch(command: string, args: string[], env: NodeJS.ProcessEnv): RunningProcess {
  let output = '';
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  started.push(child);
  return {
    child,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A project entry point (`worker.ts`, `api/server.ts`) run with tsx, with `env` over this process's. */
export async function startNodeProcess(
  entry: string,
  env: NodeJS.ProcessEnv,
  readyWhen: string,
): Promise<RunningProcess> {
  const proc = launch(process.execPath, ['--import', 'tsx', entry], {
    ...process.env,
    LOG_FORMAT: 'pretty',
    ...env,
  });
  await until(
    `${entry} to say "${readyWhen}"`,
    () => {
      if (proc.child.exitCode !== null) throw new Error(`${entry} exited:\n${proc.output().slice(-2000)}`);
      return proc.output().includes(readyWhen);
    },
    90_000,
  );
  return proc;
}

export const startWorkerProcess = (env: NodeJS.ProcessEnv): Promise<RunningProcess> =>
  startNodeProcess('worker.ts', env, 'polling task queue');

export const startApiProcess = (env: NodeJS.ProcessEnv): Promise<RunningProcess> =>
  startNodeProcess('api/server.ts', env, 'listening on');

export interface DevServer {
  address: string;
  port: number;
  /** Starts the server (again) on the same port and database file. */
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A Temporal dev server on 127.0.0.1 with its history in `dbFile`, which outlives a stop. */
export async function devServerProcess(dbFile: string): Promise<DevServer> {
  const cli = resolveTemporalCli();
  if (!cli) throw new Error('the Temporal CLI is needed for this test (run it through `npm test`)');
  const port = await freePort();
  let current: RunningProcess | undefined;
  const server: DevServer = {
    address: `127.0.0.1:${port}`,
    port,
    async start() {
      current = launch(cli.path, devServerArgs({ port, dbFile, namespace: 'default' }), process.env);
      if (!(await waitForPort(port, 60_000)))
        throw new Error(`the dev server did not answer on ${port}:\n${current.output().slice(-2000)}`);
    },
    async stop(signal = 'SIGTERM') {
      await current?.stop(signal);
    },
  };
  await server.start();
  return server;
}

/** What the development adapters recorded in `<outbox>/<name>.jsonl` (payments, emails, events). */
export function recorded(outbox: string, name: 'payments' | 'emails' | 'events'): Record<string, unknown>[] {
  const file = path.join(outbox, `${name}.jsonl`);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * Delivery is at least once: a publish whose completion was lost (a worker or server killed at the
 * wrong moment) is sent again under the same messageId, and consumers drop the repeat. So, read as
 * a consumer reads them: the messageIds are exactly the expected facts (none lost, none published
 * under a second id), and every repeat is the same message. Returns how many repeats there were.
 */
export function assertEachFactOnce(events: Record<string, unknown>[], expected: string[]): number {
  const byId = new Map<string, Record<string, unknown>[]>();
  for (const event of events) {
    const id = String(event.messageId);
    byId.set(id, [...(byId.get(id) ?? []), event]);
  }
  assert.deepEqual(
    [...byId.keys()].sort(),
    [...expected].sort(),
    'every fact published, under one messageId',
  );
  for (const [id, copies] of byId) {
    // recordedAt is when the development adapter wrote the line, not part of the message.
    const [first, ...repeats] = copies.map(({ recordedAt: _, ...message }) => message);
    for (const repeat of repeats) assert.deepEqual(repeat, first, `a repeat of ${id} is the same message`);
  }
  return events.length - byId.size;
}

/** The orders that were charged, each asserted to have used the one idempotency key of its charge. */
export function chargedOrders(payments: Record<string, unknown>[]): string[] {
  const keys = new Map<string, Set<string>>();
  for (const p of payments.filter((p) => p.action === 'charge')) {
    const orderId = String(p.orderId);
    keys.set(orderId, (keys.get(orderId) ?? new Set()).add(String(p.idempotencyKey)));
  }
  for (const [orderId, used] of keys) {
    assert.deepEqual([...used], [`order-${orderId}-charge-1`], `${orderId}: one key for its charge`);
  }
  return [...keys.keys()].sort();
}
