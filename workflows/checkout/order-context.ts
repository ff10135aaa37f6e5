/**
 * What every stage of an order's process shares: the order, what it knows so far (the view its
 * query answers), and the ways it speaks to the world — status records, events, emails, alerts —
 * each an activity with its own retry policy, run in the background so one outage never holds up
 * another. Workflow code: deterministic, no I/O of its own.
 */
import {
  ActivityFailure,
  condition,
  log,
  proxyActivities,
  setCurrentDetails,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { CheckoutActivities, CustomerEmailKind, SupportAlert } from '../../activities/checkout/types';
import type { CheckoutSettings } from '../../config/settings';
import { orderEventMessageId } from '../../domain/keys';
import type { OrderStatus, OrderView, PlacedOrder, TimelineEvent } from '../../domain/order';
import { customerIdSearchAttribute, orderIdSearchAttribute, orderStatusSearchAttribute } from './messages';

/** Bookkeeping in our own database: retried until it succeeds. */
export const store = proxyActivities<CheckoutActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** Stripe: transient failures retried without limit; a decline comes back as a business outcome. */
export const payments = proxyActivities<CheckoutActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5m' },
});

/** Events, emails and alerts: retried without limit; nothing is dropped. */
export const deliveries = proxyActivities<CheckoutActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '2m' },
});

/**
 * Records the view when something a work queue shows changes without a status change (a manager's
 * answer, a delivery failing, goods awaited). Orders whose histories lack the marker keep recording
 * on status changes only.
 */
export const BACK_OFFICE_PATCH = 'back-office-records';

/** Adds a step to the order's timeline, at workflow time (deterministic: replays rebuild it). */
export function note(view: OrderView, kind: string, detail: string, actor?: string, at?: string): void {
  const event: TimelineEvent = { at: at ?? new Date().toISOString(), kind, detail };
  if (actor) event.actor = actor;
  (view.timeline ??= []).push(event);
}

export class OrderContext {
  readonly view: OrderView;
  private version = 0;
  private readonly background: Promise<void>[] = [];
  private readonly alertCounts = new Map<string, number>();

  constructor(
    readonly order: PlacedOrder,
    readonly settings: CheckoutSettings,
    view: OrderView,
    /** False for orders started before acceptance existed: their histories have no upserts. */
    private readonly keepsSearchAttributes: boolean,
    /** False for orders started before the back office: they record on status changes only. */
    private readonly recordsEveryChange = false,
  ) {
    this.view = view;
  }

  now(): string {
    return new Date().toISOString();
  }

  /** Workflow time plus `ms`, as an ISO timestamp. */
  after(ms: number): string {
    return new Date(Date.now() + ms).toISOString();
  }

  /** Moves the order to `status`: the view, the store (in the background) and the UI's search attribute. */
  setStatus(status: OrderStatus): void {
    const { view, order } = this;
    view.status = status;
    view.updatedAt = this.now();
    note(view, 'status', `The order is ${status}`);
    if (this.keepsSearchAttributes) {
      // One upsert (one command) per status change, carrying the order's ids with its status.
      upsertSearchAttributes([
        { key: orderStatusSearchAttribute, value: status },
        { key: orderIdSearchAttribute, value: order.orderId },
        { key: customerIdSearchAttribute, value: order.customer.id },
      ]);
    }
    this.recordView();
  }

  /** Adds a step to the timeline. */
  note(kind: string, detail: string, actor?: string): void {
    note(this.view, kind, detail, actor);
  }

  /**
   * Records the view although the status stays: what a work queue shows has changed (a manager
   * answered, a delivery keeps failing, goods are awaited). Only on histories with the marker.
   */
  record(): void {
    if (!this.recordsEveryChange) return;
    this.view.updatedAt = this.now();
    this.recordView();
  }

  private recordView(): void {
    const { view, order } = this;
    this.version += 1;
    const record = {
      orderId: order.orderId,
      status: view.status,
      version: this.version,
      view: JSON.parse(JSON.stringify(view)) as OrderView,
    };
    this.inBackground(
      store.recordOrderStatus(record).catch((err: unknown) => {
        log.error('order status could not be recorded', { status: view.status, error: String(err) });
      }),
    );
  }

