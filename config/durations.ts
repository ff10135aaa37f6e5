/**
 * Durations as Temporal writes them (`90s`, `15m`, `1h`, `3 days`, `500ms`), parsed to
 * milliseconds. A bare `0` is allowed (a window of zero); any other bare number is refused,
 * because nobody can tell whether it meant seconds or milliseconds.
 */
const UNIT_MS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^0+$/.test(trimmed)) return 0;
  const match = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]+)$/.exec(trimmed);
  const unit = match?.[2]?.toLowerCase();
  const factor = unit === undefined ? undefined : UNIT_MS[unit];
  if (!match?.[1] || factor === undefined) {
    throw new Error(`"${text}" is not a duration; write it like 90s, 15m, 1h or 3 days`);
  }
  return Math.round(Number(match[1]) * factor);
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
