/** The pieces every page shares: the frame, messages in words, timelines, "show more". */
import type { ReactNode } from 'react';
import { ApiError, type TimelineEvent } from './api';
import { when, whenExactly } from './format';

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
          {event.actor ? <span className="actor">by {event.actor}</span> : null}
        </li>
      ))}
    </ol>
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
