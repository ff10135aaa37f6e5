/**
 * What a person did from this browser, kept on the device (not a credential, nothing the server
 * needs): a manager's decisions, what the warehouse shipped and took back. Newest first, at most 50.
 */
import { useState } from 'react';

export interface LoggedAction {
  at: string;
  what: string;
}

const PREFIX = 'log:';

/** Forgets every person's log on this device: at sign-out, so the next person sees none of it. */
export function clearDeviceLogs(): void {
  try {
    for (const key of Object.keys(localStorage)) if (key.startsWith(PREFIX)) localStorage.removeItem(key);
  } catch {
    // no storage: nothing kept
  }
}

export function useDeviceLog(name: string): [LoggedAction[], (what: string) => void] {
  const key = `${PREFIX}${name}`;
  const [entries, setEntries] = useState<LoggedAction[]>(() => {
    try {
      const stored = JSON.parse(localStorage.getItem(key) ?? '[]') as unknown;
      return Array.isArray(stored) ? (stored as LoggedAction[]) : [];
    } catch {
      return [];
    }
  });
  const add = (what: string) =>
    setEntries((current) => {
      const next = [{ at: new Date().toISOString(), what }, ...current].slice(0, 50);
      try {
        localStorage.setItem(key, JSON.stringify(next));
      } catch {
        // storage full or refused: the list still shows this session's
      }
      return next;
    });
  return [entries, add];
}

/** The entries of the reader's own day (their clock, their zone). */
export function today(entries: readonly LoggedAction[], now = new Date()): LoggedAction[] {
  const day = now.toDateString();
  return entries.filter((entry) => new Date(entry.at).toDateString() === day);
}
