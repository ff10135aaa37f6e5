/**
 * All configuration, read once from the environment by a composition root (worker, API, start
 * script) and passed down. Bad values stop startup with a message that names the variable.
 */
import path from 'node:path';
import { parseYearStart } from '../domain/leave';
import { parseDuration } from './durations';
import { parseEncryptionKeys, type EncryptionKey } from './encryption';
import { LOG_LEVELS, type LogSettings } from './logging';

/** The business timings and limits the checkout workflow follows (DOMAIN.md). */
export interface CheckoutSettings {
  paymentResolutionWindowMs: number;
  /**
   * How long one charge attempt may go unconfirmed by Stripe (5xx, timeouts) before the order is
   * `PaymentUnconfirmed` and support is alerted; well inside the 24 hours Stripe keeps an
   * idempotency key. Absent in the settings of orders started before it existed: one hour.
   */
  paymentAttemptTimeoutMs?: number;
  sideEffectAlertAfterMs: number;
  returnWindowMs: number;
  orderRemorseWindowMs: number;
  authorizationThreshold: number;
  restockingFeePercent: number;
  supportEmail: string;
  /** Where a large order's authorization request is emailed. */
  managersEmail: string;
}

/** The annual-leave process's timings (DOMAIN.md §3). */
export interface LeaveSettings {
  /** How long a pending request waits before its approver is reminded (and again after each reminder). */
  reminderAfterMs: number;
  /** `MM-DD`: when a leave year starts and a negative balance is deducted from the new allowance. */
  yearStart: string;
}

/** Worker tuning; unset values keep the SDK's defaults. */
export interface WorkerTuning {
  maxCachedWorkflows?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentLocalActivityExecutions?: number;
  maxConcurrentWorkflowTaskPolls?: number;
  maxConcurrentActivityTaskPolls?: number;
  /** One V8 context shared by all workflows (the SDK's default and far lighter); off only to compare. */
  reuseV8Context?: boolean;
}

/** The tuning the environment set; what it left unset keeps the SDK's default. */
export function definedWorkerTuning(tuning: WorkerTuning): Partial<WorkerTuning> {
  return Object.fromEntries(Object.entries(tuning).filter(([, v]) => v !== undefined));
}

export interface TemporalSettings {
  /** Unset: `npm start` runs a local dev server on `port`. */
  address?: string;
  port: number;
  namespace: string;
  taskQueue: string;
  apiKey?: string;
  tls?: {
    serverName?: string;
    serverRootCaCertPath?: string;
    clientCertPath?: string;
    clientKeyPath?: string;
  };
}

export interface AppConfig {
  port: number;
  log: LogSettings;
  /** Where the worker serves the SDK's Prometheus metrics (`host:port`); unset: off. */
  workerMetricsAddress?: string;
  /** WORKFLOW_BUNDLE: a prebuilt workflow bundle for the worker (default: dist/ when compiled). */
  workflowBundlePath?: string;
  dataDir: string;
  temporal: TemporalSettings;
  auth: { jwtSecret?: string };
  /** Payload encryption keys, the current one first; unset: payloads travel as plain JSON. */
  encryptionKeys?: EncryptionKey[];
  /** Origins (the Temporal UI's) allowed to call the codec endpoints from a browser. */
  codecCorsOrigins: string[];
  checkout: CheckoutSettings;
  leave: LeaveSettings;
  worker: WorkerTuning;
  stripe: { secretKey?: string; apiBase?: string };
  sendgrid: { apiKey?: string; baseUrl?: string; fromEmail: string };
  amqp: { url?: string };
  /** Unset: SQLite in the data folder. */
  databaseUrl?: string;
}

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`configuration ${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function duration(env: Env, name: string, fallback: string): number {
  const value = text(env, name) ?? fallback;
  try {
    return parseDuration(value);
  } catch (err) {
    throw new ConfigError(name, (err as Error).message);
  }
}

/** A duration that must lie within [minMs, maxMs]: zero or absurd values stop startup. */
function boundedDuration(
  env: Env,
  name: string,
  fallback: string,
  bounds: { minMs: number; maxMs: number; min: string; max: string },
): number {
  const ms = duration(env, name, fallback);
  if (ms < bounds.minMs || ms > bounds.maxMs) {
    throw new ConfigError(name, `must be from ${bounds.min} to ${bounds.max} (got ${text(env, name)})`);
  }
  return ms;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = text(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(name, `"${value}" is not a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

function yearStart(env: Env, name: string, fallback: string): string {
  const value = text(env, name) ?? fallback;
  try {
    parseYearStart(value);
  } catch (err) {
    throw new ConfigError(name, (err as Error).message);
  }
  return value;
}

function optionalInteger(env: Env, name: string, min: number, max: number): number | undefined {
  return text(env, name) === undefined ? undefined : integer(env, name, min, min, max);
}

function optionalBoolean(env: Env, name: string): boolean | undefined {
  const value = text(env, name)?.toLowerCase();
  if (value === undefined) return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(name, `"${value}" is not true or false`);
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const value = text(env, name);
  if (value === undefined) return fallback;
  const found = values.find((v) => v.toLowerCase() === value.toLowerCase());
  if (!found) throw new ConfigError(name, `"${value}" is not one of ${values.join(', ')}`);
  return found;
}

function hostPort(env: Env, name: string): string | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  const match = /^([\w.-]+|\[[\d:a-f]+\]):(\d{1,5})$/i.exec(value);
  if (!match || Number(match[2]) > 65535) throw new ConfigError(name, `"${value}" is not host:port`);
  return value;
}

