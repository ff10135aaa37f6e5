/**
 * After an incident, support's one action for every order that matches: "retry every order
 * declined between 14:02 and 14:35" (or cancel them). The count it will touch is shown before it
 * starts; a started one is a durable process on the server that goes on without this page, at
 * Stripe's pace, and shows here with a progress bar that moves, pause, resume and stop, and the
 * orders it could not act on, with why, at the end.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type BulkActionAnswer, type BulkActionBody } from '../api';
import { ConfirmButton, ErrorNote, Section } from '../components';
import { plural, when, whenExactly } from '../format';
import { REFRESH_MS } from '../paged';

const REASONS: [string, string][] = [
  ['payment_failed', 'Payment declined'],
  ['payment_unconfirmed', 'Payment not confirmed'],
  ['delivery_failing', 'An email or event is failing'],
  ['refund_failed', 'A refund failed'],
];

const STATE_WORDS: Record<BulkActionAnswer['state'], string> = {
  Running: 'Running',
  Paused: 'Paused',
  Stopped: 'Stopped',
  Completed: 'Completed',
};

/** An `<input type="datetime-local">` value (the person's own clock) as an instant, if one. */
function instant(local: string): string | undefined {
  if (!local) return undefined;
  const at = new Date(local);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/** The filter in words, as the person reads it back before starting. */
export function filterWords(filter: BulkActionBody['filter']): string {
  const parts: string[] = [];
  const reason = REASONS.find(([code]) => code === filter.reason)?.[1];
  parts.push(reason ? `needing support (${reason.toLowerCase()})` : 'needing support');
  if (filter.customerId) parts.push(`of customer ${filter.customerId}`);
  if (filter.placedFrom && filter.placedTo)
    parts.push(`placed between ${whenExactly(filter.placedFrom)} and ${whenExactly(filter.placedTo)}`);
  else if (filter.placedFrom) parts.push(`placed from ${whenExactly(filter.placedFrom)}`);
  else if (filter.placedTo) parts.push(`placed before ${whenExactly(filter.placedTo)}`);
  return parts.join(' ');
}

export function BulkActions() {
  const queries = useQueryClient();
  const [action, setAction] = useState<BulkActionBody['action']>('payment-retry');
  const [reason, setReason] = useState('payment_failed');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [customerId, setCustomerId] = useState('');
  const [paymentMethod, setPaymentMethod] = useState('');
  const [cancelReason, setCancelReason] = useState('');
  const [counted, setCounted] = useState<{ body: BulkActionBody; matched: number } | undefined>();

  const body: BulkActionBody = {
    action,
    filter: {
      needs: 'support',
      ...(reason ? { reason: reason as NonNullable<BulkActionBody['filter']['reason']> } : {}),
      ...(instant(from) ? { placedFrom: instant(from) } : {}),
      ...(instant(to) ? { placedTo: instant(to) } : {}),
      ...(customerId.trim() ? { customerId: customerId.trim() } : {}),
    },
    ...(action === 'payment-retry' && paymentMethod.trim() ? { paymentMethod: paymentMethod.trim() } : {}),
    ...(action === 'cancel' && cancelReason.trim() ? { reason: cancelReason.trim() } : {}),
  };
  /** Any change to the form forgets the count: the count always belongs to what is shown. */
  const change =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setCounted(undefined);
    };

  const preview = useMutation({
    mutationFn: (asked: BulkActionBody) => api.bulkPreview(asked),
    onSuccess: (answer, asked) => setCounted({ body: asked, matched: answer.matched }),
  });
  const start = useMutation({
    mutationFn: (asked: BulkActionBody) => api.startBulk(asked),
    onSuccess: async () => {
      setCounted(undefined);
      await queries.invalidateQueries({ queryKey: ['bulk-actions'] });
    },
  });
  const recent = useQuery({
    queryKey: ['bulk-actions'],
    queryFn: () => api.bulkActions(),
    refetchInterval: REFRESH_MS,
  });

  function count(event: FormEvent): void {
    event.preventDefault();
    preview.mutate(body);
  }
  const verb = action === 'cancel' ? 'Cancel' : 'Retry the payment of';

  return (
    <Section title="Every order that matches" id="bulk-title">
      <form className="bulk" onSubmit={count} aria-labelledby="bulk-title">
        <div className="row">
          <label>
            Do
            <select
              value={action}
              onChange={(e) => change(setAction)(e.target.value as BulkActionBody['action'])}
            >
              <option value="payment-retry">Retry the payment</option>
              <option value="cancel">Cancel the order</option>
            </select>
          </label>
          <label>
            Why they need support
            <select value={reason} onChange={(e) => change(setReason)(e.target.value)}>
              <option value="">Any reason</option>
              {REASONS.map(([code, words]) => (
                <option key={code} value={code}>
                  {words}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div className="row">
          <label>
            Placed from
            <input
              type="datetime-local"
              step={1}
              value={from}
              onChange={(e) => change(setFrom)(e.target.value)}
            />
          </label>
          <label>
            Placed before
            <input
              type="datetime-local"
              step={1}
              value={to}
              onChange={(e) => change(setTo)(e.target.value)}
            />
          </label>
          <label>
            Customer id <span className="hint">(optional)</span>
            <input value={customerId} onChange={(e) => change(setCustomerId)(e.target.value)} />
          </label>
        </div>
        <div className="row">
          {action === 'payment-retry' ? (
            <label>
              New payment method <span className="hint">(empty: each order's own)</span>
              <input
                value={paymentMethod}
                onChange={(e) => change(setPaymentMethod)(e.target.value)}
                placeholder="pm_…"
              />
            </label>
          ) : (
            <label>
              Reason for cancelling
              <input value={cancelReason} onChange={(e) => change(setCancelReason)(e.target.value)} />
            </label>
          )}
          <button type="submit" disabled={preview.isPending}>
            Count the orders
          </button>
        </div>
        <ErrorNote error={preview.error} what="The orders could not be counted" />
        {counted ? (
          <div className="bulk-confirm" role="status">
            <p>
              {counted.matched === 0
                ? `No order ${filterWords(counted.body.filter)} right now.`
                : `${verb} ${plural(counted.matched, 'order')} ${filterWords(counted.body.filter)}. It goes on by itself, at Stripe's pace; you can pause or stop it.`}
            </p>
            {counted.matched > 0 ? (
              counted.body.action === 'cancel' ? (
                <ConfirmButton
                  label={`Cancel ${plural(counted.matched, 'order')}`}
                  question={`Cancel ${plural(counted.matched, 'order')}?`}
                  yes="Yes, cancel them"
                  disabled={start.isPending}
                  onConfirm={() => start.mutate(counted.body)}
                />
              ) : (
                <button type="button" disabled={start.isPending} onClick={() => start.mutate(counted.body)}>
                  Retry {plural(counted.matched, 'order')}
                </button>
              )
            ) : null}
          </div>
        ) : null}
        <ErrorNote error={start.error} what="Nothing was started" />
      </form>
      <ErrorNote error={recent.error} what="The bulk actions could not be loaded" />
      {recent.data && recent.data.bulkActions.length > 0 ? (
        <ul className="bulk-actions" aria-label="Bulk actions, newest first">
          {recent.data.bulkActions.map((bulk) => (
            <BulkProgress key={bulk.bulkActionId} bulk={bulk} />
          ))}
        </ul>
      ) : null}
    </Section>
  );
}

function BulkProgress({ bulk }: { bulk: BulkActionAnswer }) {
  const queries = useQueryClient();
  const command = useMutation({
    mutationFn: (asked: 'pause' | 'resume' | 'stop') => api.bulkCommand(bulk.bulkActionId, asked),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: ['bulk-actions'] });
    },
  });
  const ended = bulk.state === 'Stopped' || bulk.state === 'Completed';
  const what = bulk.action === 'cancel' ? 'Cancel' : 'Payment retry';
  const acted = bulk.action === 'cancel' ? 'cancelled' : 'retried';
  const label = `${what} ${bulk.bulkActionId.slice(0, 8)}`;
  return (
    <li className={`bulk-action ${bulk.state.toLowerCase()}`} aria-label={label}>
      <p className="card-title">
        <span>
          {what} of {plural(bulk.matched, 'order')}
        </span>
        <span className="state">{STATE_WORDS[bulk.state]}</span>
      </p>
      <p className="muted">
        Started by {bulk.startedByName} {when(bulk.startedAt)} · {filterWords(bulk.filter)}
      </p>
      <progress
        max={Math.max(bulk.matched, 1)}
        value={bulk.done}
        aria-label={`${label}: ${bulk.done} of ${bulk.matched} done`}
      />
      <p className="progress-words">
        {bulk.done} of {bulk.matched} done · {bulk.accepted} {acted} · {bulk.refused} refused
        {bulk.remaining > 0
          ? ` · ${bulk.remaining} ${bulk.state === 'Stopped' ? 'left untouched' : 'left'}`
          : ''}
      </p>
      {!ended ? (
        <div className="row">
          {bulk.state === 'Paused' ? (
            <button type="button" disabled={command.isPending} onClick={() => command.mutate('resume')}>
              Resume
            </button>
          ) : (
            <button type="button" disabled={command.isPending} onClick={() => command.mutate('pause')}>
              Pause
            </button>
          )}
          <ConfirmButton
            label="Stop"
            question={`Stop it? The ${plural(bulk.remaining, 'order')} left stay as they are.`}
            yes="Yes, stop"
            disabled={command.isPending}
            onConfirm={() => command.mutate('stop')}
          />
        </div>
      ) : null}
      <ErrorNote error={command.error} what="Nothing changed" />
      {ended && bulk.refusals.length > 0 ? (
        <details open>
          <summary>
            Not {acted}: {plural(bulk.refused, 'order')}
          </summary>
          <ul className="refusals">
            {bulk.refusals.map((r) => (
              <li key={r.orderId}>
                <a href={`#/orders/${encodeURIComponent(r.orderId)}`}>Order {r.orderId}</a>: {r.reason}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </li>
  );
}
