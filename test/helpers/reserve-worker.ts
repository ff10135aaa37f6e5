/**
 * One contender in the leave race: its own connection to the database file (as the API and the
 * worker have), waiting on a shared barrier so all contenders reserve at the same instant.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openLeaveStore } from '../../store';

interface Job {
  /** A DATABASE_URL: sqlite:<file> or postgres://… */
  url: string;
  barrier: SharedArrayBuffer;
  contenders: number;
  rounds: { requestId: string; employeeId: string; days: number }[];
}

async function main(): Promise<void> {
  const { url, barrier, contenders, rounds } = workerData as Job;
  const store = openLeaveStore({ dataDir: '', databaseUrl: url });
  const counter = new Int32Array(barrier);
  const results: boolean[] = [];
  for (let round = 0; round < rounds.length; round++) {
    // Everyone arrives, then everyone goes.
    Atomics.add(counter, round, 1);
    while (Atomics.load(counter, round) < contenders)
      Atomics.wait(counter, round, Atomics.load(counter, round), 5);
    const { requestId, employeeId, days } = rounds[round]!;
    const result = await store.reserve({
      requestId,
      employeeId,
      days,
      leaveYear: 2026,
      mode: { kind: 'within_balance' },
    });
    results.push(result.reserved);
  }
  await store.close();
  parentPort?.postMessage(results);
}

void main();
