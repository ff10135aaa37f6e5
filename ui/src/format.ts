/** Money, days, times and statuses as the people in the back office read them. */
import { useEffect, useState } from 'react';

export function money(minorUnits: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency: currency.toUpperCase() }).format(
      minorUnits / 100,
    );
  } catch {
    return `${(minorUnits / 100).toFixed(2)} ${currency.toUpperCase()}`;
  }
}

/** Payroll amounts (minor units, in the payroll's currency). */
export function amount(minorUnits: number): string {
  return (minorUnits / 100).toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

export function days(value: number): string {
  const text = Number.isInteger(value) ? String(Math.abs(value)) : Math.abs(value).toFixed(1);
  const sign = value < 0 ? '−' : '';
  return `${sign}${text} ${Math.abs(value) === 1 ? 'day' : 'days'}`;
}

export function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

/** With seconds: steps of a process often fall in the same minute. */
export function whenExactly(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });
}

export function date(isoDate: string): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return isoDate;
  return d.toLocaleDateString('en-GB', { dateStyle: 'medium', timeZone: 'UTC' });
}

/** "in 2 h 5 min", "3 min ago". */
export function relative(iso: string, now: number): string {
  const ms = Date.parse(iso) - now;
  const abs = Math.abs(ms);
  const minutes = Math.round(abs / 60_000);
  let text: string;
  if (abs < 60_000) text = `${Math.max(1, Math.round(abs / 1000))} s`;
  else if (minutes < 60) text = `${minutes} min`;
  else if (minutes < 48 * 60) text = `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  else text = `${Math.floor(minutes / 1440)} days ${Math.floor((minutes % 1440) / 60)} h`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

/** The current time, refreshed every `everyMs`, for countdowns. */
export function useNow(everyMs = 10_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

const STATUS_WORDS: Record<string, string> = {
  Received: 'Received (remorse window open)',
  Authorized: 'Authorized by a manager',
  Accepted: 'Accepted',
  Rejected: 'Rejected',
  PaymentFailed: 'Payment declined',
  PaymentUnconfirmed: 'Payment not confirmed',
  Paid: 'Paid',
  Shipped: 'Shipped',
  Cancelled: 'Cancelled',
  Refunded: 'Refunded',
  PartiallyRefunded: 'Partly refunded',
  Completed: 'Completed',
  Submitted: 'Submitted',
  PendingApproval: 'Waiting for approval',
  Approved: 'Approved',
  Expired: 'Expired',
  Withdrawn: 'Withdrawn',
  PendingConfirmation: 'Waiting for the customer to open the link',
  Confirmed: 'Confirmed: a customer',
  Lapsed: 'Lapsed: not confirmed in time',
};

export function statusWords(status: string): string {
  return STATUS_WORDS[status] ?? status;
}

/** A ledger entry's kind, in words. */
export function ledgerWords(kind: string): string {
  switch (kind) {
    case 'grant':
      return 'Granted for the year';
    case 'reservation':
      return 'Reserved for leave';
    case 'release':
      return 'Returned (leave withdrawn or cancelled)';
    case 'carried_over':
      return 'Carried over from the year before';
    case 'deduction':
      return 'Deducted: days taken below zero the year before';
    case 'paycheck_deduction':
      return 'Taken from the final paycheck';
    default:
      return kind;
  }
}
