/**
 * Experiment 4 (`npm run bench:messages` runs it alone): the API's round trip for the messages a person sends to a running
 * process (a manager's authorization and leave decisions, support's payment retry, a cancel) and
 * for a repeated `POST /orders`, measured over HTTP against the compiled worker and API on a fresh
 * file-backed dev server (127.0.0.1). Each endpoint is called BENCH_MESSAGES times (default 60)
 * by BENCH_MESSAGE_CLIENTS (4) clients at once; p50/p95/p99 in milliseconds, with the answers'
 * status codes. Nothing passes or fails on time: the report sets these latencies beside the ones
 * recorded before the API sent updates (bench/results/messages-before.json, measured by this file at
 * commit 27ed708, when the API still read, signalled and read again).
 *
 * Alone, it writes bench/results/<BENCH_NAME, default messages-latest>.json; within `npm run bench`
 * its results go into the run's report.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { signToken } from '../../api/auth';
import { leaveYearOf } from '../../domain/leave';
import { freePort } from '../../scripts/net';
import {
  appStackEnv,
  devServerProcess,
  startApiProcess,
  startWorkerProcess,
  type RunningProcess,
} from '../../scripts/processes';
import { startBroker } from '../../scripts/rabbitmq';
import { openLeaveStore } from '../../store';
import { SEED_ORGANISATION } from '../../store/seed-organisation';
import { startFakeSendGrid } from '../../scripts/http-fakes';
import { messageLines, type EndpointLatency, type MessageResults } from '../report';
import {
  answerAuthorizationUpdate,
  authorizeOrderSignal,
  checkoutWorkflowId,
  orderStatusQuery,
} from '../../workflows/checkout/messages';
import { startStripeMock } from '../../scripts/stripe-mock';

const COUNT = Number(process.env.BENCH_MESSAGES ?? 60);
const CLIENTS = Number(process.env.BENCH_MESSAGE_CLIENTS ?? 4);
const NAME = process.env.BENCH_NAME ?? 'messages-latest';
if (!/^[\w.-]+$/.test(NAME)) throw new Error(`BENCH_NAME: "${NAME}" is not a plain file name`);
const SECRET = 'bench-secret-long-enough-for-hs256-signing';
const RESULTS = path.join(__dirname, '..', 'results');
const say = (line: string): void => console.log(`[bench:messages] ${line}`);

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return Math.round(sorted[Math.max(i, 0)]! * 10) / 10;
}

/** Calls `call(i)` for i < count with `clients` at once; the latency and answer of each. */
async function timed(
  endpoint: string,
  count: number,
  call: (i: number) => Promise<Response | void>,
): Promise<EndpointLatency> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = next++; i < count; i = next++) {
        const t0 = performance.now();
        const response = await call(i);
        if (response) await response.arrayBuffer();
        latencies.push(performance.now() - t0);
        const status = response ? String(response.status) : 'answered';
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const result = {
    endpoint,
    calls: count,
    statuses,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    p99: quantile(latencies, 0.99),
  };
  say(
    `${endpoint}: p50 ${result.p50} / p95 ${result.p95} / p99 ${result.p99} ms ${JSON.stringify(statuses)}`,
  );
  return result;
}

/** Runs the experiment on its own stack and returns the latencies (nothing written). */
export type { EndpointLatency, MessageResults };

