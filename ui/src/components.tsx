/** The pieces every page shares: the frame, messages in words, timelines, "show more". */
import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError, type TimelineEvent } from './api';
import { ledgerWords, signed, when, whenExactly } from './format';

export function ErrorNote({ error, what }: { error: unknown; what?: string }) {
  if (!error) return null;
  const message =
    error instanceof ApiError
      ? error.message
      : 'Something unexpected went wrong. Reload the page and try again.';
  return (
    <p className="note error" role="alert">
      {what ? `${what}: ` : ''}
      {message}
    </p>
  );
}

export function Done({ children }: { children: ReactNode }) {
  return (
    <p className="note done" role="status">
      {children}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Section({
  title,
  id,
  children,
  aside,
}: {
  title: string;
  id: string;
  children: ReactNode;
  aside?: ReactNode;
}) {
  return (
    <section aria-labelledby={id} className="section">
      <div className="section-head">
        <h2 id={id}>{title}</h2>
        {aside}
      </div>
      {children}
    </section>
  );
}

export function Timeline({ events, label }: { events: TimelineEvent[]; label: string }) {
  if (events.length === 0) return <Empty>Nothing has happened yet.</Empty>;
  return (
    <ol className="timeline" aria-label={label}>
      {events.map((event, i) => (
        <li key={`${event.at}-${i}`} className={`kind-${event.kind}`}>
          <time dateTime={event.at}>{whenExactly(event.at)}</time>
          <span className="detail">
            {event.detail.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, (iso) => when(iso))}
          </span>
          {event.actor ? <span className="actor">by {event.actorName ?? event.actor}</span> : null}
        </li>
      ))}
    </ol>
  );
}

/**
 * A button for what cannot be undone: the first press asks, in words, what will happen; a second
 * ("Yes, …") does it, "Keep it" goes back. Focus moves to the question's answer, so a keyboard user
 * confirms with Enter.
 */
export function ConfirmButton({
  label,
  question,
  yes,
  onConfirm,
  disabled,
}: {
  label: string;
  question: string;
  yes: string;
  onConfirm: () => void;
  disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  // Focused by the page, not by `autoFocus`: a browser honours autofocus only once per page load,
  // and the back office is one page load however many questions it asks.
  const yesButton = useRef<HTMLButtonElement>(null);
  useLayoutEffect(() => {
    if (asking) yesButton.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" className="danger" disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={question}>
      <span className="question">{question}</span>
      <button
        type="button"
        className="danger"
        ref={yesButton}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {yes}
      </button>
      <button type="button" className="secondary" onClick={() => setAsking(false)}>
        Keep it
      </button>
    </span>
  );
}

/** An order's lines as the people who pack or authorize it read them: "2 × Desk lamp (lamp)". */
export function OrderLines({
  orderId,
  items,
}: {
  orderId: string;
  items?: readonly { sku: string; quantity: number; name?: string }[];
}) {
  if (!items?.length) return null;
  return (
    <ul className="items" aria-label={`Items of order ${orderId}`}>
      {items.map((line, i) => (
        <li key={`${line.sku}-${i}`}>
          {line.quantity} × {line.name ?? line.sku} <span className="muted">({line.sku})</span>
        </li>
      ))}
    </ul>
  );
}

/** Every change to a balance, newest first, in words: "Reserved for leave", "−5". */
export function LedgerTable({
  entries,
  caption,
}: {
  entries: readonly { at: string; leaveYear: number; kind: string; days: number }[];
  caption: string;
}) {
  if (entries.length === 0) return <Empty>No entries yet.</Empty>;
  return (
    <table className="ledger">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Year</th>
          <th scope="col">What</th>
          <th scope="col" className="num">
            Days
          </th>
        </tr>
      </thead>
      <tbody>
        {[...entries].reverse().map((e, i) => (
          <tr key={`${e.at}-${i}`}>
            <td>{when(e.at)}</td>
            <td>{e.leaveYear}</td>
            <td>{ledgerWords(e.kind)}</td>
            <td className={`num${e.days < 0 ? ' negative' : ''}`}>
              {e.days > 0 ? `+${e.days}` : signed(e.days)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function MoreButton({
  hasMore,
  loading,
  onMore,
}: {
  hasMore: boolean;
  loading: boolean;
  onMore: () => void;
}) {
  if (!hasMore) return null;
  return (
    <button type="button" className="secondary more" onClick={onMore} disabled={loading}>
      {loading ? 'Loading…' : 'Show more'}
    </button>
  );
}

/** A paginated list as cards: loading, its error in words, the empty state, the cards, "show more". */
export function PagedCards<Item>({
  list,
  what,
  failed = `The ${what} could not be loaded`,
  empty,
  label,
  card,
}: {
  list: {
    query: {
      isPending: boolean;
      error: unknown;
      hasNextPage: boolean;
      isFetchingNextPage: boolean;
      fetchNextPage: () => Promise<unknown>;
    };
    items: Item[];
    loaded: boolean;
  };
  /** What the list holds, in words: "orders to ship". */
  what: string;
  /** What a failed load says; by default "The <what> could not be loaded". */
  failed?: string;
  /** What the empty list says. */
  empty: ReactNode;
  /** The list's name for screen readers. */
  label: string;
  /** One card, with its key. */
  card: (item: Item) => ReactNode;
}) {
  const { query, items, loaded } = list;
  return (
    <>
      {query.isPending ? <Loading what={what} /> : null}
      <ErrorNote error={query.error} what={failed} />
      {loaded && items.length === 0 ? <Empty>{empty}</Empty> : null}
      <ul className="cards" aria-label={label}>
        {items.map(card)}
      </ul>
      <MoreButton
        hasMore={query.hasNextPage}
        loading={query.isFetchingNextPage}
        onMore={() => void query.fetchNextPage()}
      />
    </>
  );
}
