/**
 * Replays the stored histories of real order, leave and registration runs against the current workflow code: a change
 * that would break orders already running fails here. Refresh the current ones with
 * `npm run histories:capture`; never refresh the ones under a folder named for a past version
 * (`before-acceptance/`, `before-money-edges/`, `before-back-office/`, `before-leave-alerts/`,
 * `before-lean-checkout/`, `before-checkout-revisions/`, `before-order-settings/`,
 * `before-one-payment-intent/`, `before-registration-sign-ups/`): they stand for processes
 * started by that version and
 * still open.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import {
  LEAN_CHECKOUT_PATCH,
  ORDER_ACCEPTANCE_PATCH,
  PAYMENT_OUTCOMES_PATCH,
} from '../../workflows/checkout/workflow';
import { LEAVE_DELIVERY_ALERTS_PATCH, LEAVE_EDGES_PATCH } from '../../workflows/leave/workflow';
import { BACK_OFFICE_PATCH } from '../../workflows/checkout/context';
import { CHECKOUT_REVISION } from '../../workflows/checkout/messages';
import { ONE_PAYMENT_INTENT_PATCH } from '../../workflows/checkout/payment';
import { LINKS_BY_ADDRESS_PATCH } from '../../workflows/registration/workflow';
import { workflowBundle } from '../helpers/temporal';

const dir = path.join(__dirname, '..', 'histories');

function historyFiles(folder: string): string[] {
  return fs
    .readdirSync(folder, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) return historyFiles(full);
      return entry.name.endsWith('.json') ? [path.relative(dir, full)] : [];
    })
    .sort();
}

const files = historyFiles(dir);
const legacy = files.filter((f) => f.startsWith(`before-acceptance${path.sep}`));
/** Histories of processes started before the payment deadline, refund outcomes and leave edges existed. */
const beforeEdges = files.filter((f) => f.startsWith(`before-money-edges${path.sep}`));
/** Orders started before the back office: they record their view on status changes only. */
const beforeBackOffice = files.filter((f) => f.startsWith(`before-back-office${path.sep}`));
/** Leave requests started before leave's deliveries went through the shared process context. */
const beforeLeaveAlerts = files.filter((f) => f.startsWith(`before-leave-alerts${path.sep}`));
/** Orders started before the lean checkout: store writes as activities, an alert timer per delivery. */
const beforeLean = files.filter((f) => f.startsWith(`before-lean-checkout${path.sep}`));
/** Orders started before checkout revisions: their input carries none (revision 1). */
const beforeRevisions = files.filter((f) => f.startsWith(`before-checkout-revisions${path.sep}`));
/** Orders started before the API sent the settings an order is placed under: the worker's are read. */
const beforeOrderSettings = files.filter((f) => f.startsWith(`before-order-settings${path.sep}`));
/** Orders that reached payment before the one PaymentIntent: a PaymentIntent created and confirmed per attempt. */
const beforeOnePaymentIntent = files.filter((f) => f.startsWith(`before-one-payment-intent${path.sep}`));
/** Registrations started before each sign-up was its own: their links were sent without asking the address's limits. */
const beforeSignUps = files.filter((f) => f.startsWith(`before-registration-sign-ups${path.sep}`));
const current = files.filter((f) => !f.includes(path.sep));
const isLeave = (f: string): boolean => path.basename(f).startsWith('leave-');
const isRegistration = (f: string): boolean => path.basename(f).startsWith('registration-');
const isBulkAction = (f: string): boolean => path.basename(f).startsWith('bulk-action-');
const isPasswordReset = (f: string): boolean => path.basename(f).startsWith('password-reset-');
const isOrder = (f: string): boolean =>
  !isLeave(f) && !isRegistration(f) && !isBulkAction(f) && !isPasswordReset(f);

interface StoredEvent {
  workflowExecutionStartedEventAttributes?: { input?: { payloads?: { data?: string }[] } };
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
  markerRecordedEventAttributes?: {
    markerName?: string;
    details?: Record<string, { payloads?: { data?: string }[] }>;
  };
}

/** The patch ids a history's markers recorded (taken by code that called `patched`). */
function patchesOf(file: string): string[] {
  const { events } = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { events: StoredEvent[] };
  return events.flatMap((e) => {
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_patch') return [];
    const data = marker.details?.['patch-data']?.payloads?.[0]?.data;
    return data ? [(JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { id: string }).id] : [];
  });
}

/** The activities a history scheduled, by type. */
function activitiesOf(file: string): string[] {
  const { events } = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { events: StoredEvent[] };
  return events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
}

