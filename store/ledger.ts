/**
 * The leave ledger's operations, written once for every database. Each runs inside a transaction
 * the store opens (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: the employee's row locked first) and
 * speaks to it through a few primitives. Every entry has a unique key, so an operation retried
 * after a crash writes nothing twice.
 */
import { decideApproval, paycheckDeduction, type ChainMember, type Rank } from '../domain/leave';
import type { CarryResult, LedgerKind, ReserveMode, ReserveResult } from './leave-store';

export interface LedgerEmployee {
  rank: Rank;
  annualAllowance: number;
  dailyRate: number;
}

export interface StoredEntry {
  employeeId: string;
  leaveYear: number;
  days: number;
  amount?: number;
}

/** What a database offers the ledger inside one transaction. */
export interface LedgerTransaction {
  employee(id: string): Promise<LedgerEmployee | undefined>;
  chain(employeeId: string): Promise<ChainMember[]>;
  entry(key: string): Promise<StoredEntry | undefined>;
  /** Inserts unless the key exists; true when it inserted. */
  addEntry(entry: {
    key: string;
    employeeId: string;
    leaveYear: number;
    kind: LedgerKind;
    days: number;
    requestId?: string;
    amount?: number;
  }): Promise<boolean>;
  sumDays(employeeId: string, leaveYear: number): Promise<number>;
  /** The earliest leave year with any entry of the employee's, if any. */
  firstYear(employeeId: string): Promise<number | undefined>;
}

async function employeeOrThrow(tx: LedgerTransaction, id: string): Promise<LedgerEmployee> {
  const employee = await tx.employee(id);
  if (!employee) throw new Error(`no employee ${id}`);
  return employee;
}

/** The year's allowance is granted the first time anything touches that year. */
export async function balanceOf(
  tx: LedgerTransaction,
  employeeId: string,
  leaveYear: number,
): Promise<number> {
  const employee = await employeeOrThrow(tx, employeeId);
  await tx.addEntry({
    key: `grant:${employeeId}:${leaveYear}`,
    employeeId,
    leaveYear,
    kind: 'grant',
    days: employee.annualAllowance,
  });
  return tx.sumDays(employeeId, leaveYear);
}

/**
 * Days that earlier leave years still owe `year`: a year left below zero is deducted from the next
 * allowance when that year starts, so until then its deficit is owed but not yet an entry of
 * `year`'s. A deficit already carried (or taken from the final paycheck) is settled; a year that a
 * carried deficit itself took below zero owes the next one in turn.
 */
export async function owedTo(tx: LedgerTransaction, employeeId: string, year: number): Promise<number> {
  const first = await tx.firstYear(employeeId);
  if (first === undefined || first >= year) return 0;
  const employee = await employeeOrThrow(tx, employeeId);
  let owed = 0;
  for (let y = first; y < year; y++) {
    const touched = await tx.entry(`grant:${employeeId}:${y}`);
    const own = touched ? await tx.sumDays(employeeId, y) : employee.annualAllowance;
    // Once the previous year's deficit was carried, it is an entry of this year's already.
    const carriedIn = y > first && (await tx.entry(`carried:${employeeId}:${y - 1}`)) !== undefined;
    const effective = own - (carriedIn ? 0 : owed);
    const settled =
      (await tx.entry(`carried:${employeeId}:${y}`)) !== undefined ||
      (await tx.entry(`paycheck:${employeeId}:${y}`)) !== undefined;
    owed = !settled && effective < 0 ? -effective : 0;
  }
  return owed;
}

/** What a request for `year` is checked against: the year's balance less every deduction it already owes. */
export async function availableBalance(
  tx: LedgerTransaction,
  employeeId: string,
  leaveYear: number,
): Promise<number> {
  const balance = await balanceOf(tx, employeeId, leaveYear);
  return balance - (await owedTo(tx, employeeId, leaveYear));
}

export async function reserve(
  tx: LedgerTransaction,
  input: { requestId: string; employeeId: string; days: number; leaveYear: number; mode: ReserveMode },
): Promise<ReserveResult> {
  const { requestId, employeeId, days, leaveYear, mode } = input;
  const key = `reserve:${requestId}`;
  const existing = await tx.entry(key);
  const balance = await availableBalance(tx, employeeId, leaveYear);
  if (existing) return { reserved: true, balanceBefore: balance - existing.days, balanceAfter: balance };
  if (mode.kind === 'within_balance') {
    if (days > balance) {
      return {
        reserved: false,
        balance,
        refusal: { reason: 'beyond_balance', message: `${days} days requested, ${balance} left` },
      };
    }
  } else {
    const approver = await tx.employee(mode.approverId);
    const decision = decideApproval({
      approver: { id: mode.approverId, rank: approver?.rank ?? 'employee' },
      chain: await tx.chain(employeeId),
      balance,
      days,
    });
    if (!decision.allowed) {
      return { reserved: false, balance, refusal: { reason: decision.reason, message: decision.message } };
    }
  }
  await tx.addEntry({ key, employeeId, leaveYear, kind: 'reservation', days: -days, requestId });
  return { reserved: true, balanceBefore: balance, balanceAfter: balance - days };
}

