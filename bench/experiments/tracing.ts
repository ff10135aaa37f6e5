/**
 * What tracing costs (issue 35): the checkout of experiment 2 once more with every span sent to a
 * Zipkin server on this machine (the default sampling, `parentbased_always_on`: every order
 * traced), against the untraced checkout of the same run. Throughput and the CPU the worker and
 * the API spend per checkout, as ratios; Zipkin's own CPU is reported apart (in production it is a
 * collector on another machine).
 */
import { waitForPort, freePort } from '../../scripts/net';
import { cpuMs } from '../../scripts/processes';
import { resolveZipkin, startZipkin } from '../../scripts/servers';
import type { ThroughputRun } from '../report';
import { say } from '../settings';
import { checkout } from './checkout';

export interface TracingCost {
  untraced: ThroughputRun;
  traced: ThroughputRun;
  /** Traced throughput / untraced throughput. */
  throughputRatio: number;
  /** The worker's and the API's CPU per checkout, traced / untraced. */
  appCpuRatio: number;
  /** Zipkin's CPU over the traced run, in seconds. */
  zipkinCpuSeconds: number;
  /** Traces Zipkin holds with a `POST /orders` span: one per order placed through the API. */
  tracesFound: number;
}

const appCpu = (run: ThroughputRun): number =>
  (run.cpuMsPerWorkflow?.worker ?? 0) + (run.cpuMsPerWorkflow?.API ?? 0);

export async function tracingCost(untraced: ThroughputRun): Promise<TracingCost | undefined> {
  const zipkin = resolveZipkin();
  if (!zipkin) {
    say('tracing cost: skipped (Zipkin needs Java and Maven)');
    return undefined;
  }
  const port = await freePort();
  const viewer = startZipkin(zipkin.path, port);
  try {
    if (!(await waitForPort(port, 90_000))) throw new Error('Zipkin did not start');
    say('tracing cost: the checkout again, every span sent to Zipkin');
    const zipkinCpuBefore = cpuMs(viewer.pid!);
    const { run: traced } = await checkout('file', {
      zipkinSpansUrl: `http://127.0.0.1:${port}/api/v2/spans`,
    });
    const zipkinCpu = cpuMs(viewer.pid!) - zipkinCpuBefore;
    const found = (await (
      await fetch(
        `http://127.0.0.1:${port}/api/v2/traces?limit=100000&lookback=3600000&spanName=post+/orders`,
      )
    ).json()) as unknown[];
    const cost: TracingCost = {
      untraced,
      traced,
      throughputRatio: traced.perSecond / untraced.perSecond,
      appCpuRatio: appCpu(traced) / appCpu(untraced),
      zipkinCpuSeconds: zipkinCpu / 1000,
      tracesFound: found.length,
    };
    say(
      `  ${traced.perSecond.toFixed(1)} checkouts/s traced (${cost.throughputRatio.toFixed(2)} × untraced), app CPU ${cost.appCpuRatio.toFixed(2)} ×, ${found.length} traces in Zipkin`,
    );
    return cost;
  } finally {
    viewer.kill('SIGTERM');
  }
}
