/**
 * The customer's account (/account/): their orders and where each stands, in their words, updated
 * while the page is open; cancel with a confirmation; sign in at the shop's customer identity
 * provider (PKCE), and its forgotten-password page. The same build as the back office, its own
 * look; phone width first.
 */
import {
  QueryClient,
  QueryClientProvider,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { CustomerAnswer, OrderTimeline } from '../../../api/contract';
import { money, when } from '../format';
import { currentTokens, finishSignIn, forgetTokens, renewable, signIn, signOut, type Tokens } from './oidc';

/** An order as its customer reads it (domain/customer-orders.ts). */
interface MyOrder {
  orderId: string;
  status: string;
  total: number;
  currency: string;
  placedAt: string;
  updatedAt: string;
  state: string;
  next?: string;
  cancelFree?: boolean;
  canCancel?: boolean;
  items?: { sku: string; name?: string; quantity: number; unitPrice: number }[];
}

class SignedOut extends Error {}

async function call<T>(tokens: Tokens, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${tokens.accessToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) {
    forgetTokens();
    throw new SignedOut('signed out');
  }
  const answer = (await response.json().catch(() => ({}))) as T & { error?: { message?: string } };
  if (!response.ok) throw new Error(answer.error?.message ?? `the shop answered ${response.status}`);
  return answer;
}

const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: (count, error) => !(error instanceof SignedOut) && count < 2 } },
});

function SignInCard({ problem }: { problem?: string }) {
  return (
    <section className="account-card account-welcome" aria-labelledby="welcome">
      <h1 id="welcome">Your account</h1>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <p>Sign in to follow your orders and cancel one while you still can.</p>
      <button type="button" className="primary" onClick={() => void signIn()}>
        Sign in
      </button>
      <p>
        <a href="/customer-identity/forgot">Forgot your password?</a>
      </p>
    </section>
  );
}

function OrderCard({ order, tokens }: { order: MyOrder; tokens: Tokens }) {
  const client = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [open, setOpen] = useState(false);
  const cancel = useMutation({
    mutationFn: () =>
      call<MyOrder>(tokens, 'POST', `/orders/${encodeURIComponent(order.orderId)}/cancel`, {}),
    onSuccess: () => {
      setConfirming(false);
      void client.invalidateQueries({ queryKey: ['my-orders'] });
    },
  });
  const timeline = useQuery({
    queryKey: ['my-order-timeline', order.orderId, order.updatedAt],
    queryFn: () =>
      call<OrderTimeline>(tokens, 'GET', `/orders/${encodeURIComponent(order.orderId)}/timeline`),
    enabled: open,
  });
  const ended = ['Cancelled', 'Refunded', 'PartiallyRefunded', 'Completed', 'Rejected'].includes(
    order.status,
  );
  return (
    <li className={`account-card order-card${ended ? ' ended' : ''}`} data-order={order.orderId}>
      <div className="order-head">
        <h2>
          Order <span className="mono">{order.orderId}</span>
        </h2>
        <strong className="order-total">{money(order.total, order.currency)}</strong>
      </div>
      <p className="order-state" aria-live="polite">
        {order.state}
      </p>
      {order.next && <p className="order-next">{order.next}</p>}
      <p className="muted">Placed {when(order.placedAt)}</p>
      {order.canCancel !== false && !ended && (
        <div className="order-actions">
          {!confirming ? (
            <button type="button" onClick={() => setConfirming(true)}>
              Cancel this order
            </button>
          ) : (
            <div role="group" aria-label={`Cancel order ${order.orderId}?`} className="confirm">
              <p>
                {order.cancelFree
                  ? 'Cancel it? Nothing will be charged.'
                  : 'Cancel it? If you were charged, the money comes back to your card; goods already sent must come back first.'}
              </p>
              <button
                type="button"
                className="danger"
                disabled={cancel.isPending}
                onClick={() => cancel.mutate()}
              >
                Yes, cancel the order
              </button>
              <button type="button" onClick={() => setConfirming(false)}>
                Keep it
              </button>
            </div>
          )}
          {cancel.error && (
            <p className="error" role="alert">
              {cancel.error.message}
            </p>
          )}
        </div>
      )}
      <details onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
        <summary>What happened so far</summary>
        {timeline.data && (
          <ol className="account-timeline">
            {timeline.data.events.map((event, i) => (
              <li key={i}>
                <time dateTime={event.at}>{when(event.at)}</time> {event.detail}
              </li>
            ))}
          </ol>
        )}
      </details>
    </li>
  );
}

function Orders({ tokens }: { tokens: Tokens }) {
  const me = useQuery({
    queryKey: ['me'],
    queryFn: () => call<CustomerAnswer>(tokens, 'GET', '/customers/me'),
  });
  const orders = useQuery({
    queryKey: ['my-orders'],
    queryFn: () => call<{ orders: MyOrder[] }>(tokens, 'GET', '/orders'),
    // A new order and each step of it show up without a reload.
    refetchInterval: 2_000,
  });
  const signedOut = me.error instanceof SignedOut || orders.error instanceof SignedOut;
  useEffect(() => {
    // The token ran out while the page was open: renewed on the provider's session, once.
    if (signedOut && tokens.expiresAt <= Date.now() + 5_000 && renewable()) void signIn(true);
  }, [signedOut, tokens.expiresAt]);
  if (signedOut)
    return (
      <SignInCard problem="You were signed out (your password changed, or the sign-in is old). Sign in again." />
    );
  return (
    <>
      <header className="account-top">
        <p>
          Signed in as <strong>{me.data?.name ?? '…'}</strong>
          {me.data && <span className="muted"> ({me.data.email})</span>}
        </p>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <h1>Your orders</h1>
      {orders.isPending && <p className="loading">Loading your orders…</p>}
      {orders.error && !signedOut && (
        <p className="error" role="alert">
          {orders.error.message}
        </p>
      )}
      {orders.data && orders.data.orders.length === 0 && <p>No orders yet.</p>}
      <ul className="account-orders">
        {orders.data?.orders.map((order) => (
          <OrderCard key={order.orderId} order={order} tokens={tokens} />
        ))}
      </ul>
    </>
  );
}

function Account() {
  const [tokens, setTokens] = useState<Tokens | undefined>(currentTokens);
  const [problem, setProblem] = useState<string>();
  useEffect(() => {
    finishSignIn().then(
      (fresh) => {
        if (fresh) setTokens(fresh);
        // Its access token ran out (a quarter of an hour): renewed on the provider's session, once.
        else if (!currentTokens() && renewable()) void signIn(true);
      },
      (err: unknown) => setProblem(err instanceof Error ? err.message : String(err)),
    );
  }, []);
  return (
    <main id="main" className="account">
      <p className="account-brand">The shop</p>
      {tokens ? <Orders tokens={tokens} /> : <SignInCard problem={problem} />}
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <Account />
    </QueryClientProvider>
  </StrictMode>,
);