export async function messageLatencies(): Promise<MessageResults> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-messages-'));
  const server = await devServerProcess(path.join(dir, 'temporal.db'));
  const stripeMock = await startStripeMock('succeed');
  const sendgrid = await startFakeSendGrid();
  const broker = await startBroker();
  const processes: RunningProcess[] = [];
  try {
    const dataDir = path.join(dir, 'app');
    fs.mkdirSync(dataDir);
    const leaveStore = openLeaveStore({ dataDir });
    await leaveStore.seedIfEmpty(SEED_ORGANISATION);
    await leaveStore.close();
    const stack = await appStackEnv({
      temporalAddress: server.address,
      taskQueue: 'bench-messages',
      dataDir,
      jwtSecret: SECRET,
    });
    const env = {
      ...stack.env,
      // Every order waits in its remorse window for a manager's authorization.
      ORDER_REMORSE_WINDOW: '1h',
      AUTHORIZATION_THRESHOLD: '1',
      STRIPE_SECRET_KEY: 'sk_test_bench',
      STRIPE_API_BASE: stripeMock.url,
      SENDGRID_API_KEY: 'SG.bench',
      SENDGRID_BASE_URL: sendgrid.url,
      AMQP_URL: broker.url,
      WORKER_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
      WORKFLOW_BUNDLE: path.resolve(__dirname, '..', '..', 'dist', 'workflow-bundle.js'),
    };
    processes.push(await startWorkerProcess(env, 'dist/worker.js'));
    processes.push(await startApiProcess(env, 'dist/api/server.js'));
    const tokens = {
      storefront: await signToken(SECRET, { role: 'storefront', sub: 'bench' }),
      support: await signToken(SECRET, { role: 'support', sub: 'sam' }),
      manager: await signToken(SECRET, { role: 'manager', sub: 'mia' }),
      ella: await signToken(SECRET, { role: 'employee', sub: 'ella' }),
    };
    const send = (token: string, method: string, url: string, body?: unknown) =>
      fetch(`${stack.base}${url}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const orderBody = (i: number) => ({
      orderId: `m-${i}`,
      customer: { id: 'bench', email: `m-${i}@example.com` },
      items: [{ sku: 'book', quantity: 1, unitPrice: 1_500 }],
      currency: 'usd',
      paymentMethod: 'pm_card_visa',
    });

    say(`placing ${COUNT} orders and ${COUNT} leave requests`);
    for (let i = 0; i < COUNT; i++) {
      const placed = await send(tokens.storefront, 'POST', '/orders', orderBody(i));
      if (placed.status !== 202) throw new Error(`POST /orders answered ${placed.status}`);
    }
    // Ella asks for more than her allowance, in this leave year: each request waits for Mia.
    const startDate = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const leaveYear = leaveYearOf(startDate, '01-01');
    const requestIds: string[] = [];
    for (let i = 0; i < COUNT; i++) {
      const response = await send(tokens.ella, 'POST', '/leave-requests', { days: 26, startDate });
      const answer = (await response.json()) as { requestId: string; status: string };
      if (response.status !== 202) throw new Error(`POST /leave-requests answered ${response.status}`);
      requestIds.push(answer.requestId);
    }
    // Every order in its remorse window and every request pending: the workflows have run once.
    await new Promise((r) => setTimeout(r, 3_000));
    say(`leave year ${leaveYear}; measuring`);

    const endpoints: EndpointLatency[] = [];
    endpoints.push(
      await timed('POST /orders (repeated)', COUNT, (i) =>
        send(tokens.storefront, 'POST', '/orders', orderBody(i)),
      ),
    );
    endpoints.push(
      await timed('POST /orders/:id/authorizations', COUNT, (i) =>
        send(tokens.manager, 'POST', `/orders/m-${i}/authorizations`, { approved: true }),
      ),
    );
    // The same message through the raw client, both ways, in this run: what the API's change is
    // judged against without the machine's mood in between.
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    const order = (i: number) => client.workflow.getHandle(checkoutWorkflowId(`m-${i}`));
    // A first answer from each of two other managers: the same work for the order either way.
    const answer = (managerId: string) => ({ approved: true, managerId });
    endpoints.push(
      await timed('raw client: query, signal, query (the old round trips)', COUNT, async (i) => {
        await order(i).query(orderStatusQuery);
        await order(i).signal(authorizeOrderSignal, answer('raw-signal'));
        await order(i).query(orderStatusQuery);
      }),
    );
    endpoints.push(
      await timed('raw client: one update (the new round trip)', COUNT, async (i) => {
        await order(i).executeUpdate(answerAuthorizationUpdate, { args: [answer('raw-update')] });
      }),
    );
    await connection.close();
    endpoints.push(
      await timed('POST /orders/:id/payment-retry (refused: not failed)', COUNT, (i) =>
        send(tokens.support, 'POST', `/orders/m-${i}/payment-retry`, { paymentMethod: 'pm_card_visa' }),
      ),
    );
    const half = Math.floor(COUNT / 2);
    endpoints.push(
      await timed('POST /leave-requests/:id/approve', half, (i) =>
        send(tokens.manager, 'POST', `/leave-requests/${requestIds[i]}/approve`, {}),
      ),
    );
    endpoints.push(
      await timed('POST /leave-requests/:id/reject', COUNT - half, (i) =>
        send(tokens.manager, 'POST', `/leave-requests/${requestIds[half + i]}/reject`, {}),
      ),
    );
    endpoints.push(
      await timed('POST /orders/:id/cancel', COUNT, (i) =>
        send(tokens.support, 'POST', `/orders/m-${i}/cancel`, { reason: 'bench' }),
      ),
    );

    return {
      at: new Date().toISOString(),
      commit: process.env.BENCH_COMMIT,
      machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      endpoints,
    };
  } finally {
    for (const p of processes.reverse()) await p.stop();
    await broker.stop();
    await sendgrid.close();
    await stripeMock.stop();
    await server.stop();
  }
}

/** The latencies recorded before the API sent updates (of commit 27ed708), to set beside a run's. */
export function recordedBefore(): MessageResults | undefined {
  const file = path.join(RESULTS, 'messages-before.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as MessageResults) : undefined;
}

async function main(): Promise<void> {
  fs.mkdirSync(RESULTS, { recursive: true });
  const results = await messageLatencies();
  fs.writeFileSync(path.join(RESULTS, `${NAME}.json`), `${JSON.stringify(results, null, 2)}\n`);
  const report = ['# Message endpoints', '', ...messageLines({ after: results, before: recordedBefore() })];
  fs.writeFileSync(path.join(RESULTS, `${NAME}.md`), report.join('\n'));
  console.log(report.join('\n'));
  say(`results in bench/results/${NAME}.{json,md}`);
}

if (require.main === module)
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
