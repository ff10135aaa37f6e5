/**
 * Reads that ask a workflow. A query needs a running worker; the API never waits on one longer than
 * QUERY_DEADLINE_MS, and answers from the app's store when none answers in time.
 */
import type { Client } from '@temporalio/client';

/** How long a read waits for the workflow's own answer before it answers from the store. */
export const QUERY_DEADLINE_MS = 2_000;

/** Runs one call to Temporal (a query) with the read deadline. */
export function askWithinDeadline<T>(client: Client, ask: () => Promise<T>): Promise<T> {
  return client.withDeadline(Date.now() + QUERY_DEADLINE_MS, ask);
}
