/**
 * Support's queue: orders that need a person, most urgent first, with the time left before an
 * unanswered one is cancelled; a search by order id, customer and status; after an incident, one
 * durable action for every order that matches (./bulk-actions.tsx); and, for a handful, one action
 * for the selected orders with each order's result.
 */
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { api, type BatchAnswer, type OrderListItem } from '../api';
import { Empty, ErrorNote, Loading, MoreButton, Section } from '../components';
import { ORDER_STATUSES } from '../../../domain/checkout';
import { money, plural, relative, statusWords, useNow, when } from '../format';
import { REFRESH_MS, usePaged } from '../paged';
import { BulkActions } from './bulk-actions';

export function SupportPage() {
  const queries = useQueryClient();
  const { query: queue, items: orders } = usePaged(
    ['orders', 'support'],
    (cursor) => api.orders({ needs: 'support', cursor }),
    (page) => page.orders,
  );
  const now = useNow(orders.map((o) => o.deadline));
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [paymentMethod, setPaymentMethod] = useState('');
  const [reason, setReason] = useState('');
  const [results, setResults] = useState<BatchSent | undefined>();
  const batch = useMutation({
    mutationFn: (action: 'cancel' | 'payment-retry') =>
      api.batch({
        action,
        orderIds: [...selected],
        ...(action === 'cancel' && reason ? { reason } : {}),
        ...(action === 'payment-retry' && paymentMethod ? { paymentMethod } : {}),
      }),
    onSuccess: async (answer, action) => {
      const attempts = new Map(orders.map((o) => [o.orderId, o.paymentAttempts ?? 0]));
      setResults({ action, answer, attempts });
      setSelected(new Set());
      await queries.invalidateQueries({ queryKey: ['orders'] });
    },
  });

  const toggle = (orderId: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(orderId)) next.delete(orderId);
      else next.add(orderId);
      return next;
    });
  const allSelected = orders.length > 0 && orders.every((o) => selected.has(o.orderId));

  return (
    <main id="main" className="page" tabIndex={-1}>
      <h1>Orders that need support</h1>
      <Search />
      <BulkActions />
      <Section
        title={`Needs a person${queue.data ? ` (${orders.length}${queue.hasNextPage ? '+' : ''})` : ''}`}
        id="queue-title"
      >
        {queue.isPending ? <Loading what="the queue" /> : null}
        <ErrorNote error={queue.error} what="The queue could not be loaded" />
        {queue.data && orders.length === 0 ? (
          <Empty>Nothing needs support right now. New problems appear here by themselves.</Empty>
        ) : null}
        {orders.length > 0 ? (
          <>
            <fieldset className="batch">
              <legend>With the selected orders ({selected.size})</legend>
              <label className="check">
                <input
                  type="checkbox"
                  checked={allSelected}
                  onChange={() =>
                    setSelected(allSelected ? new Set() : new Set(orders.map((o) => o.orderId)))
                  }
                />
                Select all shown
              </label>
              <div className="row">
                <label>
                  New payment method <span className="hint">(empty: each order's own)</span>
                  <input
                    value={paymentMethod}
                    onChange={(e) => setPaymentMethod(e.target.value)}
                    placeholder="pm_…"
                  />
                </label>
                <button
                  type="button"
                  disabled={selected.size === 0 || batch.isPending}
                  onClick={() => batch.mutate('payment-retry')}
                >
                  Retry payment
                </button>
              </div>
              <div className="row">
                <label>
                  Reason for cancelling
                  <input value={reason} onChange={(e) => setReason(e.target.value)} />
                </label>
                <button
                  type="button"
                  className="danger"
                  disabled={selected.size === 0 || batch.isPending}
                  onClick={() => batch.mutate('cancel')}
                >
                  Cancel orders
                </button>
              </div>
              <ErrorNote error={batch.error} what="Nothing was done" />
            </fieldset>
            {results ? <BatchResults {...results} /> : null}
            <ul className="cards" aria-label="Orders that need support">
              {orders.map((order) => (
                <SupportCard
                  key={order.orderId}
                  order={order}
                  now={now}
                  selected={selected.has(order.orderId)}
                  onToggle={() => toggle(order.orderId)}
                />
              ))}
            </ul>
            <MoreButton
              hasMore={!!queue.hasNextPage}
              loading={queue.isFetchingNextPage}
              onMore={() => void queue.fetchNextPage()}
            />
          </>
        ) : results ? (
          <BatchResults {...results} />
        ) : null}
      </Section>
    </main>
  );
}

function SupportCard({
  order,
  now,
  selected,
  onToggle,
}: {
  order: OrderListItem;
  now: number;
  selected: boolean;
  onToggle: () => void;
}) {
  const urgent = order.deadline && Date.parse(order.deadline) - now < 6 * 3_600_000;
  return (
    <li className={`card${selected ? ' selected' : ''}`}>
      <label className="check">
        <input type="checkbox" checked={selected} onChange={onToggle} />
        <span className="visually-hidden">Select order {order.orderId}</span>
      </label>
      <div className="card-body">
        <p className="card-title">
          <a href={`#/orders/${encodeURIComponent(order.orderId)}`}>Order {order.orderId}</a>
          <span className="amount">{money(order.total, order.currency)}</span>
        </p>
        <p className="reason">{order.reasonText ?? statusWords(order.status)}</p>
        {order.lastPaymentError ? <p className="muted">Stripe said: {order.lastPaymentError}</p> : null}
        <p className="muted">
          Customer {order.customerId} · {statusWords(order.status)}
          {order.paymentAttempts ? ` · ${plural(order.paymentAttempts, 'payment attempt')}` : ''}
        </p>
        {order.deadline ? (
          <p className={urgent ? 'deadline urgent' : 'deadline'}>
            Cancelled automatically {relative(order.deadline, now)} ({when(order.deadline)}) unless you act
          </p>
        ) : null}
      </div>
    </li>
  );
}