  /**
   * What the order is waiting for, in words: the Temporal UI shows it as the workflow's current
   * details, so an engineer sees where an order is and why without decoding JSON. Not a command:
   * it changes nothing in the history.
   */
  explain(details: string): void {
    setCurrentDetails(`${this.view.status}: ${details}`);
  }

  /** Work the process must see finished before it ends, but need not wait for now. */
  inBackground(work: Promise<void>): void {
    this.background.push(work);
  }

  alert(kind: SupportAlert['kind'], message: string, data?: Record<string, unknown>): Promise<void> {
    const { orderId } = this.order;
    const count = (this.alertCounts.get(kind) ?? 0) + 1;
    this.alertCounts.set(kind, count);
    const messageKey = `${orderId}:alert:${kind}:${count}`;
    return deliveries.alertSupport({ orderId, kind, message, messageKey, data }).catch((err: unknown) => {
      log.error('support could not be alerted', { kind, error: String(err) });
    });
  }

  /**
   * Runs one side effect in the background, independent of the others: retried until it
   * succeeds, support alerted once it has failed for SIDE_EFFECT_ALERT_AFTER, and told at once if
   * the peer refuses it for good (a 400 from SendGrid, say).
   */
  deliver(name: string, send: () => Promise<void>): void {
    const { view, order, settings } = this;
    view.notifications[name] = 'pending';
    this.inBackground(
      (async () => {
        let settled = false;
        let failure: unknown;
        const sending = send().then(
          () => {
            settled = true;
          },
          (err: unknown) => {
            settled = true;
            failure = err;
          },
        );
        let delayed = false;
        if (!(await condition(() => settled, settings.sideEffectAlertAfterMs))) {
          delayed = true;
          view.notifications[name] = 'delayed';
          this.note('delivery', `${deliveryName(name)} keeps failing; retries go on and support was alerted`);
          this.record();
          await this.alert(
            'delivery_delayed',
            `${name} for order ${order.orderId} is still failing; retries go on`,
            { delivery: name },
          );
        }
        await sending;
        if (failure === undefined) {
          view.notifications[name] = 'delivered';
          this.note('delivery', `${deliveryName(name)} delivered`);
          if (delayed) this.record();
          return;
        }
        view.notifications[name] = 'failed';
        this.note('delivery', `${deliveryName(name)} was refused for good: ${describe(failure)}`);
        this.record();
        await this.alert(
          'delivery_failed',
          `${name} for order ${order.orderId} was refused: ${describe(failure)}`,
          {
            delivery: name,
          },
        );
      })(),
    );
  }

  publish(type: string, data: Record<string, unknown> = {}, occurrence = 1): void {
    const { order, view } = this;
    const messageId = orderEventMessageId(order.orderId, type, occurrence);
    this.deliver(occurrence === 1 ? type : `${type}#${occurrence}`, () =>
      deliveries.publishOrderEvent({
        type,
        orderId: order.orderId,
        messageId,
        occurredAt: this.now(),
        data: {
          orderId: order.orderId,
          status: view.status,
          total: view.total,
          currency: view.currency,
          ...data,
        },
      }),
    );
  }

  emailCustomer(kind: CustomerEmailKind, data: Record<string, unknown> = {}): void {
    const { order, view } = this;
    this.deliver(`email:${kind}`, () =>
      deliveries.emailCustomer({
        kind,
        orderId: order.orderId,
        to: order.customer.email,
        messageKey: `${order.orderId}:email:${kind}`,
        data: { orderId: order.orderId, total: view.total, currency: view.currency, ...data },
      }),
    );
  }

  /** Waits for every background delivery and status record, then hands back the final view. */
  async finish(): Promise<OrderView> {
    this.explain('finished; the last events and emails are being delivered');
    await Promise.all(this.background);
    return this.view;
  }
}

/** `email:order_confirmation` → `Email "order confirmation"`; `order.paid` → `Event order.paid`. */
function deliveryName(name: string): string {
  return name.startsWith('email:')
    ? `Email "${name.slice('email:'.length).replace(/_/g, ' ')}"`
    : `Event ${name}`;
}

export function describe(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
