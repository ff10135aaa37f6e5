/**
 * `npm run bench`: the app against the engine it runs on, in one run on this machine (127.0.0.1).
 *
 *  1. Engine baseline: a no-op workflow with as many no-op activities as a checkout, started with
 *     the raw client, on a fresh dev server: file-backed (SQLite, WAL) and in memory (the ceiling).
 *  2. Checkout through the API: `dist/worker.js` and `dist/api/server.js` as production runs them
 *     (compiled, the prebuilt workflow bundle), with stripe-mock,
 *     a RabbitMQ broker and the FAKE SendGrid endpoint; remorse window 0. A checkout is done when
 *     its confirmation email reached SendGrid and its `order.paid` event reached RabbitMQ.
 *  2b. Steps 2 and 1 once more on Temporal's own server with PostgreSQL (the production shape's
 *     server; BENCH_POSTGRES=0 skips it), the CPU of the server and of PostgreSQL counted apart.
 *  3. Open processes: 1k, 10k and 50k orders (BENCH_OPEN_STEPS) waiting in their remorse window,
 *     admitted as the stack takes them; worker and server resident memory at each step.
 *  3b. Tracing's cost (experiments/tracing.ts): the checkout again with every span sent to Zipkin,
 *     against the median round's untraced checkout (BENCH_TRACING=0 skips it).
 *  4. After an outage (experiments/outage.ts): BENCH_OUTAGE_ORDERS (2,000; 0 skips it) orders
 *     declined, then one bulk retry at Stripe's pace while new orders arrive, on both servers.
 *
 * Every burst starts on a quiet machine (`quietMachine`), and the order of a round's three runs
 * turns by one each round (`runOrder`).
 *
 * Throughput is measured in a burst (clients placing orders back to back: the most the stack
 * completes per second). Start latency and schedule-to-start are measured at a sustained rate:
 * orders paced at BENCH_PACED_SHARE (0.7) of the checkout's burst throughput, the same rate for the
 * baseline, so a backlog from the burst does not count as latency. In the checkout's paced run every
 * other order is started with the raw client instead of the API, with the request the API sends
 * (`checkoutStartOptions`): the API's latency is judged against that, same server, same load.
 *
 * Every run uses the same worker tuning (BENCH_TUNING below; WORKER_* in the environment wins).
 * Results: bench/results/latest.{json,md,svg} (BENCH_NAME names another set). Nothing here passes or fails on time;
 * the goals are reported as met or not.
 *
 * Sizes: BENCH_WORKFLOWS (default 400), BENCH_CLIENTS (16), BENCH_ROUNDS (3: step 2 and the two
 * dev-server runs of step 1 that many times, each on a fresh server, and the goals take the median round),
 * BENCH_OPEN_STEPS (1000,10000,50000; empty skips step 3). BENCH_TUNING=sdk leaves the worker at the SDK's defaults, for comparison.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  goals,
  markdownReport,
  medianRound,
  runOrder,
  svgChart,
  type BenchResults,
  type Round,
} from './report';

import {
  BUNDLE,
  COMPILED,
  MINIMAL_SIDE_EFFECTS,
  NAME,
  ON_POSTGRES,
  OPEN_STEPS,
  RESULTS,
  ROUNDS,
  say,
  tuning,
  WORKFLOWS,
} from './settings';
import { baseline } from './experiments/baseline';
import { checkout } from './experiments/checkout';
import { openProcesses } from './experiments/open-processes';
import { messageLatencies, recordedBefore } from './experiments/messages';
import { outage, OUTAGE_ORDERS } from './experiments/outage';
import { tracingCost } from './experiments/tracing';

async function main(): Promise<void> {
  const started = Date.now();
  fs.mkdirSync(RESULTS, { recursive: true });
  for (const entry of [...Object.values(COMPILED), BUNDLE]) {
    if (!fs.existsSync(path.resolve(__dirname, '..', entry)))
      throw new Error(`${entry} is missing: \`npm run bench\` builds first (npm run build)`);
  }

  if (WORKFLOWS === 0) {
    // An experiment on memory alone (BENCH_WORKFLOWS=0): printed, no results written.
    await openProcesses();
    return;
  }
  // Rounds of the three runs on fresh servers, so a slow spell of the machine shows as one odd
  // round instead of deciding the ratio; the goals are judged on the median round. The order turns
  // by one each round (round 1: checkout, same shape, minimal shape; round 2: same, minimal,
  // checkout; ...), so over three rounds each run comes first, second and last once.
  const rounds: Round[] = [];
  let activitiesPerCheckout = 0;
  let pacedPerSecond = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const order = runOrder(round);
    say(`round ${round} of ${ROUNDS}: ${order.join(', ')}`);
    const runs: Partial<Round> = {};
    for (const run of order) {
      if (run === 'checkout') {
        const app = await checkout();
        activitiesPerCheckout = app.activitiesPerCheckout;
        // The baselines are paced at round 1's checkout rate (round 1 runs the checkout first).
        pacedPerSecond ||= app.run.pacedPerSecond;
        runs.checkout = app.run;
        say(`  ${app.run.perSecond.toFixed(1)} checkouts/s; ${app.activitiesPerCheckout} activities each`);
      } else {
        const measured = await baseline(
          'file',
          run === 'same shape' ? activitiesPerCheckout : MINIMAL_SIDE_EFFECTS.length,
          pacedPerSecond,
          run === 'same shape' ? 'same' : 'minimal',
        );
        runs[run === 'same shape' ? 'baselineFile' : 'minimal'] = measured;
        say(`  ${measured.perSecond.toFixed(1)} workflows/s`);
      }
    }
    rounds.push({ checkout: runs.checkout!, baselineFile: runs.baselineFile!, minimal: runs.minimal, order });
  }
  const middle = rounds[medianRound(rounds)]!;
  const baselineMemory = await baseline('memory', activitiesPerCheckout, middle.checkout.pacedPerSecond);
  say(`  ${baselineMemory.perSecond.toFixed(1)} workflows/s`);
  // The same checkout traced, against the median round's (BENCH_TRACING=0 skips it).
  const tracing = process.env.BENCH_TRACING === '0' ? undefined : await tracingCost(middle.checkout);
  // The same pair on Temporal's own server with PostgreSQL, paced at the same rate.
  let onPostgres: Round | undefined;
  if (ON_POSTGRES) {
    const app = await checkout('postgres');
    say(`  ${app.run.perSecond.toFixed(1)} checkouts/s`);
    const engine = await baseline('postgres', activitiesPerCheckout, app.run.pacedPerSecond);
    say(`  ${engine.perSecond.toFixed(1)} workflows/s`);
    const floor = await baseline('postgres', MINIMAL_SIDE_EFFECTS.length, app.run.pacedPerSecond, 'minimal');
    say(`  ${floor.perSecond.toFixed(1)} workflows/s`);
    onPostgres = { checkout: app.run, baselineFile: engine, minimal: floor };
  }
  const memory = OPEN_STEPS.length ? await openProcesses() : [];
  say('message endpoints: one round trip each, beside the recorded before');
  const messages = { after: await messageLatencies(), before: recordedBefore() };
  const outageRuns =
    OUTAGE_ORDERS > 0 ? [await outage('file'), ...(ON_POSTGRES ? [await outage('postgres')] : [])] : [];

  const results: BenchResults = {
    at: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    tuning,
    activitiesPerCheckout,
    baselineFile: middle.baselineFile,
    baselineMemory,
    checkout: middle.checkout,
    rounds,
    memory,
    messages,
    onPostgres,
    minimal: middle.minimal,
    minimalSideEffects: MINIMAL_SIDE_EFFECTS,
    outage: outageRuns,
    tracing,
  };
  fs.writeFileSync(
    path.join(RESULTS, `${NAME}.json`),
    `${JSON.stringify({ ...results, goals: goals(results) }, null, 2)}\n`,
  );
  fs.writeFileSync(path.join(RESULTS, `${NAME}.md`), markdownReport(results));
  fs.writeFileSync(path.join(RESULTS, `${NAME}.svg`), svgChart(results));
  console.log(markdownReport(results));
  say(
    `done in ${((Date.now() - started) / 1000).toFixed(0)} s; results in ${path.relative(process.cwd(), RESULTS)}/`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
