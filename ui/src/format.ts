/** Money, days, times and statuses as the people in the back office read them. */
import { useEffect, useState } from 'react';

// Written once for every reader (the API's timelines and emails too).
export { formatDays as days, formatMoney as money, plural, signed, statusWords } from '../../domain/words';

/** Payroll amounts (minor units, in the payroll's currency). */
export function amount(minorUnits: number): string {
  return (minorUnits / 100).toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
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

/**
 * How often a countdown to these deadlines must change: every second while one is under a minute
 * and a half away (its seconds show), otherwise every ten seconds (its minutes do).
 */
export function tickEvery(deadlines: readonly (string | undefined)[], now: number): number {
  const soon = deadlines.some((iso) => {
    const left = iso ? Date.parse(iso) - now : Number.NaN;
    return left > -1_000 && left < 90_000;
  });
  return soon ? 1_000 : 10_000;
}

/** The current time, for countdowns to `deadlines`: refreshed each second while one is near. */
export function useNow(deadlines: readonly (string | undefined)[] = []): number {
  const [now, setNow] = useState(() => Date.now());
  const everyMs = tickEvery(deadlines, now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
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