export async function release(
  tx: LedgerTransaction,
  requestId: string,
): Promise<{ released: boolean; days: number }> {
  const reservation = await tx.entry(`reserve:${requestId}`);
  if (!reservation) return { released: false, days: 0 };
  const released = await tx.addEntry({
    key: `release:${requestId}`,
    employeeId: reservation.employeeId,
    leaveYear: reservation.leaveYear,
    kind: 'release',
    days: -reservation.days,
    requestId,
  });
  return { released, days: -reservation.days };
}

export async function carryNegativeBalance(
  tx: LedgerTransaction,
  employeeId: string,
  fromYear: number,
): Promise<CarryResult> {
  const newYearBalance = async () => balanceOf(tx, employeeId, fromYear + 1);
  const carried = await tx.entry(`carried:${employeeId}:${fromYear}`);
  if (carried) return { days: carried.days, done: 'before', newYearBalance: await newYearBalance() };
  if (await tx.entry(`paycheck:${employeeId}:${fromYear}`)) return { days: 0, done: 'paid_by_paycheck' };
  const balance = await balanceOf(tx, employeeId, fromYear);
  if (balance >= 0) return { days: 0, done: 'not_needed', newYearBalance: await newYearBalance() };
  const days = -balance;
  await tx.addEntry({
    key: `carried:${employeeId}:${fromYear}`,
    employeeId,
    leaveYear: fromYear,
    kind: 'carried_over',
    days,
  });
  await balanceOf(tx, employeeId, fromYear + 1);
  await tx.addEntry({
    key: `deduct:${employeeId}:${fromYear + 1}`,
    employeeId,
    leaveYear: fromYear + 1,
    kind: 'deduction',
    days: -days,
  });
  return { days, done: 'now', newYearBalance: await newYearBalance() };
}

export async function deductFromPaycheck(
  tx: LedgerTransaction,
  employeeId: string,
  leaveYear: number,
): Promise<{ days: number; amount: number; done: 'now' | 'before' | 'not_needed' | 'carried_over' }> {
  const paid = await tx.entry(`paycheck:${employeeId}:${leaveYear}`);
  if (paid) return { days: paid.days, amount: paid.amount ?? 0, done: 'before' };
  if (await tx.entry(`carried:${employeeId}:${leaveYear}`))
    return { days: 0, amount: 0, done: 'carried_over' };
  const balance = await balanceOf(tx, employeeId, leaveYear);
  if (balance >= 0) return { days: 0, amount: 0, done: 'not_needed' };
  const days = -balance;
  const amount = paycheckDeduction(days, (await employeeOrThrow(tx, employeeId)).dailyRate);
  await tx.addEntry({
    key: `paycheck:${employeeId}:${leaveYear}`,
    employeeId,
    leaveYear,
    kind: 'paycheck_deduction',
    days,
    amount,
  });
  return { days, amount, done: 'now' };
}

/** Inserts a seed in an order that puts every manager before their reports. */
export function managersFirst<T extends { id: string; managerId?: string }>(employees: readonly T[]): T[] {
  const pending = [...employees];
  const ordered: T[] = [];
  const inserted = new Set<string>();
  while (pending.length) {
    const index = pending.findIndex((e) => !e.managerId || inserted.has(e.managerId));
    if (index < 0) throw new Error('the seed has a manager that is not in it');
    const [employee] = pending.splice(index, 1);
    ordered.push(employee!);
    inserted.add(employee!.id);
  }
  return ordered;
}

/** A chain walk over any lookup of an employee's manager. */
export async function walkChain(
  employeeId: string,
  lookup: (id: string) => Promise<{ id: string; managerId?: string | null; rank: Rank } | undefined>,
): Promise<ChainMember[]> {
  const chain: ChainMember[] = [];
  const seen = new Set<string>([employeeId]);
  let current = await lookup(employeeId);
  while (current?.managerId && !seen.has(current.managerId)) {
    seen.add(current.managerId);
    current = await lookup(current.managerId);
    if (current) chain.push({ id: current.id, rank: current.rank });
  }
  return chain;
}
