import path from 'node:path';
import { traced } from '../observability/spans';
import {
  openPostgresBulkActionStore,
  openSqliteBulkActionStore,
  type BulkActionStore,
} from './bulk-action-store';
import type { LeaveStore } from './leave-store';
import type { OrderStore } from './order-store';
import { openPostgresLeaveStore, openSqliteLeaveStore } from './sql-leave-store';
import { openPostgresOrderStore, openSqliteOrderStore } from './sql-order-store';
import {
  openPostgresRegistrationStore,
  openSqliteRegistrationStore,
  type RegistrationStore,
} from './registration-store';
import { openPostgresSessionStore, openSqliteSessionStore, type SessionStore } from './session-store';

export type { OrderStore, StoredOrder } from './order-store';
export type { BulkActionRecord, BulkActionStore } from './bulk-action-store';
export type { BackOfficeSession, SessionStore } from './session-store';
export type { ConfirmationLink, Customer, RegistrationStore, StoredRegistration } from './registration-store';
export type { Employee, LeaveStore, LedgerEntry, StoredLeaveRequest } from './leave-store';

/** Each store call a client span (`db orders getOrder`), named for the database it goes to. */
function dbSystem(kind: 'sqlite' | 'postgres'): string {
  return kind === 'sqlite' ? 'sqlite' : 'postgresql';
}

interface StoreOptions {
  dataDir: string;
  databaseUrl?: string;
}

/** Which database DATABASE_URL names: unset, SQLite in the data folder; `sqlite:<file>`; `postgres://…`. */
export function databaseFor(
  options: StoreOptions,
): { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string } {
  const url = options.databaseUrl;
  if (!url) return { kind: 'sqlite', file: path.join(options.dataDir, 'app.db') };
  if (url.startsWith('sqlite:'))
    return { kind: 'sqlite', file: url.slice('sqlite:'.length).replace(/^\/\//, '') };
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  throw new Error(
    `DATABASE_URL: use sqlite:<file> or postgres://user:password@host:port/database (got ${url.split(':')[0]}:)`,
  );
}

/** The order store a composition root opens. */
export function openOrderStore(options: StoreOptions): OrderStore {
  const db = databaseFor(options);
  return traced(
    db.kind === 'sqlite' ? openSqliteOrderStore(db.file) : openPostgresOrderStore(db.url),
    'db orders',
    { 'db.system': dbSystem(db.kind) },
  );
}

/** The leave store: the same database as the orders. */
export function openLeaveStore(options: StoreOptions): LeaveStore {
  const db = databaseFor(options);
  return traced(
    db.kind === 'sqlite' ? openSqliteLeaveStore(db.file) : openPostgresLeaveStore(db.url),
    'db leave',
    { 'db.system': dbSystem(db.kind) },
  );
}

/** The back office's sessions: the same database as the orders. */
export function openSessionStore(options: StoreOptions): SessionStore {
  const db = databaseFor(options);
  return traced(
    db.kind === 'sqlite' ? openSqliteSessionStore(db.file) : openPostgresSessionStore(db.url),
    'db sessions',
    { 'db.system': dbSystem(db.kind) },
  );
}

/** Registrations, their links and the customers they become: the same database as the orders. */
export function openRegistrationStore(options: StoreOptions): RegistrationStore {
  const db = databaseFor(options);
  return traced(
    db.kind === 'sqlite' ? openSqliteRegistrationStore(db.file) : openPostgresRegistrationStore(db.url),
    'db registrations',
    { 'db.system': dbSystem(db.kind) },
  );
}

/** Support's bulk actions and the orders each selected: the same database as the orders. */
export function openBulkActionStore(options: StoreOptions): BulkActionStore {
  const db = databaseFor(options);
  return traced(
    db.kind === 'sqlite' ? openSqliteBulkActionStore(db.file) : openPostgresBulkActionStore(db.url),
    'db bulk-actions',
    { 'db.system': dbSystem(db.kind) },
  );
}
