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
  TimeoutFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { DeliveryState, TimelineEvent } from '../domain/process';
import { statusWords } from '../domain/words';
import { countStatusEntered, countSupportAlert } from './business-metrics';

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
  /**
   * Records one at a time, the newest view winning: a change made while a record is being written
   * is written next, and changes that pile up meanwhile are one write. For records made by a local
   * activity (no history events of their own), which must not race each other. The process also
   * waits at its end for a record made while it was finishing (a delivery refused at the last).
   */
  serialRecords?: boolean;
  /**
   * Deliveries are first sent with SIDE_EFFECT_ALERT_AFTER as their deadline, and the alert timer
   * starts only when that deadline passes with the delivery still failing: a delivery that succeeds
   * (nearly all) costs the engine no timer. Otherwise each delivery starts its own alert timer.
   */
  alertByDeadline?: boolean;
  /** Upserts only the search attributes whose value changes (those set at the start are not sent again). */
  upsertChangesOnly?: boolean;
}

/**
 * Sends a delivery: with `untilAlert`, by the activity whose retries stop at SIDE_EFFECT_ALERT_AFTER
 * (alertByDeadline); otherwise by the one retried without limit.
 */
export type Send = (untilAlert: boolean) => Promise<void>;

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
  /** serialRecords: the newest view not yet written, and whether a write is under way. */
  private unwritten?: { status: Status; version: number; view: unknown };
  private writing = false;
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

  /**
   * Moves the process to `status`: the view, the search attributes and the store (in the
   * background). With `record: false` the store is not written now: the caller knows the next status
   * follows in the same workflow task, and its record carries this one's timeline.
   */
  setStatus(status: Status, { record = true }: { record?: boolean } = {}): void {
    const { view, parts } = this;
    view.status = status;
    view.updatedAt = this.now();
    countStatusEntered(status);
    // One line per status change in the worker's log (replay-aware), with the workflow's trace ids.
    log.info(`status ${status}`, { status });
    this.note('status', `Status: ${statusWords(status)}`);
    // One upsert (one command) per status change, carrying the process's ids with its status.
    const attributes = parts.searchAttributes?.(status);
    const changed = attributes && parts.upsertChangesOnly ? attributes.filter(isChange) : attributes;
    if (changed?.length) upsertSearchAttributes(changed);
    if (record) this.recordView();
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
    const record = { status, version: this.version, view: JSON.parse(JSON.stringify(view)) as unknown };
    if (!this.parts.serialRecords) {
      this.inBackground(this.write(record));
      return;
    }
    this.unwritten = record;
    if (!this.writing) this.inBackground(this.writeInTurn());
  }

  /** Writes the newest unwritten record until none is left; one write at a time. */
  private async writeInTurn(): Promise<void> {
    this.writing = true;
    for (let next = this.unwritten; next; next = this.unwritten) {
      this.unwritten = undefined;
      await this.write(next);
    }
    this.writing = false;
  }

  private write(record: { status: Status; version: number; view: unknown }): Promise<void> {
    return this.parts.recordStatus(record).catch((err: unknown) => {
      log.error(`${this.parts.title.split(' ')[0]} status could not be recorded`, {
        status: record.status,
        error: String(err),
      });
    });
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
    countSupportAlert(kind);
    return this.parts.alertSupport({ kind, message, messageKey, data }).catch((err: unknown) => {
      log.error('support could not be alerted', { kind, error: String(err) });
    });
  }

  /**
   * Runs one delivery (an event, an email) in the background, independent of the others: retried
   * until it succeeds, support alerted once it has failed for SIDE_EFFECT_ALERT_AFTER, and told
   * at once if the peer refuses it for good (a 400 from SendGrid, say).
   */
  deliver(name: string, send: Send): void {
    const notifications = (this.view.notifications ??= {});
    notifications[name] = 'pending';
    this.inBackground(this.delivery(name, notifications, send));
  }

  private async delivery(
    name: string,
    notifications: Record<string, DeliveryState>,
    send: Send,
  ): Promise<void> {
    const { title, alertAfterMs } = this.parts;
    let outcome: Settled;
    if (!this.parts.alertByDeadline) {
      outcome = await this.settle(name, notifications, () => send(false), alertAfterMs);
    } else {
      const startedAt = Date.now();
      try {
        await send(true);
        outcome = { delayed: false };
      } catch (err) {
        // Still failing at its deadline: retried on without limit, and support is alerted once
        // SIDE_EFFECT_ALERT_AFTER has passed (the server stops a little early, before a backoff
        // that would overrun the deadline).
        outcome = isDeadlinePassed(err)
          ? await this.settle(
              name,
              notifications,
              () => send(false),
              Math.max(startedAt + alertAfterMs - Date.now(), 1),
            )
          : { failure: err, delayed: false };
      }
    }
    const { failure, delayed } = outcome;
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

  /** Sends, and alerts support if the delivery has not settled within `alertInMs`; its retries go on. */
  private async settle(
    name: string,
    notifications: Record<string, DeliveryState>,
    send: () => Promise<void>,
    alertInMs: number,
  ): Promise<Settled> {
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
    if (!(await condition(() => settled, alertInMs))) {
      delayed = true;
      notifications[name] = 'delayed';
      this.note('delivery', `${deliveryName(name)} keeps failing; retries go on and support was alerted`);
      this.record();
      await this.alert(
        'delivery_delayed',
        `${name} for ${this.parts.title} is still failing; retries go on`,
        {
          delivery: name,
        },
      );
    }
    await sending;
    return { failure, delayed };
  }

  /** Waits for every background delivery and status record, then hands back the final view. */
  async finish(): Promise<View> {
    this.explain('finished; the last events and emails are being delivered');
    if (!this.parts.serialRecords) {
      await Promise.all(this.background);
      return this.view;
    }
    // Work started while waiting (a delivery refused at the end records the view) is waited for too.
    for (let seen = 0; seen < this.background.length;) {
      const batch = this.background.slice(seen);
      seen = this.background.length;
      await Promise.all(batch);
    }
    return this.view;
  }
}

/** `email:order_confirmation` → `Email "order confirmation"`; `order.paid` → `Event order.paid`; `#2` → ` 2`. */
function deliveryName(name: string): string {
  // `email:confirmation_link#2` → `The email “confirmation link 2”`: the second of its kind;
  // `order.accepted` → `The news “order accepted” to the shop's systems`.
  const words = name.replace(/#(\d+)/, ' $1');
  return words.startsWith('email:')
    ? `The email “${words.slice('email:'.length).replace(/_/g, ' ')}”`
    : `The news “${words.replace(/[._]/g, ' ')}” to the shop's systems`;
}

/** How a delivery ended: its failure if refused for good, and whether support was told it was late. */
interface Settled {
  failure?: unknown;
  delayed: boolean;
}

/** The search attribute already holds this value (set at the start, or by an earlier upsert). */
function isChange(pair: SearchAttributeUpdatePair): boolean {
  return workflowInfo().typedSearchAttributes.get(pair.key) !== pair.value;
}

/**
 * An activity's deadline passed: an attempt timed out, or the server stopped retrying because the
 * next retry would land past the schedule-to-close deadline (the last failure then comes back with
 * retry state TIMEOUT).
 */
export function isDeadlinePassed(err: unknown): boolean {
  return (
    err instanceof ActivityFailure && (err.cause instanceof TimeoutFailure || err.retryState === 'TIMEOUT')
  );
}

export function describe(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
