/** One order for support: where it is, its timeline in words, and what support may do now. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type SessionAnswer } from '../api';
import { Done, ErrorNote, Loading, Section, Timeline } from '../components';
import { money, relative, statusWords, useNow, when } from '../format';
import { REFRESH_MS } from '../paged';

const FINAL = new Set(['Rejected', 'Cancelled', 'Refunded', 'PartiallyRefunded', 'Completed']);

/** Engineers' tools for one workflow, as the session names them (URL templates with `{workflowId}`). */
export type EscalationTools = SessionAnswer['tools'];

export function OrderPage({ orderId, tools }: { orderId: string; tools?: EscalationTools }) {
  const queries = useQueryClient();
  const order = useQuery({
    queryKey: ['order', orderId],
    queryFn: () => api.order(orderId),
    refetchInterval: REFRESH_MS,
  });
  const timeline = useQuery({
    queryKey: ['order', orderId, 'timeline'],
    queryFn: () => api.orderTimeline(orderId),
    refetchInterval: REFRESH_MS,
  });
  const now = useNow([order.data?.paymentResolutionDeadline]);
  const [paymentMethod, setPaymentMethod] = useState('');
  const [reason, setReason] = useState('');
  const refresh = () => queries.invalidateQueries({ queryKey: ['order', orderId] });
  const retry = useMutation({
    mutationFn: () => api.retryPayment(orderId, paymentMethod.trim()),
    onSuccess: refresh,
  });
  const cancel = useMutation({
    mutationFn: () => api.cancel(orderId, reason.trim() || undefined),
    onSuccess: refresh,
  });

  const view = order.data;
  const paymentOpen = view && (view.status === 'PaymentFailed' || view.status === 'PaymentUnconfirmed');
  return (
    <main id="main" className="page" tabIndex={-1}>
      <p>
        <a href="#/support">← Back to the support queue</a>
      </p>
      <h1>Order {orderId}</h1>
      {order.isPending ? <Loading what="the order" /> : null}
      <ErrorNote error={order.error} what="The order could not be loaded" />
      {view ? (
        <>
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <span className={`status s-${view.status}`}>{statusWords(view.status)}</span>
            </dd>
            <dt>Total</dt>
            <dd>{money(view.total, view.currency)}</dd>
            <dt>Customer</dt>
            <dd>{view.customerName ? `${view.customerName} (${view.customerId})` : view.customerId}</dd>
            {view.shippingAddress ? (
              <>
                <dt>Ship to</dt>
                <dd>
                  {[
                    view.shippingAddress.name,
                    view.shippingAddress.line1,
                    view.shippingAddress.line2,
                    `${view.shippingAddress.postalCode} ${view.shippingAddress.city}`,
                    view.shippingAddress.country,
                  ]
                    .filter(Boolean)
                    .join(', ')}
                </dd>
              </>
            ) : null}
            <dt>Placed</dt>
            <dd>{when(view.placedAt)}</dd>
            {view.payment?.message ? (
              <>
                <dt>Last payment</dt>
                <dd>
                  {view.payment.status === 'declined' ? 'Declined' : view.payment.status}:{' '}
                  {view.payment.message}
                  {view.payment.declineCode ? ` (${view.payment.declineCode})` : ''}
                </dd>
              </>
            ) : null}
            {view.paymentResolutionDeadline ? (
              <>
                <dt>Cancelled automatically</dt>
                <dd>
                  {relative(view.paymentResolutionDeadline, now)} ({when(view.paymentResolutionDeadline)})
                  unless support acts
                </dd>
              </>
            ) : null}
            {view.cancellation ? (
              <>
                <dt>Cancellation</dt>
                <dd>
                  by {view.cancellation.requestedBy}{' '}
                  {view.cancellation.reason ? `— ${view.cancellation.reason}` : ''}
                </dd>
              </>
            ) : null}
            {view.refund ? (
              <>
                <dt>Refund</dt>
                <dd>
                  {money(view.refund.amount, view.currency)} — {view.refund.status}
                  {view.refund.failureReason ? `: ${view.refund.failureReason}` : ''}
                </dd>
              </>
            ) : null}
          </dl>
          <Section title="Items" id="items-title">
            <ul className="items">
              {view.items.map((item, i) => (
                <li key={`${item.sku}-${i}`}>
                  {item.quantity} × {item.name ?? item.sku} at {money(item.unitPrice, view.currency)}
                </li>
              ))}
            </ul>
          </Section>
          <Section title="What support can do" id="actions-title">
            {paymentOpen ? (
              <form
                className="action"
                onSubmit={(e: FormEvent) => {
                  e.preventDefault();
                  retry.mutate();
                }}
              >
                <label>
                  New payment method
                  <input
                    required
                    value={paymentMethod}
                    onChange={(e) => setPaymentMethod(e.target.value)}
                    placeholder="pm_…"
                  />
                </label>
                <button type="submit" disabled={retry.isPending}>
                  Retry the payment
                </button>
                <ErrorNote error={retry.error} what="The retry was refused" />
                {retry.isSuccess ? (
                  <Done>Retry sent; the status changes here once Stripe answers.</Done>
                ) : null}
              </form>
            ) : null}
            {!FINAL.has(view.status) && !view.cancellation ? (
              <form
                className="action"
                onSubmit={(e: FormEvent) => {
                  e.preventDefault();
                  cancel.mutate();
                }}
              >
                <label>
                  Reason for cancelling
                  <input value={reason} onChange={(e) => setReason(e.target.value)} />
                </label>
                <button type="submit" className="danger" disabled={cancel.isPending}>
                  Cancel the order
                </button>
                <ErrorNote error={cancel.error} what="The cancel was refused" />
              </form>
            ) : (
              <p className="muted">
                {view.cancellation ? 'The order is cancelled or being cancelled.' : 'The order has ended.'}{' '}
                Nothing more to do here.
              </p>
            )}
            {cancel.isSuccess ? (
              <Done>Cancel sent. What it means depends on where the order is; see below.</Done>
            ) : null}
          </Section>
        </>
      ) : null}
      <Section title="Timeline" id="timeline-title">
        {timeline.isPending ? <Loading what="the timeline" /> : null}
        <ErrorNote error={timeline.error} what="The timeline could not be loaded" />
        {timeline.data ? (
          <Timeline events={timeline.data.events} label={`Timeline of order ${orderId}`} />
        ) : null}
      </Section>
      <Escalation workflowId={`order-${orderId}`} placedAt={order.data?.placedAt} tools={tools} />
    </main>
  );
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * For an escalation: the order's traces (each request about it, the workflow and every call to
 * Stripe, SendGrid, RabbitMQ and the database, on one timeline) and its workflow's history, in the
 * engineers' tools. Only the links the deployment configures. The traces are searched from a
 * minute before the order was placed to thirty days after (an order's work ends within days); until
 * the page knows when that was, it offers no traces link rather than one that misses the order.
 */
function Escalation(props: { workflowId: string; placedAt?: string; tools?: EscalationTools }) {
  const { workflowId, tools } = props;
  const placed = Date.parse(props.placedAt ?? '');
  const traces = Number.isNaN(placed) ? undefined : tools?.traces;
  if (!traces && !tools?.workflow) return null;
  const link = (template: string) =>
    template
      .replaceAll('{workflowId}', encodeURIComponent(workflowId))
      .replaceAll('{from}', String(placed - MINUTE))
      .replaceAll('{to}', String(placed + 30 * DAY));
  return (
    <Section title="For an engineer" id="escalation-title">
      <p>When this order needs an engineer, send them these links.</p>
      <ul className="links">
        {traces ? (
          <li>
            <a href={link(traces)} target="_blank" rel="noreferrer">
              Its traces
            </a>{' '}
            (each step of the order, with its timing, in the trace viewer)
          </li>
        ) : null}
        {tools?.workflow ? (
          <li>
            <a href={link(tools.workflow)} target="_blank" rel="noreferrer">
              Its workflow
            </a>{' '}
            (the order's history in the Temporal UI)
          </li>
        ) : null}
      </ul>
    </Section>
  );
}