function encryptionKeys(env: Env, name: string): EncryptionKey[] | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  try {
    return parseEncryptionKeys(value);
  } catch (err) {
    throw new ConfigError(name, (err as Error).message);
  }
}

function url(env: Env, name: string): string | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  try {
    new URL(value);
  } catch {
    throw new ConfigError(name, `"${value}" is not a URL`);
  }
  return value;
}

export function loadConfig(env: Env = process.env): AppConfig {
  const tlsEnabled = text(env, 'TEMPORAL_TLS') === 'true' || Boolean(text(env, 'TEMPORAL_TLS_CERT'));
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    log: {
      level: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'INFO'),
      format: oneOf(env, 'LOG_FORMAT', ['json', 'pretty'] as const, 'json'),
    },
    workerMetricsAddress: hostPort(env, 'WORKER_METRICS_ADDRESS'),
    workflowBundlePath: text(env, 'WORKFLOW_BUNDLE'),
    dataDir: path.resolve(text(env, 'DATA_DIR') ?? '.data'),
    temporal: {
      address: text(env, 'TEMPORAL_ADDRESS'),
      port: integer(env, 'TEMPORAL_PORT', 7233, 1, 64535),
      namespace: text(env, 'TEMPORAL_NAMESPACE') ?? 'default',
      taskQueue: text(env, 'TEMPORAL_TASK_QUEUE') ?? 'commerce',
      apiKey: text(env, 'TEMPORAL_API_KEY'),
      tls: tlsEnabled
        ? {
            serverName: text(env, 'TEMPORAL_TLS_SERVER_NAME'),
            serverRootCaCertPath: text(env, 'TEMPORAL_TLS_CA'),
            clientCertPath: text(env, 'TEMPORAL_TLS_CERT'),
            clientKeyPath: text(env, 'TEMPORAL_TLS_KEY'),
          }
        : undefined,
    },
    auth: { jwtSecret: text(env, 'AUTH_JWT_SECRET') },
    encryptionKeys: encryptionKeys(env, 'PAYLOAD_ENCRYPTION_KEYS'),
    codecCorsOrigins: (text(env, 'CODEC_CORS_ORIGINS') ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    checkout: {
      paymentResolutionWindowMs: duration(env, 'PAYMENT_RESOLUTION_WINDOW', '72h'),
      // Stripe keeps an idempotency key for about 24 hours: an attempt must end well before.
      paymentAttemptTimeoutMs: boundedDuration(env, 'PAYMENT_ATTEMPT_TIMEOUT', '1h', {
        minMs: 1_000,
        maxMs: 12 * 3_600_000,
        min: '1s',
        max: '12h',
      }),
      sideEffectAlertAfterMs: duration(env, 'SIDE_EFFECT_ALERT_AFTER', '15m'),
      returnWindowMs: duration(env, 'RETURN_WINDOW', '30 days'),
      orderRemorseWindowMs: duration(env, 'ORDER_REMORSE_WINDOW', '1h'),
      authorizationThreshold: integer(env, 'AUTHORIZATION_THRESHOLD', 100_000, 1, Number.MAX_SAFE_INTEGER),
      restockingFeePercent: integer(env, 'RESTOCKING_FEE_PERCENT', 15, 0, 100),
      supportEmail: text(env, 'SUPPORT_EMAIL') ?? 'support@example.com',
      managersEmail: text(env, 'MANAGERS_EMAIL') ?? 'managers@example.com',
    },
    leave: {
      // Zero would remind in a loop without a timer; under a second is no reminder a person reads.
      reminderAfterMs: boundedDuration(env, 'LEAVE_REMINDER_AFTER', '2 days', {
        minMs: 1_000,
        maxMs: 365 * 86_400_000,
        min: '1s',
        max: '365 days',
      }),
      yearStart: yearStart(env, 'LEAVE_YEAR_START', '01-01'),
    },
    worker: {
      maxCachedWorkflows: optionalInteger(env, 'WORKER_MAX_CACHED_WORKFLOWS', 0, 100_000),
      maxConcurrentWorkflowTaskExecutions: optionalInteger(
        env,
        'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
        2,
        10_000,
      ),
      maxConcurrentActivityTaskExecutions: optionalInteger(
        env,
        'WORKER_MAX_CONCURRENT_ACTIVITIES',
        1,
        10_000,
      ),
      maxConcurrentLocalActivityExecutions: optionalInteger(
        env,
        'WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES',
        1,
        10_000,
      ),
      maxConcurrentWorkflowTaskPolls: optionalInteger(env, 'WORKER_WORKFLOW_POLLERS', 2, 1_000),
      maxConcurrentActivityTaskPolls: optionalInteger(env, 'WORKER_ACTIVITY_POLLERS', 1, 1_000),
      reuseV8Context: optionalBoolean(env, 'WORKER_REUSE_V8_CONTEXT'),
    },
    stripe: { secretKey: text(env, 'STRIPE_SECRET_KEY'), apiBase: url(env, 'STRIPE_API_BASE') },
    sendgrid: {
      apiKey: text(env, 'SENDGRID_API_KEY'),
      baseUrl: url(env, 'SENDGRID_BASE_URL'),
      fromEmail: text(env, 'EMAIL_FROM') ?? 'orders@example.com',
    },
    amqp: { url: url(env, 'AMQP_URL') },
    databaseUrl: text(env, 'DATABASE_URL'),
  };
}
