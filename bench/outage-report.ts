/** The outage scenario's figures and goals, in the benchmark's report (bench/experiments/outage.ts). */
import type { OutageRun } from './experiments/outage';

const ms = (value: number) => `${value.toFixed(0)} ms`;

export function outageGoals(run: OutageRun): { goal: string; measured: string; met: boolean }[] {
  const ratio = run.drainClickToChargeMs.p99 / run.quietClickToChargeMs.p99;
  const share = run.drainPerSecond / run.stripeLimit;
  return [
    {
      goal: "new orders' click to charge p99 during the drain ≤ 1.5 × with no backlog, and under 1 s",
      measured: `${ms(run.drainClickToChargeMs.p99)} against ${ms(run.quietClickToChargeMs.p99)}: ${ratio.toFixed(2)} ×`,
      met: ratio <= 1.5 && run.drainClickToChargeMs.p99 < 1_000,
    },
    {
      goal: "drain rate ≥ 0.9 × Stripe's limit",
      measured: `${run.drainPerSecond.toFixed(1)} orders/s against ${run.stripeLimit}/s: ${share.toFixed(2)} × (all Stripe requests: ${run.stripeRequestsPerSecond.toFixed(1)}/s)`,
      met: share >= 0.9,
    },
    {
      goal: '429s the fake Stripe answered: 0',
      measured: String(run.rateLimited),
      met: run.rateLimited === 0,
    },
    {
      goal: 'every order charged exactly once',
      measured: `${run.charges} charges for ${run.expectedCharges} orders, ${run.chargedExactlyOnce ? 'none twice' : '**some twice or missing**'}`,
      met: run.chargedExactlyOnce,
    },
    ...peopleGoals(run),
  ];
}

/** A person's work beside the drain: no goal for a run from before it was measured. */
function peopleGoals(run: OutageRun): { goal: string; measured: string; met: boolean }[] {
  const pairs = [
    ["a sign-up's click to its confirmation link, p99", run.quietSignUpToLinkMs, run.drainSignUpToLinkMs],
    ["a manager's leave decision, round trip p99", run.quietLeaveDecisionMs, run.drainLeaveDecisionMs],
  ] as const;
  return pairs.flatMap(([what, quiet, drain]) =>
    quiet && drain
      ? [
          {
            goal: `${what} during the drain ≤ 1.5 × with no backlog (a person's work does not wait behind the bulk action)`,
            measured: `${ms(drain.p99)} (n ${drain.n}) against ${ms(quiet.p99)} (n ${quiet.n}): ${(drain.p99 / quiet.p99).toFixed(2)} ×`,
            met: drain.p99 <= 1.5 * quiet.p99,
          },
        ]
      : [],
  );
}

const INTRO =
  "A Stripe outage declines every charge; the declined orders are retried by one bulk action (`POST /bulk-actions`) while new orders keep arriving; the app keeps to `STRIPE_MAX_REQUESTS_PER_SECOND` = the fake Stripe's limit (Stripe's sandbox, 25 a second, 429 beyond), each process spacing its requests 5 % under it.";

export function outageLines(runs: readonly OutageRun[] | undefined): string[] {
  if (!runs?.length) return [];
  return [
    "## After an outage: one bulk retry at Stripe's pace, new customers first",
    '',
    `${runs[0]!.at ? `Run ${runs[0]!.at}. ` : ''}${INTRO}`,
    '',
    '| server | orders declined | new orders a second | click to charge p50 / p99, no backlog (n) | during the drain (n) | drain (s) | drain per second | 429s | charges / orders | refused | server CPU per order retried (ms) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...runs.map(
      (r) =>
        `| ${r.server} | ${r.failed} | ${r.newOrdersPerSecond} | ${ms(r.quietClickToChargeMs.p50)} / ${ms(r.quietClickToChargeMs.p99)} (${r.quietClickToChargeMs.n}) | ${ms(r.drainClickToChargeMs.p50)} / ${ms(r.drainClickToChargeMs.p99)} (${r.drainClickToChargeMs.n}) | ${r.drainSeconds.toFixed(1)} | ${r.drainPerSecond.toFixed(1)} | ${r.rateLimited} | ${r.charges} / ${r.expectedCharges} | ${r.refused} | ${r.serverCpuMsPerOrder.toFixed(1)} |`,
    ),
    '',
    '| server | goal | measured | met |',
    '| --- | --- | --- | --- |',
    ...runs.flatMap((r) =>
      outageGoals(r).map((g) => `| ${r.server} | ${g.goal} | ${g.measured} | ${g.met ? 'yes' : '**no**'} |`),
    ),
    '',
  ];
}
