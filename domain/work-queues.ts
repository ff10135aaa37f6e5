/**
 * Which person an order waits for, read from what its process knows (the order view). The API's
 * work queues (`GET /orders?needs=…`) and the store's indexed columns both come from these pure
 * rules, so a list and an order page never disagree about why an order is there.
 */
import type { OrderView } from './checkout';

export const SUPPORT_REASONS = [
  'payment_failed',
  'payment_unconfirmed',
  'delivery_failing',
  'refund_failed',
] as const;
export type SupportReason = (typeof SUPPORT_REASONS)[number];

export const ORDER_QUEUES = ['support', 'authorization', 'shipment', 'return'] as const;
export type OrderQueue = (typeof ORDER_QUEUES)[number];

/** Support's need: why a person must look, and by when (when a deadline applies). */
export interface SupportNeed {
  reason: SupportReason;
  deadline?: string;
}

/** The other queues' need: which one, and by when (window end, goods expected by). */
export interface WorkNeed {
  queue: Exclude<OrderQueue, 'support'>;
  dueAt?: string;
}

/** Why support must look at the order, if it must. A payment question outranks a failing delivery. */
export function supportNeed(view: OrderView): SupportNeed | undefined {
  if (view.status === 'PaymentFailed') {
    return { reason: 'payment_failed', deadline: view.paymentResolutionDeadline };
  }
  if (view.status === 'PaymentUnconfirmed') {
    return { reason: 'payment_unconfirmed', deadline: view.paymentResolutionDeadline };
  }
  if (view.refund?.status === 'failed') return { reason: 'refund_failed' };
  const failing = Object.values(view.notifications ?? {}).some(
    (state) => state === 'delayed' || state === 'failed',
  );
  if (failing) return { reason: 'delivery_failing' };
  return undefined;
}

/** Which of the manager's or the warehouse's queues the order is in, if any. */
export function workNeed(view: OrderView): WorkNeed | undefined {
  const { acceptance } = view;
  if (
    view.status === 'Received' &&
    acceptance?.authorizationRequired &&
    !acceptance.outcome &&
    !view.cancellation &&
    !acceptance.authorizations.some((a) => a.approved)
  ) {
    return { queue: 'authorization', dueAt: acceptance.remorseWindowEndsAt };
  }
  if (view.status === 'Paid' && !view.cancellation && !view.shipment) return { queue: 'shipment' };
  if (view.status === 'Shipped' && view.cancellation && view.goodsReturn && !view.goodsReturn.receivedAt) {
    return { queue: 'return', dueAt: view.goodsReturn.expectedBy };
  }
  return undefined;
}

/** Sorts after every ISO timestamp: items without a deadline come after those with one. */
export const NO_DEADLINE = '9999-12-31T23:59:59.999Z';

/** The columns the store keeps beside each order so that each queue is one indexed range. */
export interface QueueColumns {
  supportReason: SupportReason | null;
  /** Most urgent first: the deadline, else NO_DEADLINE. */
  supportSort: string | null;
  workQueue: WorkNeed['queue'] | null;
  /** Soonest due first; the shipment queue, oldest paid first. */
  workSort: string | null;
}

export function queueColumns(view: OrderView | undefined): QueueColumns {
  const support = view ? supportNeed(view) : undefined;
  const work = view ? workNeed(view) : undefined;
  return {
    supportReason: support?.reason ?? null,
    supportSort: support ? (support.deadline ?? NO_DEADLINE) : null,
    workQueue: work?.queue ?? null,
    workSort: work ? (work.dueAt ?? view!.updatedAt) : null,
  };
}

/** A reason in the words support reads. */
export function describeSupportReason(reason: SupportReason): string {
  switch (reason) {
    case 'payment_failed':
      return 'The payment was declined';
    case 'payment_unconfirmed':
      return 'Stripe has not confirmed the payment';
    case 'delivery_failing':
      return 'An email or event keeps failing';
    case 'refund_failed':
      return 'Stripe refused the refund';
  }
}
