/**
 * `npm start` as a user runs it (scripts/start.ts in a child process), for the end-to-end suites:
 * its output collected, started until `ready` says so (bounded: 120 s), stopped with SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

export interface RunningStart {
  /** Everything the stack printed since this start. */
  output(): string;
  stop(): Promise<void>;
}

export async function npmStart(options: {
  env: NodeJS.ProcessEnv;
  /** Whether the stack is ready, given what it printed since this start. */
  ready: (output: string) => boolean | Promise<boolean>;
  /** Each chunk the stack prints, as it comes. */
  onOutput?: (chunk: string) => void;
}): Promise<RunningStart> {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const take = (chunk: Buffer): void => {
    output += chunk.toString();
    options.onOutput?.(chunk.toString());
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const running: RunningStart = {
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
  for (let i = 0; i < 600; i++) {
    assert.equal(child.exitCode, null, `the stack exited:\n${output.slice(-3000)}`);
    if (await options.ready(output)) return running;
    await new Promise((r) => setTimeout(r, 200));
  }
  await running.stop();
  assert.fail(`the stack was not ready within 120 s:\n${output.slice(-3000)}`);
}
