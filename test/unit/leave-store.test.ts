/** The leave ledger on SQLite and on PostgreSQL: derived balances, idempotent entries, the year-end paths, the race. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, it } from 'node:test';
import { openLeaveStore } from '../../store';
import type { Employee } from '../../store/leave-store';
import { SEED_ORGANISATION } from '../../store/seed-organisation';
import { BACKENDS } from '../helpers/databases';

for (const backend of BACKENDS) {
  describe(`leave store on ${backend.name}`, () => {
    const open = (databaseUrl: string) => openLeaveStore({ dataDir: '', databaseUrl });
    const fresh = async () => open(await backend.freshDatabaseUrl());

    it('loads the seed once, managers before their reports, and knows each chain', async () => {
      const store = await fresh();
      assert.equal(await store.seedIfEmpty([...SEED_ORGANISATION].reverse()), true);
      assert.equal(await store.seedIfEmpty(SEED_ORGANISATION), false);
      assert.equal((await store.listEmployees()).length, SEED_ORGANISATION.length);
      assert.deepEqual(await store.managerChain('ella'), [
        { id: 'mia', rank: 'manager' },
        { id: 'vera', rank: 'vp' },
      ]);
      assert.deepEqual(await store.managerChain('vera'), []);
      await store.close();
    });

    it('derives the balance from the ledger; reserving and releasing are idempotent per request', async () => {
      const store = await fresh();
      await store.seedIfEmpty(SEED_ORGANISATION);
      assert.equal(await store.balance('ella', 2026), 25);
      const reserve = () =>
        store.reserve({
          requestId: 'r1',
          employeeId: 'ella',
          days: 5,
          leaveYear: 2026,
          mode: { kind: 'within_balance' },
        });
      assert.deepEqual(await reserve(), { reserved: true, balanceBefore: 25, balanceAfter: 20 });
      assert.deepEqual(
        await reserve(),
        { reserved: true, balanceBefore: 25, balanceAfter: 20 },
        'a retry reserves nothing more',
      );
      assert.equal(await store.balance('ella', 2026), 20);
      assert.deepEqual(await store.release('r1'), { released: true, days: 5 });
      assert.deepEqual(await store.release('r1'), { released: false, days: 5 });
      assert.equal(await store.balance('ella', 2026), 25);
      assert.deepEqual(
        (await store.entries('ella')).map((e) => [e.kind, e.days]),
        [
          ['grant', 25],
          ['reservation', -5],
          ['release', 5],
        ],
      );
      await store.close();
    });

    it('refuses beyond the balance, and beyond the approver, with the reason', async () => {
      const store = await fresh();
      await store.seedIfEmpty(SEED_ORGANISATION);
      const beyond = await store.reserve({
        requestId: 'r2',
        employeeId: 'ella',
        days: 28,
        leaveYear: 2026,
        mode: { kind: 'within_balance' },
      });
      assert.deepEqual(beyond, {
        reserved: false,
        balance: 25,
        refusal: { reason: 'beyond_balance', message: '28 days requested, 25 left' },
      });
      const byMia = await store.reserve({
        requestId: 'r2',
        employeeId: 'ella',
        days: 28,
        leaveYear: 2026,
        mode: { kind: 'approval', approverId: 'mia' },
      });
      assert.equal(byMia.reserved, false);
      assert.equal(!byMia.reserved && byMia.refusal.reason, 'beyond_authority');
      const byMax = await store.reserve({
        requestId: 'r2',
        employeeId: 'ella',
        days: 26,
        leaveYear: 2026,
        mode: { kind: 'approval', approverId: 'max' },
      });
      assert.equal(!byMax.reserved && byMax.refusal.reason, 'not_in_chain');
      const byVera = await store.reserve({
        requestId: 'r2',
        employeeId: 'ella',
        days: 28,
        leaveYear: 2026,
        mode: { kind: 'approval', approverId: 'vera' },
      });
      assert.deepEqual(byVera, { reserved: true, balanceBefore: 25, balanceAfter: -3 });
      await store.close();
    });

    it('carries a negative balance into the next year once, or values it for the paycheck instead', async () => {
      const store = await fresh();
      await store.seedIfEmpty(SEED_ORGANISATION);
      await store.reserve({
        requestId: 'a',
        employeeId: 'ella',
        days: 28,
        leaveYear: 2026,
        mode: { kind: 'approval', approverId: 'vera' },
      });
      assert.deepEqual(await store.carryNegativeBalance('ella', 2026), {
        days: 3,
        done: 'now',
        newYearBalance: 22,
      });
      assert.deepEqual(await store.carryNegativeBalance('ella', 2026), {
        days: 3,
        done: 'before',
        newYearBalance: 22,
      });
      assert.equal(await store.balance('ella', 2026), 0);
      assert.equal(await store.balance('ella', 2027), 22, "next year's allowance less 3");
      assert.deepEqual(await store.deductFromPaycheck('ella', 2026), {
        days: 0,
        amount: 0,
        done: 'carried_over',
      });

      await store.reserve({
        requestId: 'b',
        employeeId: 'eric',
        days: 27,
        leaveYear: 2026,
        mode: { kind: 'approval', approverId: 'mia' },
      });
      assert.deepEqual(await store.deductFromPaycheck('eric', 2026), {
        days: 2,
        amount: 50_000,
        done: 'now',
      });
      assert.deepEqual(await store.deductFromPaycheck('eric', 2026), {
        days: 2,
        amount: 50_000,
        done: 'before',
      });
      assert.deepEqual(await store.carryNegativeBalance('eric', 2026), { days: 0, done: 'paid_by_paycheck' });
      assert.equal(await store.balance('eric', 2027), 25, 'no year-start deduction after the paycheck one');
      assert.deepEqual(await store.carryNegativeBalance('emma', 2026), {
        days: 0,
        done: 'not_needed',
        newYearBalance: 25,
      });
      await store.close();
    });

    it('days already owed count: a request for next year sees the deficit this year will deduct from it', async () => {
      const store = await fresh();
      await store.seedIfEmpty(SEED_ORGANISATION);
      // Two days below zero this year, approved by the manager: next year owes them.
      await store.reserve({
        requestId: 'now',
        employeeId: 'ella',
        days: 27,
        leaveYear: 2026,
        mode: { kind: 'approval', approverId: 'mia' },
      });
      assert.equal(await store.owed('ella', 2027), 2);
      assert.equal(await store.balance('ella', 2027), 23, "next year's allowance less what it already owes");
      // 25 days next March no longer fit at once: they go to approval.
      const atOnce = await store.reserve({
        requestId: 'march',
        employeeId: 'ella',
        days: 25,
        leaveYear: 2027,
        mode: { kind: 'within_balance' },
      });
      assert.deepEqual(atOnce, {
        reserved: false,
        balance: 23,
        refusal: { reason: 'beyond_balance', message: '25 days requested, 23 left' },
      });
      // Approving them takes next year to -2 counting the debt: within a manager's authority.
      const approved = await store.reserve({
        requestId: 'march',
        employeeId: 'ella',
        days: 25,
        leaveYear: 2027,
        mode: { kind: 'approval', approverId: 'mia' },
      });
      assert.deepEqual(approved, { reserved: true, balanceBefore: 23, balanceAfter: -2 });
      // The year start deducts the debt: the ledger's own figures agree, and nothing is forgotten.
      assert.deepEqual(await store.carryNegativeBalance('ella', 2026), {
        days: 2,
        done: 'now',
        newYearBalance: -2,
      });
      assert.equal(await store.owed('ella', 2027), 0, 'carried: an entry of 2027 now');
      assert.equal(await store.balance('ella', 2027), -2);
      assert.equal(await store.owed('ella', 2028), 2, '2027 below zero owes 2028 in turn');
      assert.equal(await store.balance('ella', 2028), 23);
      assert.deepEqual(await store.carryNegativeBalance('ella', 2027), {
        days: 2,
        done: 'now',
        newYearBalance: 23,
      });
      assert.equal(await store.owed('ella', 2028), 0);
      // A deficit taken from the final paycheck is settled: the next year owes nothing.
      await store.reserve({
        requestId: 'eric-now',
        employeeId: 'eric',
        days: 27,
        leaveYear: 2026,
        mode: { kind: 'approval', approverId: 'mia' },
      });
      assert.equal(await store.owed('eric', 2027), 2);
      await store.deductFromPaycheck('eric', 2026);
      assert.equal(await store.owed('eric', 2027), 0);
      await store.close();
    });

    it('two requests at the same instant never both pass unless the balance covers both', async () => {
      const url = await backend.freshDatabaseUrl();
      const rounds = 25;
      const contenders = 3;
      const setup = open(url);
      const staff: Employee[] = [
        {
          id: 'boss',
          name: 'Boss',
          email: 'boss@example.com',
          rank: 'vp',
          annualAllowance: 30,
          dailyRate: 1,
        },
        ...Array.from({ length: rounds }, (_, i): Employee => ({
          id: `e${i}`,
          name: `E${i}`,
          email: `e${i}@example.com`,
          managerId: 'boss',
          rank: 'employee',
          annualAllowance: 10,
          dailyRate: 1,
        })),
      ];
      await setup.seedIfEmpty(staff);
      // The year's grant exists before the race, so nothing but the reservation's own locking
      // keeps the contenders apart.
      for (let r = 0; r < rounds; r++) assert.equal(await setup.balance(`e${r}`, 2026), 10);
      await setup.close();
      // Each round: three people's requests of 6 days against one balance of 10, at the same instant.
      const barrier = new SharedArrayBuffer(4 * rounds);
      const results = await Promise.all(
        Array.from({ length: contenders }, (_, c) => {
          // A TypeScript worker: the bootstrap registers tsx's require hook first.
          const script = path.join(__dirname, '..', 'helpers', 'reserve-worker.ts');
          const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(script)});`, {
            eval: true,
            workerData: {
              url,
              barrier,
              contenders,
              rounds: Array.from({ length: rounds }, (_, r) => ({
                requestId: `r${r}-c${c}`,
                employeeId: `e${r}`,
                days: 6,
              })),
            },
          });
          return new Promise<boolean[]>((resolve, reject) => {
            worker.once('message', resolve);
            worker.once('error', reject);
          });
        }),
      );
      const store = open(url);
      for (let r = 0; r < rounds; r++) {
        const passed = results.filter((perContender) => perContender[r]).length;
        assert.equal(passed, 1, `round ${r}: exactly one of ${contenders} requests passed`);
        assert.equal(await store.balance(`e${r}`, 2026), 4);
      }
      await store.close();
    });
  });
}
