/** What tracing costs, in the benchmark's report and goals (bench/experiments/tracing.ts). */
import type { TracingCost } from './experiments/tracing';

/** The bound: tracing at the default sampling costs under 10 % of throughput and of CPU. */
export function tracingGoals(
  cost: TracingCost | undefined,
): { goal: string; measured: string; met: boolean }[] {
  if (!cost) return [];
  return [
    {
      goal: 'tracing every order (the default sampling) costs < 10 %: throughput ≥ 0.9 × and worker + API CPU per checkout ≤ 1.1 × untraced',
      measured: `throughput ${cost.throughputRatio.toFixed(2)} ×, CPU ${cost.appCpuRatio.toFixed(2)} ×`,
      met: cost.throughputRatio >= 0.9 && cost.appCpuRatio <= 1.1,
    },
  ];
}

export function tracingLines(cost: TracingCost | undefined): string[] {
  if (!cost) return [];
  const cpu = (run: TracingCost['traced']) =>
    `${((run.cpuMsPerWorkflow?.worker ?? 0) + (run.cpuMsPerWorkflow?.API ?? 0)).toFixed(1)} ms`;
  return [
    '## What tracing costs',
    '',
    'The checkout once more with every span sent to Zipkin on this machine (`parentbased_always_on`), against the untraced checkout of the median round.',
    '',
    '| | untraced | traced | traced / untraced |',
    '|---|---|---|---|',
    `| checkouts/s (burst) | ${cost.untraced.perSecond.toFixed(1)} | ${cost.traced.perSecond.toFixed(1)} | ${cost.throughputRatio.toFixed(2)} × |`,
    `| worker + API CPU per checkout | ${cpu(cost.untraced)} | ${cpu(cost.traced)} | ${cost.appCpuRatio.toFixed(2)} × |`,
    `| \`POST /orders\` p99 (paced) | ${cost.untraced.startLatencyMs.p99.toFixed(0)} ms | ${cost.traced.startLatencyMs.p99.toFixed(0)} ms | ${(cost.traced.startLatencyMs.p99 / cost.untraced.startLatencyMs.p99).toFixed(2)} × |`,
    '',
    `Zipkin itself used ${cost.zipkinCpuSeconds.toFixed(1)} s of CPU over the traced run and holds ${cost.tracesFound} traces with a \`POST /orders\` span (one per order placed through the API).`,
    '',
  ];
}
