/**
 * Durations as Temporal writes them (`90s`, `15m`, `1h`, `3 days`, `500ms`), parsed by the SDK's
 * own `Duration` parsing (`msToNumber`, the `ms` format every `proxyActivities` timeout uses), so a
 * duration in the configuration means what it means in workflow code. A bare `0` is allowed (a
 * window of zero); any other bare number is refused, because nobody can tell whether it meant
 * seconds or milliseconds, and so is a negative one.
 */
import { msToNumber } from '@temporalio/common/lib/time';
import type { Duration } from '@temporalio/common';

export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^0+$/.test(trimmed)) return 0;
  const refuse = (): never => {
    throw new Error(`"${text}" is not a duration; write it like 90s, 15m, 1h or 3 days`);
  };
  if (!/^\d+(?:\.\d+)?\s*[a-zA-Z]+$/.test(trimmed)) refuse();
  let ms: number;
  try {
    ms = msToNumber(trimmed as Duration);
  } catch {
    return refuse();
  }
  if (!Number.isFinite(ms) || ms < 0) refuse();
  return Math.round(ms);
}

/** The inverse, for messages and logs: 3600000 → "1h", 90000 → "90s". */
export function formatDuration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
