/**
 * Child processes on 127.0.0.1 that a test or the benchmark starts, stops, kills and starts again:
 * the worker and the API from their own composition roots (`worker.ts`, `api/server.ts`) and a
 * file-backed Temporal dev server. Every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, waitForPort } from './net';
import { devServerArgs, resolveTemporalCli } from './servers';

const root = path.resolve(__dirname, '..');

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

/** Any command as a child process, its output kept, SIGKILLed by `killLeftovers` if left running. */
export function launchProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): RunningProcess {
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

/** A project entry point (`worker.ts`, `dist/worker.js`, …), with `env` over this process's. */
export async function startNodeProcess(
  entry: string,
  env: NodeJS.ProcessEnv,
  readyWhen: string,
): Promise<RunningProcess> {
  // A compiled entry (dist/…/*.js) runs as production runs it; a TypeScript one through tsx.
  const args = entry.endsWith('.js') ? [entry] : ['--import', 'tsx', entry];
  const proc = launchProcess(process.execPath, args, {
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

/** Memory in use by a process (resident set, bytes), from /proc. */
export function residentBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kib ?? 0) * 1024;
}

/** CPU time a process has used so far (user + system), in milliseconds, from /proc. */
export function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
}

/**
 * CPU time of a process and its children (PostgreSQL's postmaster and its backends): each living
 * child's own time plus what the process has collected from children that ended.
 */
export function treeCpuMs(pid: number): number {
  const statOf = (p: number | string) => {
    const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  };
  const own = statOf(pid);
  // utime, stime, then cutime and cstime (children waited for): fields 14 to 17 of the stat line.
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = statOf(entry);
      if (Number(fields[1]) === pid) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended while being read
    }
  }
  return (ticks * 1000) / 100;
}

/**
 * CPU time the whole machine has spent busy (every core, not idle or waiting), in milliseconds;
 * time the hypervisor gave this machine's cores to other machines (steal) counts as busy.
 */
export function machineBusyMs(): number {
  return machineCpuTicks().busy * 10;
}

/** Of that, the time stolen by the hypervisor (no process here ran), in milliseconds. */
export function machineStolenMs(): number {
  return machineCpuTicks().stolen * 10;
}

/** The first line of /proc/stat, in ticks of 10 ms. */
function machineCpuTicks(): { busy: number; stolen: number } {
  const [, ...ticks] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number);
  return { busy: user! + nice! + system! + irq! + softirq! + (steal ?? 0), stolen: steal ?? 0 };
}

/**
 * What the worker and the API of one stack share: the Temporal server, the task queue, the data
 * folder, a free port for the API and the token secret. `base` is the API's address.
 */
export async function appStackEnv(options: {
  temporalAddress: string;
  taskQueue: string;
  dataDir: string;
  jwtSecret: string;
}): Promise<{ env: NodeJS.ProcessEnv; base: string }> {
  const port = await freePort();
  return {
    base: `http://127.0.0.1:${port}`,
    env: {
      TEMPORAL_ADDRESS: options.temporalAddress,
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      DATA_DIR: options.dataDir,
      PORT: String(port),
      AUTH_JWT_SECRET: options.jwtSecret,
    },
  };
}

export const startWorkerProcess = (env: NodeJS.ProcessEnv, entry = 'worker.ts'): Promise<RunningProcess> =>
  startNodeProcess(entry, env, 'polling task queue');

export const startApiProcess = (env: NodeJS.ProcessEnv, entry = 'api/server.ts'): Promise<RunningProcess> =>
  startNodeProcess(entry, env, 'listening on');

export interface DevServer {
  address: string;
  port: number;
  /** The running server's process id. */
  pid(): number | undefined;
  /** Starts the server (again) on the same port and database file. */
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * A Temporal dev server on 127.0.0.1 with its history in `dbFile`, which outlives a stop; without
 * a file, in memory.
 */
export async function devServerProcess(dbFile?: string): Promise<DevServer> {
  const cli = resolveTemporalCli();
  if (!cli) throw new Error('the Temporal CLI is needed for this test (run it through `npm test`)');
  const port = await freePort();
  let current: RunningProcess | undefined;
  const server: DevServer = {
    address: `127.0.0.1:${port}`,
    port,
    pid: () => current?.child.pid,
    async start() {
      current = launchProcess(cli.path, devServerArgs({ port, dbFile, namespace: 'default' }), process.env);
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
