/**
 * What the fault tests read and assert about the processes they break: the development adapters'
 * records, facts delivered at least once under one messageId, one key per charge; and where the
 * figures go. Starting and killing the processes is scripts/processes.ts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export * from '../../scripts/processes';

const root = path.resolve(__dirname, '..', '..');

/** What the development adapters recorded in `<outbox>/<name>.jsonl` (payments, emails, events). */
export function recorded(outbox: string, name: 'payments' | 'emails' | 'events'): Record<string, unknown>[] {
  const file = path.join(outbox, `${name}.jsonl`);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * Delivery is at least once: a publish whose completion was lost (a worker or server killed at the
 * wrong moment) is sent again under the same messageId, and consumers drop the repeat. So, read as
 * a consumer reads them: the messageIds are exactly the expected facts (none lost, none published
 * under a second id), and every repeat is the same message. Returns how many repeats there were.
 */
export function assertEachFactOnce(events: Record<string, unknown>[], expected: string[]): number {
  const byId = new Map<string, Record<string, unknown>[]>();
  for (const event of events) {
    const id = String(event.messageId);
    byId.set(id, [...(byId.get(id) ?? []), event]);
  }
  assert.deepEqual(
    [...byId.keys()].sort(),
    [...expected].sort(),
    'every fact published, under one messageId',
  );
  for (const [id, copies] of byId) {
    // recordedAt is when the development adapter wrote the line, not part of the message.
    const [first, ...repeats] = copies.map(({ recordedAt: _, ...message }) => message);
    for (const repeat of repeats) assert.deepEqual(repeat, first, `a repeat of ${id} is the same message`);
  }
  return events.length - byId.size;
}

/** The orders that were charged, each asserted to have used the one idempotency key of its charge. */
export function chargedOrders(payments: Record<string, unknown>[]): string[] {
  const keys = new Map<string, Set<string>>();
  for (const p of payments.filter((p) => p.action === 'charge')) {
    const orderId = String(p.orderId);
    keys.set(orderId, (keys.get(orderId) ?? new Set()).add(String(p.idempotencyKey)));
  }
  for (const [orderId, used] of keys) {
    assert.deepEqual([...used], [`order-${orderId}-charge-1`], `${orderId}: one key for its charge`);
  }
  return [...keys.keys()].sort();
}

/** Writes a suite's figures to reliability/results/<name>.json (RELIABILITY.md quotes them) and logs them. */
export function reportFigures(name: string, figures: Record<string, unknown>): void {
  const dir = path.join(root, 'reliability', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const withMachine = {
    ...figures,
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    at: new Date().toISOString(),
  };
  fs.writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(withMachine, null, 2)}\n`);
  console.log(`[${name}] ${JSON.stringify(figures)}`);
}
