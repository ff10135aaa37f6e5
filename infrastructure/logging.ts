/**
 * One structured log for the worker, the API and the SDK, written by pino: a JSON object per line
 * with time, level, component, message, and whatever the caller attached. Every line written while
 * a span is active carries its `trace_id` and `span_id`, so one search finds an order's lines in
 * the API and in every worker, and the trace viewer opens from any of them. Logs from inside
 * workflows reach this logger through the SDK's replay-aware workflow logger, with namespace, task
 * queue, workflow type, workflow id, run id and the workflow span's trace ids attached; activity
 * lines carry the activity's and workflow's ids and the activity span's trace ids. A line that
 * names a workflow of a known kind also gets its business id (`orderId`, `requestId`,
 * `registrationId`). LOG_FORMAT=pretty writes the same facts on one readable line instead.
 */
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import pino, { type DestinationStream } from 'pino';
import { activeTraceIds } from '../observability/tracing';

export const LOG_LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

export interface LogSettings {
  level: LogLevel;
  format: 'json' | 'pretty';
}

/** Workflow id prefixes (workflows/*: `order-…`, `leave-…`, `registration-…`) and their ids. */
const BUSINESS_IDS: readonly [RegExp, string][] = [
  [/^order-(.+)$/, 'orderId'],
  [/^leave-(.+)$/, 'requestId'],
  [/^registration-(.+)$/, 'registrationId'],
];

/** The business id a workflow id names, for lines that carry only the workflow id. */
export function businessIdsOf(meta: Record<string, unknown>): Record<string, string> {
  const workflowId = meta.workflowId;
  if (typeof workflowId !== 'string') return {};
  for (const [pattern, key] of BUSINESS_IDS) {
    const match = pattern.exec(workflowId);
    if (match && meta[key] === undefined) return { [key]: match[1]! };
  }
  return {};
}

/** A readable line from pino's JSON: `time LEVEL [component] message key=value…`. */
function prettyLine(json: string): string {
  const { time, level, component, message, ...rest } = JSON.parse(json) as Record<string, unknown>;
  // A value with spaces, quotes or control characters is quoted, so no value can forge a line.
  const shown = (v: unknown): string =>
    typeof v === 'string' && /^[^\s"\\\p{Cc}]*$/u.test(v) ? v : JSON.stringify(v);
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${shown(v)}`)
    .join(' ');
  return `${String(time)} ${String(level).padEnd(5)} [${String(component)}] ${String(message).replace(/\p{Cc}/gu, (c) => JSON.stringify(c).slice(1, -1))}${fields ? ` ${fields}` : ''}`;
}

function destinationOf(settings: LogSettings, write?: (line: string) => void): DestinationStream {
  if (!write && settings.format === 'json') return pino.destination({ dest: 1, sync: true });
  const out = write ?? ((line: string) => process.stdout.write(`${line}\n`));
  return {
    write: (chunk: string) => {
      const line = chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk;
      out(settings.format === 'json' ? line : prettyLine(line));
    },
  };
}

export function createLogger(
  settings: LogSettings,
  component: string,
  write?: (line: string) => void,
): Logger {
  const log = pino(
    {
      level: settings.level.toLowerCase(),
      base: { component },
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label.toUpperCase() }) },
      // Errors as their name, message and stack, under whichever key they were given.
      serializers: { error: pino.stdSerializers.err, err: pino.stdSerializers.err },
      mixin: (_context, _level) => activeTraceIds() ?? {},
    },
    destinationOf(settings, write),
  );
  const emit = (level: LogLevel, message: string, meta?: LogMetadata): void => {
    const fields = meta ? { ...meta, ...businessIdsOf(meta) } : {};
    log[level.toLowerCase() as 'info'](fields, message);
  };
  return {
    log: emit,
    trace: (m, meta) => emit('TRACE', m, meta),
    debug: (m, meta) => emit('DEBUG', m, meta),
    info: (m, meta) => emit('INFO', m, meta),
    warn: (m, meta) => emit('WARN', m, meta),
    error: (m, meta) => emit('ERROR', m, meta),
  };
}
