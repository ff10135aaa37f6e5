/**
 * Support's bulk action (API v1.2, docs/incidents.md): one durable process that acts on every order
 * its filter matched when it started, each exactly once, at Stripe's pace.
 *
 *  1. Select: the matching orders are written to the store, numbered, once (an activity retried
 *     after a crash finds the selection and changes nothing).
 *  2. Act, a second's worth at a time, paced by the clock: each order of the chunk gets one message (a payment retry as an
 *     update, a cancel as a signal), keyed by the bulk action, so a chunk sent again after a worker
 *     crash acts on no order twice; each outcome is written once. The chunk is the orders Stripe
 *     may take in a second, so the Stripe queue's backlog stays about a second of bulk work: a
 *     pause or a stop takes effect within it, and nothing after the stop is touched.
 *  3. Pause, resume and stop are one update, answered with the new state; Stopped and Completed
 *     are final.
 *
 * Its history stays bounded: it continues as new every CHUNKS_PER_RUN chunks (or when Temporal
 * suggests it), carrying only where it stood.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { BulkActionActivities } from '../../activities/checkout/bulk-actions';
import { commandOutcome, type BulkCommand, type BulkState } from '../../domain/bulk-actions';
import { BULK_MESSAGES_PRIORITY } from '../../domain/priorities';
import { refusal } from '../refusal';
import { OWN_STORE } from '../retry-policies';
import {
  bulkActionCommandUpdate,
  bulkActionProgressQuery,
  type BulkActionInput,
  type BulkProgress,
} from './bulk-messages';

/** Chunks per run before it continues as new: about 15 events a chunk keeps a run near 3,000. */
export const CHUNKS_PER_RUN = 200;

/** Its own bookkeeping: the store, retried until it answers, at the default priority. */
const store = proxyActivities<BulkActionActivities>({
  startToCloseTimeout: '1m',
  retry: OWN_STORE,
});

/**
 * The messages of one chunk: a worker that dies mid-chunk stops heartbeating, and the chunk is sent
 * again (every message keyed, so no order is acted on twice).
 */
const messenger = proxyActivities<BulkActionActivities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '15s',
  retry: OWN_STORE,
  priority: { priorityKey: BULK_MESSAGES_PRIORITY },
});

export async function bulkActionWorkflow(input: BulkActionInput): Promise<BulkProgress> {
  const { bulkActionId } = input;
  const progress: BulkProgress = input.progress ?? { state: 'Running', matched: 0, afterSeq: 0 };
  let recorded: BulkState | undefined = input.progress?.state;
  setHandler(bulkActionProgressQuery, () => progress);
  setHandler(
    bulkActionCommandUpdate,
    // Answered once the state is on record, after the orders in hand: a Stopped answer means no
    // order is touched after it.
    async (command) => {
      const outcome = commandOutcome(progress.state, command);
      if ('state' in outcome) progress.state = outcome.state;
      await condition(() => recorded === progress.state);
      return { state: progress.state };
    },
    {
      validator: (command: BulkCommand) => {
        const outcome = commandOutcome(progress.state, command);
        if ('refused' in outcome) {
          throw refusal('conflict', outcome.refused, { reason: 'bulk_action_ended', status: progress.state });
        }
      },
    },
  );

  if (!input.progress) {
    progress.matched = await store.selectBulkOrders({ bulkActionId, filter: input.filter });
  }

  // Paced by the clock: the n-th order of a stretch is due n / ordersPerSecond after it began, so
  // a slow chunk is made up by the next rather than lost. A pause begins a new stretch.
  let stretchFrom = Date.now();
  let actedInStretch = 0;
  for (let chunks = 0; ; chunks++) {
    if (progress.state !== recorded) {
      const state = progress.state;
      await store.recordBulkState({ bulkActionId, state });
      recorded = state;
    }
    if (progress.state === 'Stopped' || progress.state === 'Completed') break;
    if (progress.state === 'Paused') {
      await condition(() => progress.state !== 'Paused');
      stretchFrom = Date.now();
      actedInStretch = 0;
      continue;
    }
    if (chunks >= (input.chunksPerRun ?? CHUNKS_PER_RUN) || workflowInfo().continueAsNewSuggested) {
      // A command's handler waits for its state to be on record: one that came in meanwhile is
      // recorded first (the top of the loop), then every handler has finished.
      await condition(() => allHandlersFinished() || progress.state !== recorded);
      if (progress.state !== recorded) continue;
      return continueAsNew<typeof bulkActionWorkflow>({ ...input, progress });
    }
    const chunk = await store.nextBulkChunk({
      bulkActionId,
      afterSeq: progress.afterSeq,
      size: input.ordersPerSecond,
    });
    // A pause or a stop that came while the chunk was read: nothing of it is touched.
    if (progress.state !== 'Running') continue;
    if (chunk.length === 0) {
      progress.state = 'Completed';
      continue;
    }
    await messenger.actOnBulkChunk({ request: input, orderIds: chunk.map((c) => c.orderId) });
    progress.afterSeq = chunk[chunk.length - 1]!.seq;
    actedInStretch += chunk.length;
    // Until the next order is due, unless support stops or pauses it meanwhile.
    const rest = stretchFrom + (actedInStretch * 1_000) / input.ordersPerSecond - Date.now();
    if (rest > 0) await condition(() => progress.state !== 'Running', rest);
  }
  await condition(allHandlersFinished);
  return progress;
}
