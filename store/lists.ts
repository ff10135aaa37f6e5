/**
 * The work-queue and history lists, as SQL both databases run: keyset pagination (a page starts
 * after the last row of the one before, so page 400 costs what page 1 costs) over indexes that
 * match each list's filter and order. The statements are built once here; each store only says how
 * it writes a placeholder.
 */
import type { OrderStatus } from '../domain/checkout';
import type { LeaveStatus } from '../domain/leave';
import type { OrderQueue } from '../domain/work-queues';

/** Where a page ends: the sort value and the id of its last row. */
export interface ListPosition {
  sort: string;
  id: string;
}

export interface OrderListQuery {
  status?: OrderStatus;
  customerId?: string;
  needs?: OrderQueue;
  limit: number;
  after?: ListPosition;
}

export interface LeaveListQuery {
  /** One employee's requests, or those of any of these employees. */
  employeeIds: readonly string[];
  status?: LeaveStatus;
  limit: number;
  after?: ListPosition;
}

export interface Page<T> {
  items: T[];
  next?: ListPosition;
}

/**
 * The columns and indexes the lists need, added to databases created before them. The indexes
 * replace the single-column ones on status and customer, which they begin with.
 */
export const ORDER_LIST_COLUMNS = ['support_reason', 'support_sort', 'work_queue', 'work_sort'] as const;

export const ORDER_LIST_INDEXES = [
  'CREATE INDEX IF NOT EXISTS orders_newest ON orders (placed_at, order_id)',
  'CREATE INDEX IF NOT EXISTS orders_status_newest ON orders (status, placed_at, order_id)',
  'CREATE INDEX IF NOT EXISTS orders_customer_newest ON orders (customer_id, placed_at, order_id)',
  'CREATE INDEX IF NOT EXISTS orders_support_queue ON orders (support_sort, order_id) WHERE support_reason IS NOT NULL',
  'CREATE INDEX IF NOT EXISTS orders_work_queue ON orders (work_queue, work_sort, order_id) WHERE work_queue IS NOT NULL',
];

export const LEAVE_LIST_INDEXES = [
  'CREATE INDEX IF NOT EXISTS leave_requests_newest ON leave_requests (employee_id, created_at, request_id)',
  'CREATE INDEX IF NOT EXISTS leave_requests_by_status ON leave_requests (status, employee_id, created_at, request_id)',
];

type Placeholder = (index: number) => string;

/** Collects a statement's values; each call answers the placeholder of the value it took. */
function binder(placeholder: Placeholder): { values: unknown[]; p: (value: unknown) => string } {
  const values: unknown[] = [];
  return {
    values,
    p: (value) => {
      values.push(value);
      return placeholder(values.length);
    },
  };
}

/** SELECT for one page of orders (one row more than the page, to know whether another follows). */
export function orderListStatement(
  q: OrderListQuery,
  placeholder: Placeholder,
): { text: string; values: unknown[] } {
  const { values, p } = binder(placeholder);
  const where: string[] = [];
  let sortColumn: string;
  let ascending: boolean;
  if (q.needs === 'support') {
    where.push('support_reason IS NOT NULL');
    sortColumn = 'support_sort';
    ascending = true;
  } else if (q.needs) {
    where.push(`work_queue = ${p(q.needs)}`);
    sortColumn = 'work_sort';
    ascending = true;
  } else {
    sortColumn = 'placed_at';
    ascending = false;
  }
  if (q.status) where.push(`status = ${p(q.status)}`);
  if (q.customerId) where.push(`customer_id = ${p(q.customerId)}`);
  if (q.after) {
    where.push(`(${sortColumn}, order_id) ${ascending ? '>' : '<'} (${p(q.after.sort)}, ${p(q.after.id)})`);
  }
  const direction = ascending ? 'ASC' : 'DESC';
  const text =
    `SELECT *, ${sortColumn} AS sort_key FROM orders` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY ${sortColumn} ${direction}, order_id ${direction} LIMIT ${p(q.limit + 1)}`;
  return { text, values };
}

/** SELECT for one page of leave requests, newest first. */
export function leaveListStatement(
  q: LeaveListQuery,
  placeholder: Placeholder,
): { text: string; values: unknown[] } {
  const { values, p } = binder(placeholder);
  const where = [`employee_id IN (${q.employeeIds.map((id) => p(id)).join(', ')})`];
  if (q.status) where.push(`status = ${p(q.status)}`);
  if (q.after) where.push(`(created_at, request_id) < (${p(q.after.sort)}, ${p(q.after.id)})`);
  const text =
    `SELECT *, created_at AS sort_key FROM leave_requests WHERE ${where.join(' AND ')}` +
    ` ORDER BY created_at DESC, request_id DESC LIMIT ${p(q.limit + 1)}`;
  return { text, values };
}

/** Cuts the extra row off and says where the next page starts. */
export function toPage<Row extends { sort_key: string }, T>(
  rows: Row[],
  limit: number,
  idOf: (row: Row) => string,
  map: (row: Row) => T,
): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return {
    items: kept.map(map),
    next: more && last ? { sort: last.sort_key, id: idOf(last) } : undefined,
  };
}

/** The opaque cursor clients pass back: the position, base64url-encoded. */
export function encodeCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.sort, position.id])).toString('base64url');
}

/** The position a cursor names, or undefined when it is not one this API wrote. */
export function decodeCursor(cursor: string): ListPosition | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string' &&
      value[0].length <= 64 &&
      value[1].length <= 128
    ) {
      return { sort: value[0], id: value[1] };
    }
  } catch {
    // not JSON: not ours
  }
  return undefined;
}
