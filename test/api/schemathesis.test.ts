/**
 * An outside property-based client over the served OpenAPI document: schemathesis (from PyPI,
 * installed into the cache on first use) against the real API and worker processes, with each
 * role's token in turn. It generates valid and invalid requests for every operation and checks
 * that no answer is a 5xx, that every status code is one the document lists, and that every body
 * and content type conforms to it. Bounded: a fixed number of examples per operation, a fixed seed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { signToken } from '../../api/auth';
import { ROLES, type Role } from '../../api/contract';
import { SEED_ORGANISATION } from '../../store/seed-organisation';
import { openSqliteLeaveStore } from '../../store/sql-leave-store';
import { describe as describeServer, resolveSchemathesis } from '../../scripts/servers';
import {
  appStackEnv,
  killLeftovers,
  startApiProcess,
  startWorkerProcess,
  type RunningProcess,
} from '../helpers/processes';
import { devServerEnv } from '../helpers/temporal';

const SECRET = 'schemathesis-secret-long-enough-for-hs256';
const EXAMPLES = Number(process.env.SCHEMATHESIS_EXAMPLES ?? 12);
/** Who each role's token names: people of the seeded organisation, so their own reads answer 200. */
const SUBJECTS: Record<Role, string> = {
  storefront: 'shop',
  support: 'sam',
  manager: 'mia',
  warehouse: 'wes',
  employee: 'ella',
  hr: 'hana',
  customer: 'cus_outside',
};
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
];

function runSchemathesis(binary: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(binary, args, {
      // Its example database and reports go to a folder of its own, not the working tree.
      cwd: fs.mkdtempSync(path.join(os.tmpdir(), 'schemathesis-run-')),
      env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 8 * 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('schemathesis over the served OpenAPI document', () => {
  let env: TestWorkflowEnvironment;
  let api: RunningProcess;
  let worker: RunningProcess;
  let base: string;
  let binary: string;

  before(async () => {
    const resolved = resolveSchemathesis();
    console.log(`[schemathesis] ${describeServer(resolved)}`);
    binary = resolved.path;
    env = await devServerEnv();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'schemathesis-'));
    const leave = openSqliteLeaveStore(path.join(dataDir, 'app.db'));
    await leave.seedIfEmpty(SEED_ORGANISATION);
    await leave.close();
    const stack = await appStackEnv({
      temporalAddress: env.address,
      taskQueue: 'schemathesis',
      dataDir,
      jwtSecret: SECRET,
    });
    base = stack.base;
    const processEnv = { ...stack.env, ORDER_REMORSE_WINDOW: '1h' };
    worker = await startWorkerProcess(processEnv);
    api = await startApiProcess(processEnv);
  });

  after(async () => {
    await api?.stop();
    await worker?.stop();
    killLeftovers();
    await env?.teardown();
  });

  for (const role of ROLES) {
    it(`with a ${role}'s token: no 5xx, every status documented, every answer conforming`, async () => {
      const token = await signToken(SECRET, { role, sub: SUBJECTS[role] ?? `${role}-1` });
      const run = (workers: number) =>
        runSchemathesis(binary, [
          'run',
          `${base}/openapi.json`,
          '--checks',
          CHECKS.join(','),
          '--header',
          `Authorization: Bearer ${token}`,
          '--max-examples',
          String(EXAMPLES),
          '--seed',
          '20261202',
          '--phases',
          'examples,coverage,fuzzing',
          '--workers',
          String(workers),
          '--request-timeout',
          '20',
          '--suppress-health-check',
          'all',
          '--continue-on-failure',
        ]);
      let { code, output } = await run(2);
      // CPython 3.11's ast is not thread-safe (python/cpython#106905): the tool itself can crash in
      // hypothesis while generating with two workers. That is no finding about the API: the same
      // run once more on one worker, and whatever it finds counts.
      if (code !== 0 && output.includes('AST constructor recursion depth mismatch')) {
        console.log(
          `[schemathesis] ${role}: the tool crashed in its own generator (CPython #106905); once more on one worker`,
        );
        ({ code, output } = await run(1));
      }
      const summary = output.split('\n').filter((line) => /passed|failed|error|Failures|Errors/i.test(line));
      console.log(`[schemathesis] ${role}: ${summary.slice(-3).join(' | ')}`);
      assert.equal(
        code,
        0,
        `schemathesis found answers the document does not allow:\n${output.slice(-12_000)}`,
      );
      assert.equal(api.child.exitCode, null, 'the API is still running');
    });
  }
});
