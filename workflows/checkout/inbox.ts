/**
 * The order's handlers and what they leave for the story: set before anything else, so no message
 * that arrives with the start is lost. Each one changes the order only when the message means
 * something now; otherwise the order stays as it is, and the sender gets its current state.
 */
import { setHandler } from '@temporalio/workflow';
import { recordDecision } from '../../domain/acceptance';
import { bulkActionWords } from '../../domain/bulk-actions';
import { awaitingPaymentDecision, FINAL_STATUSES, readyToShip, type OrderView } from '../../domain/checkout';
import { note } from '../process-context';
import { refusal } from '../refusal';
import {
  answerAuthorizationUpdate,
  authorizeOrderSignal,
  cancelOrderSignal,
  goodsReturnedSignal,
  orderShippedSignal,
  orderStatusQuery,
  retryPaymentSignal,
  retryPaymentUpdate,
  type AuthorizationAnswer,
  type CancelRequest,
  type PaymentRetryRequest,
  type ReturnReport,
  type ShipmentReport,
} from './messages';

/** Messages the order has taken and its story has not yet acted on. */
export interface OrderInbox {
  retryRequest?: PaymentRetryRequest;
  shipment?: ShipmentReport;
  goodsReturned?: ReturnReport;
}

export function listen(view: OrderView): OrderInbox {
  const inbox: OrderInbox = {};
  const now = (): string => new Date().toISOString();
  setHandler(orderStatusQuery, () => view);
  setHandler(cancelOrderSignal, (request) => takeCancel(view, request, now()));
  setHandler(authorizeOrderSignal, (answer) => void takeAuthorization(view, answer, now()));
  setHandler(retryPaymentSignal, (request) => void takeRetry(view, inbox, request));
  // Never refused: a late answer, one for an order that needs none, or a repeated one is answered
  // with the order as it is.
  setHandler(answerAuthorizationUpdate, (answer) => takeAuthorization(view, answer, now()));
  setHandler(retryPaymentUpdate, (request) => takeRetry(view, inbox, request), {
    validator: (request: PaymentRetryRequest) => {
      const bulk = request.bulkAction?.bulkActionId;
      if (bulk && view.bulkActions?.includes(bulk)) {
        throw refusal('conflict', `bulk action ${bulk} has already retried order ${view.orderId}'s payment`, {
          reason: 'already_acted_on',
          status: view.status,
        });
      }
      if (!awaitingPaymentDecision(view)) {
        throw refusal(
          'conflict',
          `order ${view.orderId} is ${view.status}${view.cancellation ? ' with a cancellation requested' : ''}, neither PaymentFailed nor PaymentUnconfirmed`,
          { reason: 'not_awaiting_payment', status: view.status },
        );
      }
    },
  });
  setHandler(orderShippedSignal, (report) => {
    if (readyToShip(view) && !inbox.shipment) inbox.shipment = report;
  });
  setHandler(goodsReturnedSignal, (report) => {
    if (view.status === 'Shipped' && view.cancellation && !inbox.goodsReturned) inbox.goodsReturned = report;
  });
  return inbox;
}

/** Cancel never fails; the first request is the one on record, later ones change nothing. */
function takeCancel(view: OrderView, request: CancelRequest, at: string): void {
  if (view.cancellation || FINAL_STATUSES.has(view.status)) return;
  view.cancellation = { reason: request.reason, requestedBy: request.requestedBy, requestedAt: at };
  const by = request.bulkAction;
  if (by) view.bulkActions = [...(view.bulkActions ?? []), by.bulkActionId];
  const said = by ? bulkActionWords('cancel', by) : 'Cancel requested';
  note(
    view,
    'cancel_requested',
    `${said}${request.reason ? `: ${request.reason}` : ''}`,
    request.requestedBy,
  );
}

/** A manager's answer counts while the order waits for one; a repeated one changes nothing. */
function takeAuthorization(view: OrderView, answer: AuthorizationAnswer, at: string): OrderView {
  const acceptance = view.acceptance;
  if (!acceptance?.authorizationRequired || acceptance.outcome || view.cancellation) return view;
  const recorded = recordDecision(acceptance.authorizations, {
    managerId: answer.managerId,
    approved: answer.approved,
    note: answer.note,
    decidedAt: at,
  });
  acceptance.authorizations = recorded.decisions;
  if (recorded.counted) {
    const said = `${answer.approved ? 'Approved' : 'Refused'} the order${answer.note ? `: ${answer.note}` : ''}`;
    note(view, 'authorization', said, answer.managerId);
  }
  return view;
}

/** The first retry while the payment waits on support is the one taken. */
function takeRetry(view: OrderView, inbox: OrderInbox, request: PaymentRetryRequest): OrderView {
  const by = request.bulkAction;
  if (by && view.bulkActions?.includes(by.bulkActionId)) return view;
  if (awaitingPaymentDecision(view) && !inbox.retryRequest) {
    inbox.retryRequest = request;
    if (by) view.bulkActions = [...(view.bulkActions ?? []), by.bulkActionId];
    const said = by ? bulkActionWords('payment-retry', by) : 'Payment retry asked';
    note(view, 'payment_retry_requested', said, request.requestedBy);
  }
  return view;
}
