/** The warehouse: paid orders to ship, and cancelled shipped orders whose goods are on their way back. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type OrderListItem } from '../api';
import { Done, Empty, ErrorNote, Loading, MoreButton, Section } from '../components';
import { money, relative, useNow, when } from '../format';
import { usePaged } from '../paged';

function useQueue(needs: 'shipment' | 'return') {
  return usePaged(
    ['orders', needs],
    (cursor) => api.orders({ needs, cursor }),
    (page) => page.orders,
  );
}

export function WarehousePage() {
  const { query: toShip, items: shipOrders } = useQueue('shipment');
  const { query: returns, items: returnOrders } = useQueue('return');
  const now = useNow();
  return (
    <main id="main" className="page">
      <h1>Warehouse</h1>
      <Section title="Paid orders to ship" id="ship-title">
        {toShip.isPending ? <Loading what="orders to ship" /> : null}
        <ErrorNote error={toShip.error} what="The orders to ship could not be loaded" />
        {toShip.data && shipOrders.length === 0 ? <Empty>Nothing to ship right now.</Empty> : null}
        <ul className="cards" aria-label="Orders to ship">
          {shipOrders.map((o) => (
            <ShipCard key={o.orderId} order={o} />
          ))}
        </ul>
        <MoreButton
          hasMore={!!toShip.hasNextPage}
          loading={toShip.isFetchingNextPage}
          onMore={() => void toShip.fetchNextPage()}
        />
      </Section>
      <Section title="Returns on their way back" id="return-title">
        {returns.isPending ? <Loading what="returns" /> : null}
        <ErrorNote error={returns.error} what="The returns could not be loaded" />
        {returns.data && returnOrders.length === 0 ? <Empty>No goods are awaited.</Empty> : null}
        <ul className="cards" aria-label="Returns awaited">
          {returnOrders.map((o) => (
            <ReturnCard key={o.orderId} order={o} now={now} />
          ))}
        </ul>
        <MoreButton
          hasMore={!!returns.hasNextPage}
          loading={returns.isFetchingNextPage}
          onMore={() => void returns.fetchNextPage()}
        />
      </Section>
    </main>
  );
}

function ShipCard({ order }: { order: OrderListItem }) {
  const queries = useQueryClient();
  const [tracking, setTracking] = useState('');
  const ship = useMutation({
    mutationFn: () => api.ship(order.orderId, tracking.trim() || undefined),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['orders'] }),
  });
  const field = `tracking-${order.orderId}`;
  return (
    <li className="card">
      <div className="card-body">
        <p className="card-title">
          <span>Order {order.orderId}</span>
          <span className="amount">{money(order.total, order.currency)}</span>
        </p>
        <p className="muted">
          Customer {order.customerId} · paid, waiting since {when(order.updatedAt)}
        </p>
        <form
          className="action inline"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            ship.mutate();
          }}
        >
          <label htmlFor={field}>Tracking number</label>
          <input id={field} value={tracking} onChange={(e) => setTracking(e.target.value)} />
          <button type="submit" disabled={ship.isPending || ship.isSuccess}>
            Record shipment
          </button>
        </form>
        <ErrorNote error={ship.error} what="The shipment was not recorded" />
        {ship.isSuccess ? <Done>Shipment recorded.</Done> : null}
      </div>
    </li>
  );
}

function ReturnCard({ order, now }: { order: OrderListItem; now: number }) {
  const queries = useQueryClient();
  const [original, setOriginal] = useState(true);
  const record = useMutation({
    mutationFn: () => api.recordReturn(order.orderId, original),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['orders'] }),
  });
  return (
    <li className="card">
      <div className="card-body">
        <p className="card-title">
          <span>Order {order.orderId}</span>
          <span className="amount">{money(order.total, order.currency)}</span>
        </p>
        {order.expectedBy ? (
          <p className="deadline">
            Awaited until {when(order.expectedBy)} ({relative(order.expectedBy, now)}); after that, no refund
          </p>
        ) : null}
        <form
          className="action inline"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            record.mutate();
          }}
        >
          <label className="check">
            <input type="checkbox" checked={original} onChange={(e) => setOriginal(e.target.checked)} />
            In the original packaging (full refund; otherwise less the restocking fee)
          </label>
          <button type="submit" disabled={record.isPending || record.isSuccess}>
            Record the return
          </button>
        </form>
        <ErrorNote error={record.error} what="The return was not recorded" />
        {record.isSuccess ? <Done>Return recorded; the refund follows.</Done> : null}
      </div>
    </li>
  );
}
