/**
 * One structured log format for the worker, the API and the SDK: a JSON object per line with
 * time, level, message, and whatever the caller attached. Logs from inside workflows reach this
 * logger through the SDK's replay-aware workflow logger, with namespace, task queue, workflow
 * type, workflow id and run id attached; activity logs carry the activity and workflow ids.
 * LOG_FORMAT=pretty writes the same facts on one readable line instead.
 */
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';

export const LOG_LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

export interface LogSettings {
  level: LogLevel;
  format: 'json' | 'pretty';
}

export function createLogger(
  settings: LogSettings,
  component: string,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Logger {
  const threshold = LOG_LEVELS.indexOf(settings.level);
  const emit = (level: LogLevel, message: string, meta?: LogMetadata): void => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const entry = { time: new Date().toISOString(), level, component, message, ...serializable(meta) };
    if (settings.format === 'json') write(JSON.stringify(entry));
    else {
      const rest = Object.entries(serializable(meta))
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      write(`${entry.time} ${level.padEnd(5)} [${component}] ${message}${rest ? ` ${rest}` : ''}`);
    }
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

/** Errors as their message and stack; everything else as it is. */
function serializable(meta?: LogMetadata): Record<string, unknown> {
  if (!meta) return {};
  return Object.fromEntries(
    Object.entries(meta).map(([k, v]) => [
      k,
      v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v,
    ]),
  );
}
