/**
 * The engine baseline's workflow: the same number of activities as a checkout, each doing nothing,
 * one after another. What it costs is what Temporal itself costs for that much work.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { NoopActivities } from './noop-activities';

const { noop } = proxyActivities<NoopActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

export async function noopWorkflow(activities: number): Promise<number> {
  for (let i = 0; i < activities; i++) await noop(i);
  return activities;
}
