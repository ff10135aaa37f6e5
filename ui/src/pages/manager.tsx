/**
 * A manager's inbox: large orders waiting for an authorization and leave requests from their chain
 * waiting for a decision, in one place, refreshed every two seconds; and what they decided here.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, type LeaveListItem, type OrderListItem, type SessionAnswer } from '../api';
import { Done, Empty, ErrorNote, OrderLines, PagedCards, Section } from '../components';
import { date, days, money, relative, statusWords, useNow, when } from '../format';
import { useDeviceLog } from '../device-log';
import { usePaged } from '../paged';

export function ManagerPage({ session }: { session: SessionAnswer }) {
  const [decisions, decided] = useDeviceLog(`decisions:${session.sub}`);
  const orders = usePaged(
    ['orders', 'authorization'],
    (cursor) => api.orders({ needs: 'authorization', cursor }),
    (page) => page.orders,
  );
  const leave = usePaged(
    ['leave', 'awaiting'],
    (cursor) => api.leaveAwaitingMe(cursor),
    (page) => page.leaveRequests,
  );
  const now = useNow(orders.items.map((o) => o.remorseWindowEndsAt));
  return (
    <main id="main" className="page" tabIndex={-1}>
      <h1>Your inbox</h1>
      <Section title="Leave requests waiting for you" id="leave-title">
        <PagedCards
          list={leave}
          what="leave requests"
          empty="No leave request waits for your decision."
          label="Leave requests waiting for you"
          card={(request) => <LeaveCard key={request.requestId} request={request} onDecided={decided} />}
        />
      </Section>
      <Section title="Large orders waiting for authorization" id="orders-title">
        <PagedCards
          list={orders}
          what="orders"
          empty="No order waits for an authorization."
          label="Orders waiting for authorization"
          card={(order) => (
            <OrderCard key={order.orderId} order={order} now={now} me={session.sub} onDecided={decided} />
          )}
        />
      </Section>
      <Section title="What you decided here" id="decided-title">
        {decisions.length === 0 ? (
          <Empty>Your decisions from this browser appear here.</Empty>
        ) : (
          <ul className="decided">
            {decisions.map((d, i) => (
              <li key={`${d.at}-${i}`}>
                <time dateTime={d.at}>{when(d.at)}</time> {d.what}
              </li>
            ))}
          </ul>
        )}
      </Section>
    </main>
  );
}

function LeaveCard({ request, onDecided }: { request: LeaveListItem; onDecided: (what: string) => void }) {
  const queries = useQueryClient();
  const [note, setNote] = useState('');
  const decide = useMutation({
    mutationFn: (approve: boolean) =>
      approve
        ? api.approveLeave(request.requestId, note.trim() || undefined)
        : api.rejectLeave(request.requestId, note.trim() || undefined),
    onSuccess: async (answer, approve) => {
      onDecided(
        `${approve ? 'Approved' : 'Rejected'} ${request.employeeName ?? request.employeeId}'s ${days(request.days)} from ${date(request.startDate)} (now ${statusWords(answer.status).toLowerCase()})`,
      );
      await queries.invalidateQueries({ queryKey: ['leave'] });
    },
  });
  // A refusal describes the request as it stood: when its balance or the caller's authority changes,
  // the refusal no longer holds and goes.
  const { reset } = decide;
  useEffect(() => reset(), [reset, request.balanceAfter, request.canApprove]);
  const noteId = `leave-note-${request.requestId}`;
  return (
    <li className="card">
      <div className="card-body">
        <p className="card-title">
          <span>
            {request.employeeName ?? request.employeeId}: {days(request.days)} from {date(request.startDate)}
          </span>
        </p>
        {request.note ? <p className="muted">“{request.note}”</p> : null}
        {request.balanceAfter !== undefined ? (
          <p className={request.balanceAfter < 0 ? 'negative' : ''}>
            Balance after: {days(request.balanceAfter)}
          </p>
        ) : null}
        {request.canApprove ? (
          <p className="ok">Your authority covers this.</p>
        ) : (
          <p className="warn">
            Beyond your authority: {request.reasonText ?? 'you may not approve this'}{' '}
            {request.whoCan ? 'It waits in their inbox too: you may reject it, or leave it to them.' : ''}
          </p>
        )}
        <div className="action inline">
          <label htmlFor={noteId}>Note (optional)</label>
          <input id={noteId} value={note} onChange={(e) => setNote(e.target.value)} />
          {request.canApprove ? (
            <button type="button" disabled={decide.isPending} onClick={() => decide.mutate(true)}>
              Approve
            </button>
          ) : null}
          <button
            type="button"
            className="danger"
            disabled={decide.isPending}
            onClick={() => decide.mutate(false)}
          >
            Reject
          </button>
        </div>
        <ErrorNote error={decide.error} what="Your decision was not taken" />
      </div>
    </li>
  );
}

function OrderCard({
  order,
  now,
  me,
  onDecided,
}: {
  order: OrderListItem;
  now: number;
  me: string;
  onDecided: (what: string) => void;
}) {
  const queries = useQueryClient();
  const [note, setNote] = useState('');
  const answer = useMutation({
    mutationFn: (approved: boolean) => api.authorize(order.orderId, approved, note.trim() || undefined),
    onSuccess: async (_result, approved) => {
      onDecided(
        `${approved ? 'Approved' : 'Refused'} order ${order.orderId} (${money(order.total, order.currency)})`,
      );
      await queries.invalidateQueries({ queryKey: ['orders'] });
    },
  });
  const mine = order.authorizations?.find((a) => a.managerId === me);
  const others = order.authorizations?.filter((a) => a.managerId !== me) ?? [];
  const noteId = `order-note-${order.orderId}`;
  return (
    <li className="card">
      <div className="card-body">
        <p className="card-title">
          <span>Order {order.orderId}</span>
          <span className="amount">{money(order.total, order.currency)}</span>
        </p>
        <p className="muted">
          {order.customerName
            ? `${order.customerName} (customer ${order.customerId})`
            : `Customer ${order.customerId}`}
        </p>
        <OrderLines orderId={order.orderId} items={order.items} />
        {order.remorseWindowEndsAt ? (
          <p className="deadline">
            The window closes {relative(order.remorseWindowEndsAt, now)} ({when(order.remorseWindowEndsAt)});
            without an approval by then the order is rejected
          </p>
        ) : null}
        {others.map((a) => (
          <p key={a.managerId} className="muted">
            {a.managerId} {a.approved ? 'approved' : 'said no'} {a.note ? `(“${a.note}”)` : ''}
          </p>
        ))}
        {order.answeredByMe ? (
          <p className="ok">You answered: {mine?.approved ? 'approved' : 'no'}.</p>
        ) : (
          <div className="action inline">
            <label htmlFor={noteId}>Note (optional)</label>
            <input id={noteId} value={note} onChange={(e) => setNote(e.target.value)} />
            <button type="button" disabled={answer.isPending} onClick={() => answer.mutate(true)}>
              Approve
            </button>
            <button
              type="button"
              className="danger"
              disabled={answer.isPending}
              onClick={() => answer.mutate(false)}
            >
              Refuse
            </button>
          </div>
        )}
        <ErrorNote error={answer.error} what="Your answer was not taken" />
        {answer.isSuccess ? <Done>Answer recorded.</Done> : null}
      </div>
    </li>
  );
}
