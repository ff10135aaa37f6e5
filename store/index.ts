import path from 'node:path';
import type { OrderStore } from './order-store';
import type { LeaveStore } from './leave-store';
import { openSqliteLeaveStore } from './sqlite-leave-store';
import { openSqliteOrderStore } from './sqlite-order-store';

export type { OrderStore, StoredOrder } from './order-store';

/** The store a composition root opens: SQLite in the data folder unless DATABASE_URL says otherwise. */
export function openOrderStore(options: { dataDir: string; databaseUrl?: string }): OrderStore {
  if (options.databaseUrl) {
    if (options.databaseUrl.startsWith('sqlite:')) {
      return openSqliteOrderStore(options.databaseUrl.slice('sqlite:'.length).replace(/^\/\//, ''));
    }
    throw new Error(
      `DATABASE_URL: only sqlite: URLs are supported so far (got ${options.databaseUrl.split(':')[0]}:)`,
    );
  }
  return openSqliteOrderStore(path.join(options.dataDir, 'app.db'));
}

export type { Employee, LeaveStore, LedgerEntry, StoredLeaveRequest } from './leave-store';

/** The leave store: the same database as the orders. */
export function openLeaveStore(options: { dataDir: string; databaseUrl?: string }): LeaveStore {
  if (options.databaseUrl) {
    if (options.databaseUrl.startsWith('sqlite:')) {
      return openSqliteLeaveStore(options.databaseUrl.slice('sqlite:'.length).replace(/^\/\//, ''));
    }
    throw new Error(
      `DATABASE_URL: only sqlite: URLs are supported so far (got ${options.databaseUrl.split(':')[0]}:)`,
    );
  }
  return openSqliteLeaveStore(path.join(options.dataDir, 'app.db'));
}
