/**
 * The messages of support's bulk action (API v1.2), shared by the workflow and the API: its
 * commands (pause, resume, stop) as one update answered with its state, its progress as a query,
 * and its workflow id. Names are part of every running bulk action's history: rename none.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { BulkActionRequest, BulkCommand, BulkState } from '../../domain/bulk-actions';

/** Where a bulk action stands, carried across continue-as-new. */
export interface BulkProgress {
  state: BulkState;
  /** How many orders its filter matched when it started. */
  matched: number;
  /** The position (in the selection) of the last order acted on; 0 before the first. */
  afterSeq: number;
}

export interface BulkActionInput extends BulkActionRequest {
  /** The orders acted on each second (domain/bulk-actions.ts, bulkOrdersPerSecond). */
  ordersPerSecond: number;
  /** Chunks per run before it continues as new (CHUNKS_PER_RUN unless a test sets fewer). */
  chunksPerRun?: number;
  /** Set when the bulk action continues as new: where it stood. */
  progress?: BulkProgress;
}

/** Pause, resume or stop, answered with the state after it; refused (409) once it has ended. */
export const bulkActionCommandUpdate = defineUpdate<{ state: BulkState }, [BulkCommand]>('bulkActionCommand');

/** Its progress as its process holds it (the store's counts are read from each order's outcome). */
export const bulkActionProgressQuery = defineQuery<BulkProgress>('bulkActionProgress');

export function bulkActionWorkflowId(bulkActionId: string): string {
  return `bulk-action-${bulkActionId}`;
}
