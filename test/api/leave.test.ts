/**
 * The leave part of the HTTP contract against a Temporal dev server and a worker on a seeded SQLite
 * ledger: every endpoint, every access rule, and that a refused request starts or signals nothing.
 * The sample organisation: Vera (VP) → Mia, Max (managers) → Ella, Eric (Mia's), Emma, Ethan (Max's).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createLeaveActivities } from '../../activities/leave';
import { createDevMailer, createDevPublisher, DevRecorder } from '../../activities/adapters/development';
import type { LeaveView } from '../../domain/leave';
import type { LeaveStore } from '../../store';
import { SEED_ORGANISATION } from '../../store/seed-organisation';
import { openSqliteLeaveStore } from '../../store/sql-leave-store';
import { openSqliteOrderStore } from '../../store/sql-order-store';
import {
  callerOf,
  runWorker,
  serveApi,
  type Answer,
  type RunningApi,
  type RunningWorker,
} from '../helpers/api-server';
import { devServerEnv, workflowBundle } from '../helpers/temporal';

const SECRET = 'leave-test-secret-long-enough-for-hs256!!!';
const TASK_QUEUE = 'leave-api-test';

describe('leave API', () => {
  let env: TestWorkflowEnvironment;
  let leaveStore: LeaveStore;
  let api: RunningApi;
  let worker: RunningWorker;
  const year = new Date().getUTCFullYear();
  const inTenDays = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
  const inTwentyDays = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
  /** The leave year the requests below fall in (`?leaveYear=` so the test holds in late December too). */
  const leaveYear = `?leaveYear=${inTenDays.slice(0, 4)}`;

  before(async () => {
    env = await devServerEnv();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leave-api-'));
    leaveStore = openSqliteLeaveStore(path.join(dir, 'app.db'));
    await leaveStore.seedIfEmpty(SEED_ORGANISATION);
    const recorder = new DevRecorder(dir, () => undefined);
    worker = await runWorker({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowBundle: await workflowBundle(),
      activities: createLeaveActivities({
        leaveStore,
        mailer: createDevMailer(recorder),
        events: createDevPublisher(recorder),
        settings: { reminderAfterMs: 2 * 86_400_000, yearStart: '01-01' },
        fromEmail: 'people@example.com',
      }),
    });
    api = await serveApi({
      client: env.client,
      store: openSqliteOrderStore(path.join(dir, 'app.db')),
      taskQueue: TASK_QUEUE,
      jwtSecret: SECRET,
      leave: { store: leaveStore, yearStart: '01-01' },
    });
  });

  after(async () => {
    await api?.close();
    await worker?.stop();
    await leaveStore?.close();
    await env?.teardown();
  });

  const call = callerOf(() => api.base, SECRET);

  async function waitForStatus(requestId: string, status: string): Promise<LeaveView> {
    let last: Answer | undefined;
    for (let i = 0; i < 100; i++) {
      last = await call('GET', `/leave-requests/${requestId}`, 'hr:hana');
      if (last.body.status === status) return last.body as unknown as LeaveView;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`leave request ${requestId} never reached ${status}: ${JSON.stringify(last?.body)}`);
  }

  const fields = (answer: Answer) =>
    ((answer.body.error as { details?: { field: string }[] }).details ?? []).map((d) => d.field);

  it('requesting: employees only, 400 with the field at fault and nothing reserved, 202 Approved within balance', async () => {
    assert.equal(
      (await call('POST', '/leave-requests', undefined, { days: 1, startDate: inTenDays })).status,
      401,
    );
    for (const as of ['manager:mia', 'hr:hana'] as const) {
      assert.equal(
        (await call('POST', '/leave-requests', as, { days: 1, startDate: inTenDays })).status,
        403,
        as,
      );
    }
    assert.equal(
      (await call('POST', '/leave-requests', 'employee:nobody', { days: 1, startDate: inTenDays })).status,
      403,
    );
    const bad: [unknown, string][] = [
      [{ days: 0.3, startDate: inTenDays }, 'days'],
      [{ days: -1, startDate: inTenDays }, 'days'],
      [{ days: '2', startDate: inTenDays }, 'days'],
      [{ days: 1, startDate: `${year}-02-30` }, 'startDate'],
      [{ days: 1, startDate: '2020-01-06' }, 'startDate'],
      // More than two leave years ahead: a request that would wait (and remind) for years.
      [{ days: 1, startDate: `${year + 3}-06-01` }, 'startDate'],
      [{ days: 1, startDate: inTenDays, approved: true }, 'approved'],
    ];
    for (const [body, field] of bad) {
      const answer = await call('POST', '/leave-requests', 'employee:ella', body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.deepEqual(fields(answer), [field], JSON.stringify(body));
    }
    assert.deepEqual(
      (await leaveStore.entries('ella')).filter((e) => e.kind === 'reservation'),
      [],
      'nothing reserved by a refused request',
    );

    const approved = await call('POST', '/leave-requests', 'employee:ella', {
      days: 5,
      startDate: inTenDays,
    });
    assert.equal(approved.status, 202);
    assert.equal(approved.body.status, 'Approved');
    assert.match(String(approved.body.requestId), /^[0-9a-f-]{36}$/);
    assert.equal(approved.body.balanceAfter, 20);
  });

  it('reading a request and a balance: the employee, their chain and HR; 403 for others, 404 unknown', async () => {
    const placed = await call('POST', '/leave-requests', 'employee:ella', { days: 1, startDate: inTenDays });
    const url = `/leave-requests/${String(placed.body.requestId)}`;
    for (const as of ['employee:ella', 'manager:mia', 'manager:vera', 'hr:hana'] as const) {
      const answer = await call('GET', url, as);
      assert.equal(answer.status, 200, as);
      assert.equal(answer.body.employeeId, 'ella');
      assert.equal(answer.body.days, 1);
    }
    for (const as of ['employee:eric', 'manager:max'] as const)
      assert.equal((await call('GET', url, as)).status, 403, as);
    assert.equal((await call('GET', '/leave-requests/no-such-request', 'hr:hana')).status, 404);
    assert.equal((await call('GET', url, 'storefront:shop')).status, 403);

    for (const as of ['employee:ella', 'manager:mia', 'manager:vera', 'hr:hana'] as const) {
      const balance = await call('GET', `/employees/ella/leave-balance${leaveYear}`, as);
      assert.equal(balance.status, 200, as);
      assert.equal(balance.body.employeeId, 'ella');
      assert.equal(balance.body.balance, 25 - 5 - 1);
    }
    for (const as of ['employee:eric', 'manager:max'] as const) {
      assert.equal((await call('GET', `/employees/ella/leave-balance${leaveYear}`, as)).status, 403, as);
    }
    assert.equal((await call('GET', '/employees/nobody/leave-balance', 'hr:hana')).status, 404);
    assert.equal((await call('GET', '/employees/ella/leave-balance?leaveYear=next', 'hr:hana')).status, 400);
  });

  it('approving: 403 with the reason outside the chain or beyond authority, and the request stays open; the VP approves', async () => {
    const placed = await call('POST', '/leave-requests', 'employee:emma', { days: 28, startDate: inTenDays });
    assert.equal(placed.status, 202);
    assert.equal(placed.body.status, 'PendingApproval');
    const id = String(placed.body.requestId);
    assert.equal((await call('POST', `/leave-requests/${id}/approve`, 'employee:emma', {})).status, 403);
    const outside = await call('POST', `/leave-requests/${id}/approve`, 'manager:mia', {});
    assert.equal(outside.status, 403);
    assert.match((outside.body.error as { message: string }).message, /not in the employee's manager chain/);
    const beyond = await call('POST', `/leave-requests/${id}/approve`, 'manager:max', { note: 'ok' });
    assert.equal(beyond.status, 403);
    assert.equal(
      (beyond.body.error as { message: string }).message,
      'approving would take the balance to −3 days; a manager may allow down to −2 days',
    );
    assert.equal(
      (await call('POST', `/leave-requests/${id}/approve`, 'manager:max', { extra: 1 })).status,
      400,
    );
    const open = await waitForStatus(id, 'PendingApproval');
    assert.deepEqual(open.decisions, [], 'a refused approval signals nothing');
    const byVera = await call('POST', `/leave-requests/${id}/approve`, 'manager:vera', { note: 'one-off' });
    assert.equal(byVera.status, 202);
    assert.equal(
      byVera.body.status,
      'Approved',
      'one round trip: the answer is the request after the decision',
    );
    const approved = await waitForStatus(id, 'Approved');
    const again = await call('POST', `/leave-requests/${id}/approve`, 'manager:vera', {});
    assert.equal(again.status, 202, 'a repeated approval is answered with the request as it is');
    assert.equal(again.body.status, 'Approved');
    // A manager outside the chain learns nothing of a decided request either (it once answered
    // 202 with the whole request: days, note, balances, approvers).
    for (const path of ['approve', 'reject']) {
      const outsider = await call('POST', `/leave-requests/${id}/${path}`, 'manager:mia', {});
      assert.equal(outsider.status, 403, `${path} by a manager outside the chain`);
      assert.deepEqual(Object.keys(outsider.body), ['error']);
      assert.doesNotMatch(JSON.stringify(outsider.body), /one-off|balance|days/);
    }
    const rejectedLate = await call('POST', `/leave-requests/${id}/reject`, 'manager:vera', {});
    assert.equal(rejectedLate.status, 409, 'an approved request can never be rejected');
    assert.deepEqual((rejectedLate.body.error as { details: unknown }).details, {
      reason: 'not_pending',
      status: 'Approved',
    });
    assert.equal(approved.balanceAfter, -3);
    assert.deepEqual(
      approved.decisions.map((d) => [d.by, d.decision, d.note]),
      [['vera', 'approved', 'one-off']],
    );
    assert.equal((await call('POST', `/leave-requests/no-such/approve`, 'manager:vera', {})).status, 404);
  });

  it('rejecting: the chain only; then Rejected', async () => {
    const placed = await call('POST', '/leave-requests', 'employee:ethan', {
      days: 21,
      startDate: inTenDays,
    });
    const id = String(placed.body.requestId);
    assert.equal((await call('POST', `/leave-requests/${id}/reject`, 'manager:mia', {})).status, 403);
    assert.equal((await call('POST', `/leave-requests/${id}/reject`, 'hr:hana', {})).status, 403);
    assert.equal(
      (await call('POST', `/leave-requests/${id}/reject`, 'manager:max', { note: 'peak season' })).status,
      202,
    );
    await waitForStatus(id, 'Rejected');
  });

  it('withdrawing: only the employee; the days come back', async () => {
    const placed = await call('POST', '/leave-requests', 'employee:eric', { days: 4, startDate: inTenDays });
    const id = String(placed.body.requestId);
    assert.equal(
      (await call('GET', `/employees/eric/leave-balance${leaveYear}`, 'employee:eric')).body.balance,
      21,
    );
    assert.equal((await call('POST', `/leave-requests/${id}/withdraw`, 'employee:ella')).status, 403);
    assert.equal((await call('POST', `/leave-requests/${id}/withdraw`, 'manager:mia')).status, 403);
    assert.equal((await call('POST', `/leave-requests/${id}/withdraw`, 'employee:eric')).status, 202);
    await waitForStatus(id, 'Withdrawn');
    assert.equal(
      (await call('GET', `/employees/eric/leave-balance${leaveYear}`, 'employee:eric')).body.balance,
      25,
    );
  });

  it('employees and terminations: HR only, once per employee; leave may be requested up to the last day, not after', async () => {
    assert.equal((await call('GET', '/employees', 'manager:vera')).status, 403);
    const list = await call('GET', '/employees', 'hr:hana');
    assert.equal(list.status, 200);
    const employees = list.body.employees as {
      id: string;
      managerId: string | null;
      rank: string;
      balance: number;
    }[];
    assert.deepEqual(
      employees.map((e) => e.id),
      ['ella', 'emma', 'eric', 'ethan', 'max', 'mia', 'vera'],
    );
    assert.deepEqual(
      employees.find((e) => e.id === 'vera'),
      {
        id: 'vera',
        name: 'Vera Vance',
        managerId: null,
        rank: 'vp',
        balance: 30,
        dailyRate: 60_000,
      },
    );

    assert.equal(
      (await call('POST', '/employees/ethan/termination', 'manager:max', { lastDay: inTenDays })).status,
      403,
    );
    assert.equal(
      (await call('POST', '/employees/nobody/termination', 'hr:hana', { lastDay: inTenDays })).status,
      404,
    );
    const bad = await call('POST', '/employees/ethan/termination', 'hr:hana', { lastDay: 'soon' });
    assert.equal(bad.status, 400);
    assert.deepEqual(fields(bad), ['lastDay']);
    const done = await call('POST', '/employees/ethan/termination', 'hr:hana', { lastDay: inTenDays });
    assert.equal(done.status, 202);
    assert.deepEqual(done.body, { employeeId: 'ethan', lastDay: inTenDays });
    let recorded: string | undefined;
    for (let i = 0; i < 100 && !recorded; i++) {
      recorded = (await leaveStore.getEmployee('ethan'))?.lastDay;
      if (!recorded) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(recorded, inTenDays);

    // A second termination answers the first instead of starting another process.
    const repeated = await call('POST', '/employees/ethan/termination', 'hr:hana', { lastDay: inTenDays });
    assert.equal(repeated.status, 200);
    assert.deepEqual(repeated.body, { employeeId: 'ethan', lastDay: inTenDays });
    const otherDay = await call('POST', '/employees/ethan/termination', 'hr:hana', { lastDay: inTwentyDays });
    assert.equal(otherDay.status, 409);
    assert.equal((await leaveStore.getEmployee('ethan'))?.lastDay, inTenDays);
    const runs = [];
    for await (const run of env.client.workflow.list({ query: `WorkflowId = 'termination-ethan'` }))
      runs.push(run);
    assert.equal(runs.length, 1, 'one termination process');

    // Notice-period leave: up to the last day it may still be requested; after it, not.
    const inNotice = await call('POST', '/leave-requests', 'employee:ethan', {
      days: 1,
      startDate: inTenDays,
    });
    assert.equal(inNotice.status, 202, JSON.stringify(inNotice.body));
    const afterIt = await call('POST', '/leave-requests', 'employee:ethan', {
      days: 1,
      startDate: inTwentyDays,
    });
    assert.equal(afterIt.status, 403);
    assert.match((afterIt.body.error as { message: string }).message, /employment ends on/);
  });
});
