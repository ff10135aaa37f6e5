/**
 * Bulk actions on the app database (SQLite or PostgreSQL, store/sql.ts): the action as support
 * started it, and the orders its filter matched when it started, numbered, each with its outcome
 * once acted on. The selection is written once, in one statement inside one transaction, so a
 * retried selection finds it and changes nothing; an outcome is written only over no outcome, so
 * a chunk acted on again after a crash counts each order once. The counts are read from the rows.
 */
import { ApplicationFailure } from '@temporalio/common';
import type {
  BulkActionKind,
  BulkActionRequest,
  BulkFilter,
  BulkOutcome,
  BulkState,
} from '../domain/bulk-actions';
import { APP_SCHEMA_LOCK, openPostgres, openSqlite, type Dialect, type Sql, type Transactions } from './sql';

/** A bulk action as support started it (its request), and where it stands. */
export interface BulkActionRecord extends BulkActionRequest {
  state: BulkState;
  /** Undefined until its process has selected the orders. */
  matched?: number;
  done: number;
  accepted: number;
  refused: number;
  updatedAt: string;
}

export interface BulkActionStore {
  /** Records a new bulk action (Running, nothing selected); again with the same id changes nothing. */
  create(
    action: Omit<BulkActionRecord, 'state' | 'matched' | 'done' | 'accepted' | 'refused' | 'updatedAt'>,
  ): Promise<void>;
  /** How many orders the filter matches now (the count support sees before starting one). */
  count(filter: BulkFilter): Promise<number>;
  /** Selects the orders the filter matches, once; again, the first selection's count. */
  select(bulkActionId: string, filter: BulkFilter): Promise<number>;
  /** The next orders of the selection after position `afterSeq`, in order. */
  chunk(bulkActionId: string, afterSeq: number, size: number): Promise<{ seq: number; orderId: string }[]>;
  /** Writes outcomes of orders not yet acted on; an order with an outcome keeps it. */
  recordOutcomes(bulkActionId: string, outcomes: readonly BulkOutcome[]): Promise<void>;
  setState(bulkActionId: string, state: BulkState): Promise<void>;
  /** Forgets one whose process never started (Temporal refused the start): nothing stays behind. */
  forget(bulkActionId: string): Promise<void>;
  get(bulkActionId: string): Promise<BulkActionRecord | undefined>;
  /** Newest first, `limit` of them after the one named by `before` (its startedAt and id). */
  list(limit: number, before?: { sort: string; id: string }): Promise<BulkActionRecord[]>;
  /** The refused orders with their reasons, in selection order, at most `limit`. */
  refusals(bulkActionId: string, limit: number): Promise<{ orderId: string; reason: string }[]>;
  close(): Promise<void>;
}

