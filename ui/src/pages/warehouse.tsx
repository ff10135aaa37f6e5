/**
 * The warehouse: paid orders to ship, each with what goes in the parcel and where it goes (a packing
 * slip to print), the cancelled shipped orders whose goods are on their way back, and what was shipped
 * and taken back from this browser today.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type OrderListItem } from '../api';
import { Done, Empty, ErrorNote, OrderLines, PagedCards, Section } from '../components';
import { today, useDeviceLog } from '../device-log';
import { money, plural, relative, useNow, when } from '../format';
import { usePaged } from '../paged';

function useQueue(needs: 'shipment' | 'return') {
  return usePaged(
    ['orders', needs],
    (cursor) => api.orders({ needs, cursor }),
    (page) => page.orders,
  );
}

export function WarehousePage({ who }: { who: string }) {
  const toShip = useQueue('shipment');
  const returns = useQueue('return');
  const now = useNow(returns.items.map((o) => o.expectedBy));
  const [log, logged] = useDeviceLog(`warehouse:${who}`);
  const done = today(log, new Date(now));
  return (
    <main id="main" className="page" tabIndex={-1}>
      <h1>Warehouse</h1>
      <Section title="Paid orders to ship" id="ship-title">
        <PagedCards
          list={toShip}
          what="orders to ship"
          empty="Nothing to ship right now."
          label="Orders to ship"
          card={(o) => <ShipCard key={o.orderId} order={o} onShipped={logged} />}
        />
      </Section>
      <Section title="Returns on their way back" id="return-title">
        <PagedCards
          list={returns}
          what="returns"
          empty="No goods are awaited."
          label="Returns awaited"
          card={(o) => <ReturnCard key={o.orderId} order={o} now={now} onReceived={logged} />}
        />
      </Section>
      <Section title="Done here today" id="done-title">
        {done.length === 0 ? (
          <Empty>What you ship and take back today from this browser is listed here.</Empty>
        ) : (
          <ul className="decided" aria-label="Done here today">
            {done.map((entry, i) => (
              <li key={`${entry.at}-${i}`}>
                <time dateTime={entry.at}>{when(entry.at)}</time> {entry.what}
              </li>
            ))}
          </ul>
        )}
      </Section>
    </main>
  );
}

/** Who ordered it, for the card's first line: the name when the storefront gave one. */
function customerOf(order: OrderListItem): string {
  return order.customerName ? `${order.customerName} (${order.customerId})` : `Customer ${order.customerId}`;
}

/** What goes in the parcel and where it goes. */
function Parcel({ order }: { order: OrderListItem }) {
  const address = order.shippingAddress;
  return (
    <div className="parcel">
      <OrderLines orderId={order.orderId} items={order.items} />
      {address ? (
        <address role="group" aria-label={`Ship to, order ${order.orderId}`}>
          {address.name}
          <br />
          {address.line1}
          {address.line2 ? (
            <>
              <br />
              {address.line2}
            </>
          ) : null}
          <br />
          {address.postalCode} {address.city}
          <br />
          {regionName(address.country)}
        </address>
      ) : (
        <p className="warn">No shipping address on this order: ask support before packing it.</p>
      )}
    </div>
  );
}

function regionName(code: string): string {
  try {
    return new Intl.DisplayNames(['en-GB'], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

function ShipCard({ order, onShipped }: { order: OrderListItem; onShipped: (what: string) => void }) {
  const queries = useQueryClient();
  const [tracking, setTracking] = useState('');
  const [packing, setPacking] = useState(false);
  const ship = useMutation({
    mutationFn: () => api.ship(order.orderId, tracking.trim() || undefined),
    onSuccess: async () => {
      const count = (order.items ?? []).reduce((sum, line) => sum + line.quantity, 0);
      // Order ids and counts only: this browser keeps no one's name or address.
      onShipped(
        `Shipped order ${order.orderId} (${plural(count, 'item')})${tracking.trim() ? `, tracking ${tracking.trim()}` : ''}`,
      );
      await queries.invalidateQueries({ queryKey: ['orders'] });
    },
  });
  const field = `tracking-${order.orderId}`;
  return (
    <li className={`card${packing ? ' packing' : ''}`}>
      <div className="card-body">
        <p className="card-title">
          <span>Order {order.orderId}</span>
          <span className="amount">{money(order.total, order.currency)}</span>
        </p>
        <p className="muted">
          {customerOf(order)} · paid, waiting since {when(order.updatedAt)}
        </p>
        <Parcel order={order} />
        <div className="row">
          <button
            type="button"
            className="secondary"
            aria-expanded={packing}
            onClick={() => setPacking(!packing)}
          >
            {packing ? 'Close the packing slip' : 'Packing slip'}
          </button>
          {packing ? (
            <button type="button" className="secondary" onClick={() => window.print()}>
              Print it
            </button>
          ) : null}
        </div>
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

function ReturnCard({
  order,
  now,
  onReceived,
}: {
  order: OrderListItem;
  now: number;
  onReceived: (what: string) => void;
}) {
  const queries = useQueryClient();
  const [original, setOriginal] = useState(true);
  const record = useMutation({
    mutationFn: () => api.recordReturn(order.orderId, original),
    onSuccess: async () => {
      onReceived(
        `Took back order ${order.orderId} ${original ? 'in its original packaging' : 'without its original packaging'}`,
      );
      await queries.invalidateQueries({ queryKey: ['orders'] });
    },
  });
  return (
    <li className="card">
      <div className="card-body">
        <p className="card-title">
          <span>Order {order.orderId}</span>
          <span className="amount">{money(order.total, order.currency)}</span>
        </p>
        <p className="muted">{customerOf(order)}</p>
        <Parcel order={order} />
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
