/**
 * `npm run test:unit`: the quick loop. Every test that needs no server (the pure rules, the
 * contract and the OpenAPI document, configuration, the stores on SQLite, the architecture and
 * function-length checks, the benchmark's report), run at once with Node's test runner: no Go,
 * Java, RabbitMQ or PostgreSQL, no Temporal server. The stores' PostgreSQL half, the workflows on
 * the time-skipping server and everything else run in `npm test`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const dir = path.join(root, 'test', 'unit');
const files = fs
  .readdirSync(dir)
  .filter((name) => name.endsWith('.test.ts'))
  .filter((name) => process.argv.slice(2).every((filter) => name.includes(filter)))
  .map((name) => path.join('test', 'unit', name))
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