function schema(d: Dialect): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS bulk_actions (
      bulk_action_id  TEXT PRIMARY KEY,
      action          TEXT NOT NULL,
      filter_json     ${d.types.json} NOT NULL,
      payment_method  TEXT,
      reason          TEXT,
      started_by      TEXT NOT NULL,
      started_by_name TEXT NOT NULL,
      started_at      TEXT NOT NULL,
      state           TEXT NOT NULL,
      matched         INTEGER,
      updated_at      TEXT NOT NULL
    )`,
    'CREATE INDEX IF NOT EXISTS bulk_actions_newest ON bulk_actions (started_at, bulk_action_id)',
    `CREATE TABLE IF NOT EXISTS bulk_action_orders (
      bulk_action_id  TEXT NOT NULL,
      seq             INTEGER NOT NULL,
      order_id        TEXT NOT NULL,
      outcome         TEXT,
      refusal         TEXT,
      PRIMARY KEY (bulk_action_id, seq)
    )`,
    'CREATE UNIQUE INDEX IF NOT EXISTS bulk_action_orders_order ON bulk_action_orders (bulk_action_id, order_id)',
  ];
}

async function setUp(sql: Sql, d: Dialect): Promise<void> {
  for (const statement of schema(d)) await sql.run(statement);
}

/** The WHERE clause over `orders` for a filter, with its values. */
export function filterClause(filter: BulkFilter): { where: string; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    where.push(clause);
    values.push(value);
  };
  if (filter.needs === 'support') where.push('support_reason IS NOT NULL');
  else if (filter.needs) add('work_queue = ?', filter.needs);
  if (filter.reason) add('support_reason = ?', filter.reason);
  if (filter.status) add('status = ?', filter.status);
  if (filter.customerId) add('customer_id = ?', filter.customerId);
  if (filter.placedFrom) add('placed_at >= ?', new Date(filter.placedFrom).toISOString());
  if (filter.placedTo) add('placed_at < ?', new Date(filter.placedTo).toISOString());
  // A filter with no criterion is refused before it reaches here (domain/bulk-actions.ts); should
  // one arrive, it selects nothing rather than every order.
  return { where: where.length ? where.join(' AND ') : '1 = 0', values };
}

interface ActionRow {
  bulk_action_id: string;
  action: BulkActionKind;
  filter_json: unknown;
  payment_method: string | null;
  reason: string | null;
  started_by: string;
  started_by_name: string;
  started_at: string;
  state: BulkState;
  matched: number | null;
  updated_at: string;
}

function bulkActionStore(db: Transactions): BulkActionStore {
  const { sql, dialect: d } = db;

  async function counts(
    ids: string[],
  ): Promise<Map<string, { done: number; accepted: number; refused: number }>> {
    const found = new Map<string, { done: number; accepted: number; refused: number }>();
    if (ids.length === 0) return found;
    const rows = await sql.all<{ bulk_action_id: string; outcome: string; n: number | string }>(
      `SELECT bulk_action_id, outcome, COUNT(*) AS n FROM bulk_action_orders
        WHERE bulk_action_id IN (${ids.map(() => '?').join(', ')}) AND outcome IS NOT NULL
        GROUP BY bulk_action_id, outcome`,
      ids,
    );
    for (const row of rows) {
      const c = found.get(row.bulk_action_id) ?? { done: 0, accepted: 0, refused: 0 };
      const n = Number(row.n);
      c.done += n;
      if (row.outcome === 'accepted') c.accepted += n;
      else c.refused += n;
      found.set(row.bulk_action_id, c);
    }
    return found;
  }

  async function records(rows: ActionRow[]): Promise<BulkActionRecord[]> {
    const all = await counts(rows.map((r) => r.bulk_action_id));
    return rows.map((row) => {
      const c = all.get(row.bulk_action_id) ?? { done: 0, accepted: 0, refused: 0 };
      return {
        bulkActionId: row.bulk_action_id,
        action: row.action,
        filter: d.readJson(row.filter_json) as BulkFilter,
        ...(row.payment_method ? { paymentMethod: row.payment_method } : {}),
        ...(row.reason ? { reason: row.reason } : {}),
        startedBy: { actor: row.started_by, name: row.started_by_name },
        startedAt: row.started_at,
        state: row.state,
        ...(row.matched === null ? {} : { matched: Number(row.matched) }),
        ...c,
        updatedAt: row.updated_at,
      };
    });
  }

  return {
    async create(action) {
      await sql.run(
        `INSERT INTO bulk_actions (bulk_action_id, action, filter_json, payment_method, reason, started_by,
            started_by_name, started_at, state, updated_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'Running', ?) ON CONFLICT (bulk_action_id) DO NOTHING`,
        [
          action.bulkActionId,
          action.action,
          JSON.stringify(action.filter),
          action.paymentMethod,
          action.reason,
          action.startedBy.actor,
          action.startedBy.name,
          action.startedAt,
          new Date().toISOString(),
        ],
      );
    },
    async count(filter) {
      const { where, values } = filterClause(filter);
      const [row] = await sql.all<{ n: number | string }>(
        `SELECT COUNT(*) AS n FROM orders WHERE ${where}`,
        values,
      );
      return Number(row?.n ?? 0);
    },
    select: (bulkActionId, filter) =>
      db.tx(async (tx) => {
        const [row] = await tx.all<{ matched: number | null }>(
          `SELECT matched FROM bulk_actions WHERE bulk_action_id = ?${d.forUpdate}`,
          [bulkActionId],
        );
        // Its record was forgotten (the API's start failed as far as it knew): nothing to select,
        // and no retry brings it back; the process fails where the Temporal UI shows it.
        if (!row)
          throw ApplicationFailure.nonRetryable(
            `bulk action ${bulkActionId} is not on record`,
            'BulkActionUnknown',
          );
        if (row.matched !== null) return Number(row.matched);
        const { where, values } = filterClause(filter);
        const matched = await tx.run(
          `INSERT INTO bulk_action_orders (bulk_action_id, seq, order_id)
            SELECT ?, ROW_NUMBER() OVER (ORDER BY placed_at, order_id), order_id FROM orders WHERE ${where}`,
          [bulkActionId, ...values],
        );
        await tx.run('UPDATE bulk_actions SET matched = ?, updated_at = ? WHERE bulk_action_id = ?', [
          matched,
          new Date().toISOString(),
          bulkActionId,
        ]);
        return matched;
      }),
    async chunk(bulkActionId, afterSeq, size) {
      const rows = await sql.all<{ seq: number | string; order_id: string }>(
        'SELECT seq, order_id FROM bulk_action_orders WHERE bulk_action_id = ? AND seq > ? ORDER BY seq LIMIT ?',
        [bulkActionId, afterSeq, size],
      );
      return rows.map((row) => ({ seq: Number(row.seq), orderId: row.order_id }));
    },
    recordOutcomes: (bulkActionId, outcomes) =>
      db.tx(async (tx) => {
        for (const o of outcomes) {
          await tx.run(
            `UPDATE bulk_action_orders SET outcome = ?, refusal = ?
              WHERE bulk_action_id = ? AND order_id = ? AND outcome IS NULL`,
            [o.outcome, o.reason, bulkActionId, o.orderId],
          );
        }
        await tx.run('UPDATE bulk_actions SET updated_at = ? WHERE bulk_action_id = ?', [
          new Date().toISOString(),
          bulkActionId,
        ]);
      }),
    async setState(bulkActionId, state) {
      await sql.run('UPDATE bulk_actions SET state = ?, updated_at = ? WHERE bulk_action_id = ?', [
        state,
        new Date().toISOString(),
        bulkActionId,
      ]);
    },
    async forget(bulkActionId) {
      await sql.run('DELETE FROM bulk_action_orders WHERE bulk_action_id = ?', [bulkActionId]);
      await sql.run('DELETE FROM bulk_actions WHERE bulk_action_id = ?', [bulkActionId]);
    },
    async get(bulkActionId) {
      const rows = await sql.all<ActionRow>('SELECT * FROM bulk_actions WHERE bulk_action_id = ?', [
        bulkActionId,
      ]);
      return (await records(rows))[0];
    },
    async list(limit, before) {
      const rows = await sql.all<ActionRow>(
        before
          ? `SELECT * FROM bulk_actions WHERE (started_at, bulk_action_id) < (?, ?)
              ORDER BY started_at DESC, bulk_action_id DESC LIMIT ?`
          : 'SELECT * FROM bulk_actions ORDER BY started_at DESC, bulk_action_id DESC LIMIT ?',
        before ? [before.sort, before.id, limit] : [limit],
      );
      return records(rows);
    },
    async refusals(bulkActionId, limit) {
      const rows = await sql.all<{ order_id: string; refusal: string | null }>(
        `SELECT order_id, refusal FROM bulk_action_orders WHERE bulk_action_id = ? AND outcome = 'refused'
          ORDER BY seq LIMIT ?`,
        [bulkActionId, limit],
      );
      return rows.map((row) => ({ orderId: row.order_id, reason: row.refusal ?? 'refused' }));
    },
    close: () => db.close(),
  };
}

export function openSqliteBulkActionStore(file: string): BulkActionStore {
  return bulkActionStore(openSqlite(file, setUp));
}

export function openPostgresBulkActionStore(url: string): BulkActionStore {
  return bulkActionStore(openPostgres(url, APP_SCHEMA_LOCK, setUp));
}
