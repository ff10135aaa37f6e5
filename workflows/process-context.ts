/**
 * What every business process does the same way, whatever the process: it keeps a view (what its
 * query answers), moves it from status to status (the view, the app's store and the Temporal UI's
 * search attributes), adds steps to its timeline, and owes the world events and emails. Each of
 * those deliveries runs in the background, retried until it succeeds; one that keeps failing for
 * SIDE_EFFECT_ALERT_AFTER alerts support while its retries go on, one a peer refuses for good
 * alerts support at once, and the process finishes only once every delivery has settled.
 *
 * Workflow code: deterministic, no I/O of its own. Each process passes its own activities in.
 */
import {
  ActivityFailure,
  condition,
  log,
  setCurrentDetails,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { DeliveryState, TimelineEvent } from '../domain/process';

/** What a process's view must carry for the context to keep it. */
export interface ProcessView<Status extends string> {
  status?: Status;
  updatedAt: string;
  notifications?: Record<string, DeliveryState>;
  timeline?: TimelineEvent[];
}

export type AlertKind = 'delivery_delayed' | 'delivery_failed' | (string & {});

/** A process's own parts: how it is named, recorded, listed and how it reaches support. */
export interface ProcessParts<Status extends string> {
  /** The process's id in message keys: the order id, the leave request id. */
  key: string;
  /** The process in words, for alerts: `order 42`, `leave request r-7`. */
  title: string;
  /** SIDE_EFFECT_ALERT_AFTER. */
  alertAfterMs: number;
  /** The search attributes to upsert with each status; none for histories that never kept them. */
  searchAttributes?: (status: Status) => SearchAttributeUpdatePair[];
  /** Records the view in the app's store (an activity); `version` orders the records. */
  recordStatus(record: { status: Status; version: number; view: unknown }): Promise<void>;
  /** Tells support (an activity); `messageKey` is identical on every retry of one alert. */
  alertSupport(alert: {
    kind: AlertKind;
    message: string;
    messageKey: string;
    data?: Record<string, unknown>;
  }): Promise<void>;
  /** Whether the view keeps a timeline: status changes and deliveries are noted in it (the order's does). */
  keepsTimeline?: boolean;
  /** Whether the view is recorded when a delivery's state changes without a status change. */
  recordsEveryChange?: boolean;
}

/** Adds a step to a view's timeline, at workflow time (deterministic: replays rebuild it). */
export function note(
  view: { timeline?: TimelineEvent[] },
  kind: string,
  detail: string,
  actor?: string,
  at?: string,
): void {
  const event: TimelineEvent = { at: at ?? new Date().toISOString(), kind, detail };
  if (actor) event.actor = actor;
  (view.timeline ??= []).push(event);
}

export class ProcessContext<Status extends string, View extends ProcessView<Status>> {
  private version = 0;
  private readonly background: Promise<void>[] = [];
  private readonly alertCounts = new Map<string, number>();

  constructor(
    readonly view: View,
    private readonly parts: ProcessParts<Status>,
  ) {}

  now(): string {
    return new Date().toISOString();
  }

  /** Workflow time plus `ms`, as an ISO timestamp. */
  after(ms: number): string {
    return new Date(Date.now() + ms).toISOString();
  }

  /** Moves the process to `status`: the view, the search attributes and the store (in the background). */
  setStatus(status: Status): void {
    const { view, parts } = this;
    view.status = status;
    view.updatedAt = this.now();
    this.note('status', `The ${parts.title.split(' ')[0]} is ${status}`);
    // One upsert (one command) per status change, carrying the process's ids with its status.
    const attributes = parts.searchAttributes?.(status);
    if (attributes) upsertSearchAttributes(attributes);
    this.recordView();
  }

  /** Adds a step to the timeline, for a process whose view keeps one. */
  note(kind: string, detail: string, actor?: string): void {
    if (this.parts.keepsTimeline) note(this.view, kind, detail, actor);
  }

  /**
   * Records the view although the status stays: what a work queue shows has changed (a manager
   * answered, a delivery keeps failing, goods are awaited). Only where the process records every change.
   */
  record(): void {
    if (!this.parts.recordsEveryChange) return;
    this.view.updatedAt = this.now();
    this.recordView();
  }

  private recordView(): void {
    const { view } = this;
    const status = view.status!;
    this.version += 1;
    const snapshot = JSON.parse(JSON.stringify(view)) as unknown;
    this.inBackground(
      this.parts.recordStatus({ status, version: this.version, view: snapshot }).catch((err: unknown) => {
        log.error(`${this.parts.title.split(' ')[0]} status could not be recorded`, {
          status,
          error: String(err),
        });
      }),
    );
  }

  /**
   * What the process is waiting for, in words: the Temporal UI shows it as the workflow's current
   * details, so an engineer sees where it is and why without decoding JSON. Not a command: it
   * changes nothing in the history.
   */
  explain(details: string): void {
    setCurrentDetails(`${this.view.status ?? 'Starting'}: ${details}`);
  }

  /** Work the process must see finished before it ends, but need not wait for now. */
  inBackground(work: Promise<void>): void {
    this.background.push(work);
  }

  /** Tells support; the n-th alert of a kind has its own key, so retries of it are one alert. */
  alert(kind: AlertKind, message: string, data?: Record<string, unknown>): Promise<void> {
    const count = (this.alertCounts.get(kind) ?? 0) + 1;
    this.alertCounts.set(kind, count);
    const messageKey = `${this.parts.key}:alert:${kind}:${count}`;
    return this.parts.alertSupport({ kind, message, messageKey, data }).catch((err: unknown) => {
      log.error('support could not be alerted', { kind, error: String(err) });
    });
  }

  /**
   * Runs one delivery (an event, an email) in the background, independent of the others: retried
   * until it succeeds, support alerted once it has failed for SIDE_EFFECT_ALERT_AFTER, and told
   * at once if the peer refuses it for good (a 400 from SendGrid, say).
   */
  deliver(name: string, send: () => Promise<void>): void {
    const notifications = (this.view.notifications ??= {});
    notifications[name] = 'pending';
    this.inBackground(this.delivery(name, notifications, send));
  }

  private async delivery(
    name: string,
    notifications: Record<string, DeliveryState>,
    send: () => Promise<void>,
  ): Promise<void> {
    const { title, alertAfterMs } = this.parts;
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
    if (!(await condition(() => settled, alertAfterMs))) {
      delayed = true;
      notifications[name] = 'delayed';
      this.note('delivery', `${deliveryName(name)} keeps failing; retries go on and support was alerted`);
      this.record();
      await this.alert('delivery_delayed', `${name} for ${title} is still failing; retries go on`, {
        delivery: name,
      });
    }
    await sending;
    if (failure === undefined) {
      notifications[name] = 'delivered';
      this.note('delivery', `${deliveryName(name)} delivered`);
      if (delayed) this.record();
      return;
    }
    notifications[name] = 'failed';
    this.note('delivery', `${deliveryName(name)} was refused for good: ${describe(failure)}`);
    this.record();
    await this.alert('delivery_failed', `${name} for ${title} was refused: ${describe(failure)}`, {
      delivery: name,
    });
  }

  /** Waits for every background delivery and status record, then hands back the final view. */
  async finish(): Promise<View> {
    this.explain('finished; the last events and emails are being delivered');
    await Promise.all(this.background);
    return this.view;
  }
}

/** `email:order_confirmation` → `Email "order confirmation"`; `order.paid` → `Event order.paid`; `#2` → ` 2`. */
function deliveryName(name: string): string {
  // `email:confirmation_link#2` → `Email "confirmation link 2"`: the second of its kind.
  const words = name.replace(/#(\d+)/, ' $1');
  return words.startsWith('email:')
    ? `Email "${words.slice('email:'.length).replace(/_/g, ' ')}"`
    : `Event ${words}`;
}

export function describe(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