/** A batch as sent: its answer, and each order's payment attempts when it was sent. */
interface BatchSent {
  action: 'cancel' | 'payment-retry';
  answer: BatchAnswer;
  attempts: ReadonlyMap<string, number>;
}

/**
 * What became of each order of a batch, as the orders move: a retry is "retry sent", then "paid" or
 * "declined again"; a cancel is "cancel sent", then "cancelled" (or "refunded").
 */
export function batchOutcome(
  action: BatchSent['action'],
  sentAttempts: number,
  order: { status: string; paymentAttempts: number; payment?: { message?: string } } | undefined,
): { words: string; settled: boolean } {
  if (action === 'cancel') {
    if (order && ['Cancelled', 'Refunded', 'PartiallyRefunded'].includes(order.status)) {
      return { words: statusWords(order.status).toLowerCase(), settled: true };
    }
    return { words: 'cancel sent', settled: false };
  }
  if (order?.status === 'Paid' || order?.status === 'Shipped' || order?.status === 'Completed') {
    return { words: 'paid', settled: true };
  }
  if (order && order.status === 'PaymentFailed' && order.paymentAttempts > sentAttempts) {
    const why = order.payment?.message;
    return { words: `declined again${why ? `: ${why}` : ''}`, settled: true };
  }
  if (order?.status === 'Cancelled') return { words: 'cancelled meanwhile', settled: true };
  return { words: 'retry sent', settled: false };
}

function BatchResults({ action, answer, attempts }: BatchSent) {
  const accepted = answer.results.filter((r) => r.outcome === 'accepted');
  const [settled, setSettled] = useState(false);
  const views = useQueries({
    queries: accepted.map((r) => ({
      queryKey: ['order', r.orderId],
      queryFn: () => api.order(r.orderId),
      refetchInterval: settled ? false : REFRESH_MS,
    })),
  });
  const outcomes = new Map(
    accepted.map((r, i) => [r.orderId, batchOutcome(action, attempts.get(r.orderId) ?? 0, views[i]?.data)]),
  );
  const allSettled = [...outcomes.values()].every((o) => o.settled);
  useEffect(() => setSettled(allSettled), [allSettled]);
  const count = (words: string) => [...outcomes.values()].filter((o) => o.words.startsWith(words)).length;
  const summary =
    action === 'cancel'
      ? `${accepted.length} of ${answer.results.length} cancels sent`
      : `${accepted.length} of ${answer.results.length} retries sent · ${count('paid')} paid · ${count('declined again')} declined again`;
  return (
    <div className="results" role="status" aria-live="polite">
      <h3>
        {action === 'cancel' ? 'Cancel' : 'Payment retry'}: {summary}
      </h3>
      <ul>
        {answer.results.map((r) => (
          <li
            key={r.orderId}
            className={
              r.outcome === 'accepted' && !outcomes.get(r.orderId)!.words.startsWith('declined')
                ? 'accepted'
                : 'refused'
            }
          >
            Order {r.orderId}:{' '}
            {r.outcome === 'accepted'
              ? outcomes.get(r.orderId)!.words
              : `refused — ${r.error ?? 'no reason given'}${r.status ? ` (${statusWords(r.status)})` : ''}`}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Search() {
  const [orderId, setOrderId] = useState('');
  const [customerId, setCustomerId] = useState('');
  const [status, setStatus] = useState('');
  const [asked, setAsked] = useState<{ customerId: string; status: string } | undefined>();
  const found = useQuery({
    queryKey: ['orders', 'search', asked],
    queryFn: () => api.orders({ customerId: asked!.customerId, status: asked!.status }),
    enabled: !!asked,
    refetchInterval: REFRESH_MS,
  });
  function submit(event: FormEvent): void {
    event.preventDefault();
    if (orderId.trim()) {
      window.location.hash = `#/orders/${encodeURIComponent(orderId.trim())}`;
      return;
    }
    setAsked({ customerId: customerId.trim(), status });
  }
  return (
    <Section title="Find orders" id="search-title">
      <form className="search" onSubmit={submit} role="search" aria-labelledby="search-title">
        <label>
          Order id
          <input value={orderId} onChange={(e) => setOrderId(e.target.value)} />
        </label>
        <label>
          Customer id
          <input value={customerId} onChange={(e) => setCustomerId(e.target.value)} />
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">Any</option>
            {ORDER_STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusWords(s)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Search</button>
      </form>
      {asked ? (
        <div aria-live="polite">
          {found.isPending ? <Loading what="orders" /> : null}
          <ErrorNote error={found.error} what="The search failed" />
          {found.data && found.data.orders.length === 0 ? <Empty>No order matches.</Empty> : null}
          {found.data && found.data.orders.length > 0 ? (
            <ul className="cards compact" aria-label="Search results">
              {found.data.orders.map((o) => (
                <li key={o.orderId} className="card">
                  <div className="card-body">
                    <p className="card-title">
                      <a href={`#/orders/${encodeURIComponent(o.orderId)}`}>Order {o.orderId}</a>
                      <span className="amount">{money(o.total, o.currency)}</span>
                    </p>
                    <p className="muted">
                      Customer {o.customerId} · {statusWords(o.status)} · placed {when(o.placedAt)}
                    </p>
                  </div>
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </Section>
  );
}
