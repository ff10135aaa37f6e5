/** The warehouse: paid orders to ship, and cancelled shipped orders whose goods are on their way back. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type OrderListItem } from '../api';
import { Done, ErrorNote, PagedCards, Section } from '../components';
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
  const toShip = useQueue('shipment');
  const returns = useQueue('return');
  const now = useNow();
  return (
    <main id="main" className="page">
      <h1>Warehouse</h1>
      <Section title="Paid orders to ship" id="ship-title">
        <PagedCards
          list={toShip}
          what="orders to ship"
          empty="Nothing to ship right now."
          label="Orders to ship"
          card={(o) => <ShipCard key={o.orderId} order={o} />}
        />
      </Section>
      <Section title="Returns on their way back" id="return-title">
        <PagedCards
          list={returns}
          what="returns"
          empty="No goods are awaited."
          label="Returns awaited"
          card={(o) => <ReturnCard key={o.orderId} order={o} now={now} />}
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
