/**
 * The activities of support's bulk action (workflows/checkout/bulk-action.ts): its selection and
 * outcomes in the store, and the messages it sends each order through Temporal's client. Every
 * message is keyed by the bulk action: a payment retry is an update with the bulk action's update
 * id, which the order also refuses to take twice; a cancel is a signal, which an order takes once.
 * So a chunk sent again after a worker crash acts on no order twice.
 */
import { heartbeat } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { BulkFilter, BulkOutcome, BulkState } from '../../domain/bulk-actions';
import { FINAL_STATUSES } from '../../domain/checkout';
import { statusWords } from '../../domain/words';
import type { BulkActionStore } from '../../store/bulk-action-store';
import type { OrderStore } from '../../store/order-store';
import type { BulkActionInput } from '../../workflows/checkout/bulk-messages';
import { cancelOrderSignal, checkoutWorkflowId, retryPaymentUpdate } from '../../workflows/checkout/messages';
import { refusalOf } from '../../workflows/refusal';

export interface BulkActionActivityDeps {
  /** Temporal's client: the orders' messages go through it. */
  client: Client;
  orders: OrderStore;
  bulkActions: BulkActionStore;
  /** Where an order's unexpected failure is told in full (its outcome says it in words). */
  log?: (message: string, err?: unknown) => void;
}

/** How many orders of a chunk are messaged at once. */
const CONCURRENCY = 12;

export function createBulkActionActivities(deps: BulkActionActivityDeps) {
  const { client, orders, bulkActions } = deps;
  const log = deps.log ?? (() => undefined);

  /** Why an order could not be acted on, from what the store last recorded of it. */
  async function endedOrUnknown(orderId: string): Promise<BulkOutcome> {
    const stored = await orders.getOrder(orderId);
    if (!stored) return { orderId, outcome: 'refused', reason: 'no such order' };
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
    try {
      await client.workflow.getHandle(checkoutWorkflowId(orderId)).executeUpdate(retryPaymentUpdate, {
        args: [
          {
            paymentMethod,
            requestedBy: request.startedBy.actor,
            bulkAction: { bulkActionId: request.bulkActionId, startedBy: request.startedBy },
          },
        ],
        updateId: `${request.bulkActionId}:${orderId}`,
      });
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
      if (err instanceof WorkflowNotFoundError) return endedOrUnknown(orderId);
      throw err;
    }
  }

  async function cancel(request: BulkActionInput, orderId: string): Promise<BulkOutcome> {
    const stored = await orders.getOrder(orderId);
    if (stored && FINAL_STATUSES.has(stored.status)) return endedOrUnknown(orderId);
    try {
      await client.workflow.getHandle(checkoutWorkflowId(orderId)).signal(cancelOrderSignal, {
        reason: request.reason,
        requestedBy: request.startedBy.actor,
        bulkAction: { bulkActionId: request.bulkActionId, startedBy: request.startedBy },
      });
      return { orderId, outcome: 'accepted' };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return endedOrUnknown(orderId);
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
