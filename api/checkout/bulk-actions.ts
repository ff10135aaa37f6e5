/**
 * Support's bulk actions (API v1.2): started as a durable process (workflows/checkout/bulk-action.ts)
 * and read from the store, where the process writes the orders it selected and each one's outcome,
 * so progress answers with no worker running. Pause, resume and stop are the process's update,
 * answered once the process has finished the orders in hand and recorded its new state, so the
 * answer, the store and every list read after it agree, and nothing is touched after a Stopped.
 */
import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { filterRefusal, remaining, type BulkCommand, type BulkFilter } from '../../domain/bulk-actions';
import type { BulkActionRecord, BulkActionStore } from '../../store/bulk-action-store';
import { decodeCursor, encodeCursor } from '../../store/lists';
import { bulkActionWorkflow } from '../../workflows/checkout/bulk-action';
import {
  bulkActionCommandUpdate,
  bulkActionWorkflowId,
  type BulkActionInput,
} from '../../workflows/checkout/bulk-messages';
import { callerName } from '../auth';
import { badRequest, HttpError, notFound } from '../errors';
import { handle, mount } from '../mount';
import { askProcess, noAnswer } from '../updates';
import {
  getBulkAction,
  listBulkActions,
  pauseBulkAction,
  previewBulkAction,
  resumeBulkAction,
  startBulkAction,
  stopBulkAction,
  type BulkActionAnswer,
} from './bulk-contract';
import { DEFAULT_PAGE } from './queues';
import { ORDER_ID_PATTERN } from './contract';

/** A name fit for every order's timeline: one plain line of at most 200 characters, else none. */
function plainName(name: string | undefined): string | undefined {
  const trimmed = name?.trim();
  if (!trimmed || trimmed.length > 200 || /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u.test(trimmed)) return undefined;
  return trimmed;
}

/** How many refused orders an answer lists (the counts cover them all). */
const REFUSALS_LISTED = 500;

export interface BulkActionDeps {
  client: Client;
  bulkActions: BulkActionStore;
  taskQueue: string;
  /** The orders acted on each second (Stripe's limit: domain/bulk-actions.ts). */
  ordersPerSecond: number;
  /** A person's name by their id (the organisation's directory). */
  nameOf?: (id: string) => Promise<string | undefined>;
}

export function bulkActionsRouter({
  client,
  bulkActions,
  taskQueue,
  ordersPerSecond,
  nameOf,
}: BulkActionDeps): Router {
  async function answerOf(record: BulkActionRecord): Promise<BulkActionAnswer> {
    const matched = record.matched ?? 0;
    return {
      bulkActionId: record.bulkActionId,
      action: record.action,
      filter: record.filter,
      ...(record.paymentMethod ? { paymentMethod: record.paymentMethod } : {}),
      ...(record.reason ? { reason: record.reason } : {}),
      startedBy: record.startedBy.actor.replace(/^[a-z]+:/, ''),
      startedByName: record.startedBy.name,
      startedAt: record.startedAt,
      state: record.state,
      matched,
      done: record.done,
      accepted: record.accepted,
      refused: record.refused,
      remaining: remaining(matched, record.done),
      refusals: record.refused > 0 ? await bulkActions.refusals(record.bulkActionId, REFUSALS_LISTED) : [],
      updatedAt: record.updatedAt,
    };
  }

  async function found(id: string): Promise<BulkActionRecord> {
    const record = ORDER_ID_PATTERN.test(id) ? await bulkActions.get(id) : undefined;
    if (!record) throw notFound(`bulk action ${id}`);
    return record;
  }

  function refuseFilter(filter: BulkFilter): void {
    const refused = filterRefusal(filter);
    if (refused) throw badRequest(refused, [{ field: 'filter', message: refused }]);
  }

  /**
   * A command, answered with the bulk action after it. One that means nothing now (a resume of a
   * stopped or completed one) is answered 202 with the bulk action as it is and changes nothing,
   * as an order's late message is.
   */
  const commandRoute = (route: typeof pauseBulkAction, command: BulkCommand) =>
    handle(route, async ({ params }) => {
      const record = await found(params.id);
      const now = async () => answerOf((await bulkActions.get(record.bulkActionId)) ?? record);
      let answer: Awaited<ReturnType<typeof askProcess<{ state: string }, BulkCommand>>>;
      try {
        answer = await askProcess(
          client,
          client.workflow.getHandle(bulkActionWorkflowId(record.bulkActionId)),
          bulkActionCommandUpdate,
          command,
        );
      } catch (err) {
        if (err instanceof HttpError && err.status === 409) return { status: 202, body: await now() };
        throw err;
      }
      if (answer.kind === 'no_answer') throw noAnswer('bulk action');
      // Answered once the state is on record (or ended before): the store says the same from now on.
      return { status: 202, body: await now() };
    });

  return mount(Router(), [
    handle(previewBulkAction, async ({ body }) => {
      refuseFilter(body.filter);
      return { status: 200, body: { matched: await bulkActions.count(body.filter) } };
    }),

    handle(startBulkAction, async ({ body, req, caller }) => {
      refuseFilter(body.filter);
      const bulkActionId = crypto.randomUUID();
      const request: BulkActionInput = {
        bulkActionId,
        action: body.action,
        filter: body.filter,
        ...(body.paymentMethod ? { paymentMethod: body.paymentMethod } : {}),
        ...(body.reason ? { reason: body.reason } : {}),
        // Their name as their sign-in gives it, else the organisation's directory, else their id.
        startedBy: {
          actor: callerName(req),
          name: plainName(caller.name) ?? plainName(await nameOf?.(caller.sub)) ?? caller.sub,
        },
        startedAt: new Date().toISOString(),
        ordersPerSecond,
      };
      await bulkActions.create(request);
      try {
        await client.workflow.start(bulkActionWorkflow, {
          workflowId: bulkActionWorkflowId(bulkActionId),
          taskQueue,
          args: [request],
          staticSummary: `Bulk ${body.action} started by ${request.startedBy.name}`,
        });
      } catch (err) {
        // Not started: nothing stays behind that says it was.
        await bulkActions.forget(bulkActionId);
        throw err;
      }
      return { status: 202, body: { bulkActionId, state: 'Running' } };
    }),

    handle(listBulkActions, async ({ query }) => {
      const limit = query.limit ?? DEFAULT_PAGE;
      const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      if (query.cursor !== undefined && !before) {
        throw badRequest('the cursor is not one this API gave out; start again without it', [
          { field: 'cursor', message: "must be a previous page's nextCursor" },
        ]);
      }
      const rows = await bulkActions.list(limit + 1, before);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        status: 200,
        body: {
          bulkActions: await Promise.all(page.map(answerOf)),
          ...(rows.length > limit && last
            ? { nextCursor: encodeCursor({ sort: last.startedAt, id: last.bulkActionId }) }
            : {}),
        },
      };
    }),

    handle(getBulkAction, async ({ params }) => ({
      status: 200,
      body: await answerOf(await found(params.id)),
    })),
    commandRoute(pauseBulkAction, 'pause'),
    commandRoute(resumeBulkAction, 'resume'),
    commandRoute(stopBulkAction, 'stop'),
  ]);
}
