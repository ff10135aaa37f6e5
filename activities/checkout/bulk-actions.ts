/**
 * The activities of support's bulk action (workflows/checkout/bulk-action.ts): its selection and
 * outcomes in the store, and the messages it sends each order through Temporal's client. Every
 * message is keyed by the bulk action: a payment retry is an update with the bulk action's update
 * id, which the order also refuses to take twice; a cancel is a signal, which an order takes once.
 * So a chunk sent again after a worker crash acts on no order twice.
 */
import { heartbeat } from '@temporalio/activity';
import {
  WorkflowNotFoundError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import type { BulkFilter, BulkOutcome, BulkState } from '../../domain/bulk-actions';
import { FINAL_STATUSES } from '../../domain/checkout';
import { statusWords } from '../../domain/words';
import type { BulkActionStore } from '../../store/bulk-action-store';
import type { OrderStore } from '../../store/order-store';
import type { BulkActionInput } from '../../workflows/checkout/bulk-messages';
import {
  cancelOrderSignal,
  checkoutWorkflowId,
  retryPaymentSignal,
  retryPaymentUpdate,
} from '../../workflows/checkout/messages';
import { refusalOf } from '../../workflows/refusal';

export interface BulkActionActivityDeps {
  /** Temporal's client: the orders' messages go through it. */
  client: Client;
  orders: OrderStore;
  bulkActions: BulkActionStore;
  /** How long one order's update may take before its retry goes as a signal (default 10 s). */
  orderAnswerMs?: number;
  /** Where an order's unexpected failure is told in full (its outcome says it in words). */
  log?: (message: string, err?: unknown) => void;
}

/** How long one order's update may take before its retry goes as a signal instead. */
const ORDER_ANSWER_MS = 10_000;

/** A gRPC deadline that passed (Temporal's client throws the raw status). */
function isDeadline(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 4;
}

/** How many orders of a chunk are messaged at once. */
const CONCURRENCY = 12;

export function createBulkActionActivities(deps: BulkActionActivityDeps) {
  const { client, orders, bulkActions } = deps;
  const log = deps.log ?? (() => undefined);

  /**
   * Why an order could not be acted on, from what the store last recorded of it; an order this bulk
   * action has acted on already (before a crash, the chunk now sent again) is accepted.
   */
  async function endedOrUnknown(request: BulkActionInput, orderId: string): Promise<BulkOutcome> {
    const stored = await orders.getOrder(orderId);
    if (!stored) return { orderId, outcome: 'refused', reason: 'no such order' };
    if (stored.view?.bulkActions?.includes(request.bulkActionId)) return { orderId, outcome: 'accepted' };
    return {
      orderId,
      outcome: 'refused',
      reason: `the order is ${statusWords(stored.status).toLowerCase()}; it has ended`,
    };
  }

  async function retry(request: BulkActionInput, orderId: string): Promise<BulkOutcome> {
    const paymentMethod = request.paymentMethod ?? (await orders.getOrder(orderId))?.order.paymentMethod;
    if (!paymentMethod)
      return { orderId, outcome: 'refused', reason: 'the order has no payment method on record' };
    const message = {
      paymentMethod,
      requestedBy: request.startedBy.actor,
      bulkAction: { bulkActionId: request.bulkActionId, startedBy: request.startedBy },
    };
    const order = client.workflow.getHandle(checkoutWorkflowId(orderId));
    try {
      // Within a deadline: an order whose worker does not answer (a retired build, a stuck task)
      // must not hold the whole chunk, and with it every pause and stop.
      await client.withDeadline(Date.now() + (deps.orderAnswerMs ?? ORDER_ANSWER_MS), () =>
        order.executeUpdate(retryPaymentUpdate, {
          args: [message],
          updateId: `${request.bulkActionId}:${orderId}`,
        }),
      );
      return { orderId, outcome: 'accepted' };
    } catch (err) {
      const refused = refusalOf(err);
      // Sent before a crash and taken: this bulk action's retry is on the order already.
      if (refused?.details.reason === 'already_acted_on') return { orderId, outcome: 'accepted' };
      if (refused) {
        const status = refused.details.status;
        return {
          orderId,
          outcome: 'refused',
          reason: `the order is ${status ? statusWords(status).toLowerCase() : 'not waiting on a payment'}; only a failed or unconfirmed payment can be retried`,
        };
      }
      if (err instanceof WorkflowNotFoundError) return endedOrUnknown(request, orderId);
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isDeadline(err)) {
        // No answer in time: the retry goes as a signal, which the order takes once (keyed by this
        // bulk action) when its worker runs, and only while its payment waits on support.
        await order.signal(retryPaymentSignal, message);
        return { orderId, outcome: 'accepted' };
      }
      throw err;
    }
  }

  async function cancel(request: BulkActionInput, orderId: string): Promise<BulkOutcome> {
    const stored = await orders.getOrder(orderId);
    if (stored && FINAL_STATUSES.has(stored.status)) return endedOrUnknown(request, orderId);
    try {
      await client.workflow.getHandle(checkoutWorkflowId(orderId)).signal(cancelOrderSignal, {
        reason: request.reason,
        requestedBy: request.startedBy.actor,
        bulkAction: { bulkActionId: request.bulkActionId, startedBy: request.startedBy },
      });
      return { orderId, outcome: 'accepted' };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return endedOrUnknown(request, orderId);
      throw err;
    }
  }

  return {
    async selectBulkOrders({
      bulkActionId,
      filter,
    }: {
      bulkActionId: string;
      filter: BulkFilter;
    }): Promise<number> {
      return bulkActions.select(bulkActionId, filter);
    },

    async nextBulkChunk(args: {
      bulkActionId: string;
      afterSeq: number;
      size: number;
    }): Promise<{ seq: number; orderId: string }[]> {
      return bulkActions.chunk(args.bulkActionId, args.afterSeq, args.size);
    },

    async recordBulkState({
      bulkActionId,
      state,
    }: {
      bulkActionId: string;
      state: BulkState;
    }): Promise<void> {
      await bulkActions.setState(bulkActionId, state);
    },

    /** Messages every order of a chunk (a few at once) and writes their outcomes. */
    async actOnBulkChunk({
      request,
      orderIds,
    }: {
      request: BulkActionInput;
      orderIds: string[];
    }): Promise<void> {
      const outcomes: BulkOutcome[] = [];
      let next = 0;
      const work = async (): Promise<void> => {
        while (next < orderIds.length) {
          const orderId = orderIds[next++]!;
          const act = request.action === 'cancel' ? cancel : retry;
          outcomes.push(await act(request, orderId));
          heartbeat(outcomes.length);
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, orderIds.length) }, work)).catch(
        (err: unknown) => {
          log(`bulk action ${request.bulkActionId}: a message failed; the chunk is sent again`, err);
          throw err;
        },
      );
      await bulkActions.recordOutcomes(request.bulkActionId, outcomes);
    },
  };
}

export type BulkActionActivities = ReturnType<typeof createBulkActionActivities>;
