/**
 * `npm run test:unit`: the quick loop. Every test that needs no server (the pure rules, the
 * contract, the route table and the OpenAPI document, configuration, the stores on SQLite, the
 * architecture and function-length checks, the benchmark's report) and the replay of every stored
 * workflow history against today's workflow code (the SDK replays without a server), run at once
 * with Node's test runner: no Go, Java, RabbitMQ or PostgreSQL, no Temporal server. A workflow run
 * with its activities mocked needs the time-skipping server (the SDK has no server-less runner):
 * those, the stores' PostgreSQL half and everything else run in `npm test`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const folders = ['unit', 'replay'];
const files = folders
  .flatMap((folder) =>
    fs
      .readdirSync(path.join(root, 'test', folder))
      .filter((name) => name.endsWith('.test.ts'))
      .map((name) => path.join('test', folder, name)),
  )
  .filter((file) => process.argv.slice(2).every((filter) => file.includes(filter)))
  .sort();

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
  {
    cwd: root,
    // Only the SQLite half of the store suites: PostgreSQL is `npm test`'s.
    env: { ...process.env, TEST_BACKENDS: 'sqlite' },
    stdio: 'inherit',
  },
);
child.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