/** A checkout's input, as its history's first event carries it. */
function checkoutInputOf(file: string): { revision?: number; settings?: unknown } {
  const { events } = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { events: StoredEvent[] };
  const data = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
  return data ? (JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as object) : {};
}

/** The checkout revision an order started on, from its input (CHECKOUT_REVISION); 1 without one. */
function revisionOf(file: string): number {
  return checkoutInputOf(file).revision ?? 1;
}

/** The patches a lean order takes without their markers: LEAN_CHECKOUT_PATCH's one stands for them. */
const IMPLIED_BY_LEAN = [ORDER_ACCEPTANCE_PATCH, BACK_OFFICE_PATCH, PAYMENT_OUTCOMES_PATCH];

/** Whether the code took `patch`'s new path in this history: its marker, or the lean order's. */
function takenWith(file: string, patch: string): boolean {
  const patches = patchesOf(file);
  return (
    patches.includes(patch) || (IMPLIED_BY_LEAN.includes(patch) && patches.includes(LEAN_CHECKOUT_PATCH))
  );
}

function hasAcceptancePatch(file: string): boolean {
  return takenWith(file, ORDER_ACCEPTANCE_PATCH);
}

describe('replay of stored histories', () => {
  it('has histories from before acceptance and from the current code', () => {
    assert.ok(legacy.length >= 4, `expected the before-acceptance histories, found ${legacy.length}`);
    assert.ok(current.length >= 8, `expected current histories, found ${current.length}`);
    assert.ok(
      current.filter((f) => f.startsWith('leave-')).length >= 5,
      'expected leave histories (leave-*.json)',
    );
    assert.ok(
      current.filter(isRegistration).length >= 3,
      'expected registration histories (registration-*.json): confirmed, lapsed, resent',
    );
  });

  it('covers both sides of the acceptance patch', () => {
    for (const file of legacy) assert.equal(hasAcceptancePatch(file), false, `${file} predates the patch`);
    for (const file of [...current, ...beforeEdges].filter(isOrder)) {
      assert.equal(hasAcceptancePatch(file), true, `${file} was taken with the patch`);
    }
  });

  it('covers both sides of the payment-outcomes and leave-edges patches', () => {
    const edges = [PAYMENT_OUTCOMES_PATCH, LEAVE_EDGES_PATCH];
    assert.ok(
      beforeEdges.length >= 8,
      `expected the before-money-edges histories, found ${beforeEdges.length}`,
    );
    for (const file of beforeEdges) {
      assert.deepEqual(
        patchesOf(file).filter((p) => edges.includes(p)),
        [],
        `${file} predates the patches`,
      );
    }
    for (const patch of edges) {
      const taken = current.filter((f) => takenWith(f, patch));
      assert.ok(taken.length >= 2, `current histories taken with ${patch}: ${taken.join(', ')}`);
    }
  });

  it('covers both sides of the back-office patch', () => {
    assert.ok(
      beforeBackOffice.length >= 8,
      `expected the before-back-office histories, found ${beforeBackOffice.length}`,
    );
    for (const file of beforeBackOffice) {
      assert.equal(patchesOf(file).includes(BACK_OFFICE_PATCH), false, `${file} predates the patch`);
    }
    const orders = current.filter(isOrder);
    for (const file of orders) {
      assert.equal(takenWith(file, BACK_OFFICE_PATCH), true, `${file} was taken with the patch`);
    }
  });

  it('covers both sides of the lean-checkout patch', () => {
    assert.ok(
      beforeLean.length >= 12,
      `expected the before-lean-checkout histories, found ${beforeLean.length}`,
    );
    for (const file of beforeLean) {
      assert.equal(patchesOf(file).includes(LEAN_CHECKOUT_PATCH), false, `${file} predates the patch`);
    }
    for (const file of current.filter(isOrder)) {
      assert.equal(patchesOf(file).includes(LEAN_CHECKOUT_PATCH), true, `${file} was taken with the patch`);
      // The one marker stands for the three before it.
      for (const implied of IMPLIED_BY_LEAN) assert.equal(patchesOf(file).includes(implied), false, file);
    }
  });

  it('covers both sides of checkout revision 2 (one first record at a remorse window of 0)', () => {
    assert.ok(beforeRevisions.length >= 1, 'expected the before-checkout-revisions histories');
    for (const file of beforeRevisions) assert.equal(revisionOf(file), 1, `${file} predates revision 2`);
    const revised = current.filter((f) => isOrder(f) && revisionOf(f) >= 2);
    assert.ok(
      revised.some((f) => f.includes('window-0')),
      `a current order at a window of 0 on revision ${CHECKOUT_REVISION}: ${revised.join(', ')}`,
    );
  });

  it("covers both sides of the order's settings in its input (no local activity to read the worker's)", () => {
    assert.ok(beforeOrderSettings.length >= 1, 'expected the before-order-settings histories');
    for (const file of beforeOrderSettings) {
      assert.equal(checkoutInputOf(file).settings, undefined, `${file} was started without settings`);
      assert.equal(revisionOf(file), 2, `${file} is on the revision of its time otherwise`);
    }
    const placedUnder = current.filter((f) => isOrder(f) && checkoutInputOf(f).settings !== undefined);
    assert.ok(
      placedUnder.some((f) => f.includes('window-0')),
      `a current order at a window of 0 started with its settings: ${placedUnder.join(', ')}`,
    );
  });

  it('covers both sides of the one PaymentIntent (checkout revision 3, or the patch marker on orders without it)', () => {
    const charged = (f: string) =>
      activitiesOf(f).some((a) => a === 'chargePayment' || a === 'confirmPaymentIntent');
    assert.ok(
      beforeOnePaymentIntent.length >= 9,
      `expected the before-one-payment-intent histories, found ${beforeOnePaymentIntent.length}`,
    );
    for (const file of beforeOnePaymentIntent) {
      assert.equal(patchesOf(file).includes(ONE_PAYMENT_INTENT_PATCH), false, `${file} predates the patch`);
      assert.ok(revisionOf(file) < 3, `${file} predates revision 3`);
      assert.ok(
        activitiesOf(file).includes('chargePayment'),
        `${file} charged with a PaymentIntent per attempt`,
      );
      assert.ok(!activitiesOf(file).includes('openPaymentIntent'), file);
    }
    const paying = current.filter((f) => isOrder(f) && charged(f));
    assert.ok(paying.length >= 9, `current orders that reached payment: ${paying.join(', ')}`);
    for (const file of paying) {
      const byRevision = revisionOf(file) >= 3;
      assert.notEqual(
        byRevision,
        patchesOf(file).includes(ONE_PAYMENT_INTENT_PATCH),
        `${file}: by revision ${CHECKOUT_REVISION} or by the marker, never both`,
      );
      assert.ok(
        activitiesOf(file).includes('openPaymentIntent'),
        `${file} created the order's PaymentIntent`,
      );
      assert.ok(
        !activitiesOf(file).includes('chargePayment'),
        `${file} confirmed it, created none per attempt`,
      );
    }
    assert.ok(
      paying.some((f) => revisionOf(f) >= 3),
      'an order on revision 3 (no marker)',
    );
    assert.ok(
      paying.some((f) => patchesOf(f).includes(ONE_PAYMENT_INTENT_PATCH)),
      'an order without revision 3, by the marker',
    );
  });

  it('covers both sides of the leave delivery-alerts patch', () => {
    assert.ok(
      beforeLeaveAlerts.length >= 5,
      `expected the before-leave-alerts histories, found ${beforeLeaveAlerts.length}`,
    );
    for (const file of beforeLeaveAlerts) {
      assert.equal(
        patchesOf(file).includes(LEAVE_DELIVERY_ALERTS_PATCH),
        false,
        `${file} predates the patch`,
      );
    }
    for (const file of current.filter(isLeave)) {
      assert.equal(
        patchesOf(file).includes(LEAVE_DELIVERY_ALERTS_PATCH),
        true,
        `${file} was taken with the patch`,
      );
    }
  });

  it("covers both sides of the registration's links-by-address patch (each sign-up its own, one address's links limited together)", () => {
    assert.ok(beforeSignUps.length >= 3, 'expected the before-registration-sign-ups histories');
    for (const file of beforeSignUps) {
      assert.equal(patchesOf(file).includes(LINKS_BY_ADDRESS_PATCH), false, `${file} predates the patch`);
    }
    const registrations = current.filter(isRegistration);
    for (const file of registrations) {
      assert.equal(
        patchesOf(file).includes(LINKS_BY_ADDRESS_PATCH),
        true,
        `${file} was taken with the patch`,
      );
    }
    for (const name of [
      'registration-confirmed-closing-another.json',
      'registration-closed-by-another.json',
    ]) {
      assert.ok(
        registrations.includes(name),
        `expected ${name}: the winner closing the address's other sign-up`,
      );
    }
  });

  it('has histories in which the processes took updates (a decision, an authorization, a retry)', () => {
    const withUpdates = current.filter((f) =>
      fs.readFileSync(path.join(dir, f), 'utf8').includes('workflowExecutionUpdateAcceptedEventAttributes'),
    );
    assert.ok(withUpdates.length >= 3, `histories with updates: ${withUpdates.join(', ')}`);
  });

  for (const file of files) {
    it(`replays ${file}`, async () => {
      const history = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as unknown;
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file);
    });
  }
});
