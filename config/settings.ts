/**
 * All configuration, read once from the environment by a composition root (worker, API, start
 * script) and passed down. Bad values stop startup with a message that names the variable.
 */
import path from 'node:path';
import { parseYearStart } from '../domain/leave';
import { issuerUrlProblem, parseRoleMap, type RoleMap } from '../domain/roles';
import { parseDuration } from './durations';
import { parseEncryptionKeys, type EncryptionKey } from '../infrastructure/encryption';
import { LOG_LEVELS, type LogSettings } from '../infrastructure/logging';

/** The business timings and limits the checkout workflow follows (docs/processes.md). */
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

/** The annual-leave process's timings (docs/processes.md, "Annual leave"). */
export interface LeaveSettings {
  /** How long a pending request waits before its approver is reminded (and again after each reminder). */
  reminderAfterMs: number;
  /** `MM-DD`: when a leave year starts and a negative balance is deducted from the new allowance. */
  yearStart: string;
  /** SIDE_EFFECT_ALERT_AFTER (absent in the settings of requests started before leave alerted). */
  sideEffectAlertAfterMs?: number;
  /** SUPPORT_EMAIL: where a leave email or event that keeps failing is reported. */
  supportEmail?: string;
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
  auth: AuthSettings;
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

/** Tokens from a company's identity provider (OpenID Connect): AUTH_ISSUER and its companions. */
export interface IssuerSettings {
  /** The issuer's URL, exactly as its tokens' `iss` says; its discovery document names the JWKS. */
  issuer: string;
  /** The `aud` the API's tokens must carry (AUTH_AUDIENCE). */
  audience: string;
  /** The claim holding the caller's groups or roles (AUTH_ROLES_CLAIM; dotted names reach in). */
  rolesClaim: string;
  /** Group → roles (AUTH_ROLE_MAP); unset: a value equal to a role's name is that role. */
  roleMap?: RoleMap;
  /** The claim naming the caller: for people, their employee id (AUTH_SUBJECT_CLAIM). */
  subjectClaim: string;
  /** The back office's client at the issuer, for people's sign-in (AUTH_CLIENT_ID/_SECRET). */
  clientId?: string;
  clientSecret?: string;
  /** The scopes the back office asks for at sign-in (AUTH_SCOPES); the roles claim must come with them. */
  scopes: string;
  /** How long the issuer's keys are trusted before they are fetched again (AUTH_JWKS_MAX_AGE). */
  jwksMaxAgeMs: number;
}

export interface AuthSettings {
  /** HS256 shared secret: tests and single-service setups; never with an issuer. */
  jwtSecret?: string;
  issuer?: IssuerSettings;
  /** The address people reach the back office at (PUBLIC_URL): its sign-in callback is under it. */
  publicUrl?: string;
  /** How long a back-office session lasts without a new sign-in (AUTH_SESSION_TTL). */
  sessionTtlMs: number;
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

function authSettings(env: Env): AuthSettings {
  const jwtSecret = text(env, 'AUTH_JWT_SECRET');
  const issuer = text(env, 'AUTH_ISSUER');
  const sessionTtlMs = boundedDuration(env, 'AUTH_SESSION_TTL', '8h', {
    minMs: 60_000,
    maxMs: 7 * 86_400_000,
    min: '1m',
    max: '7 days',
  });
  const publicUrl = url(env, 'PUBLIC_URL')?.replace(/\/+$/, '');
  if (!issuer) {
    for (const name of ['AUTH_AUDIENCE', 'AUTH_ROLE_MAP', 'AUTH_CLIENT_ID', 'AUTH_CLIENT_SECRET']) {
      if (text(env, name)) throw new ConfigError(name, 'is used only with AUTH_ISSUER, which is not set');
    }
    return { jwtSecret, publicUrl, sessionTtlMs };
  }
  if (jwtSecret) {
    throw new ConfigError(
      'AUTH_JWT_SECRET',
      'is set together with AUTH_ISSUER; tokens come from one place: unset one of them',
    );
  }
  const problem = issuerUrlProblem(issuer);
  if (problem) throw new ConfigError('AUTH_ISSUER', problem);
  const audience = text(env, 'AUTH_AUDIENCE');
  if (!audience)
    throw new ConfigError('AUTH_AUDIENCE', "is required with AUTH_ISSUER (the `aud` of the API's tokens)");
  const mapText = text(env, 'AUTH_ROLE_MAP');
  let roleMap: RoleMap | undefined;
  try {
    roleMap = mapText ? parseRoleMap(mapText) : undefined;
  } catch (err) {
    throw new ConfigError('AUTH_ROLE_MAP', (err as Error).message);
  }
  const clientId = text(env, 'AUTH_CLIENT_ID');
  const clientSecret = text(env, 'AUTH_CLIENT_SECRET');
  if (clientSecret && !clientId) throw new ConfigError('AUTH_CLIENT_SECRET', 'needs AUTH_CLIENT_ID');
  return {
    publicUrl,
    sessionTtlMs,
    issuer: {
      // Exactly as given: `iss` is compared as a string, and some providers end theirs with a slash.
      issuer,
      audience,
      rolesClaim: text(env, 'AUTH_ROLES_CLAIM') ?? 'roles',
      roleMap,
      subjectClaim: text(env, 'AUTH_SUBJECT_CLAIM') ?? 'sub',
      clientId,
      clientSecret,
      scopes: text(env, 'AUTH_SCOPES') ?? 'openid profile',
      jwksMaxAgeMs: boundedDuration(env, 'AUTH_JWKS_MAX_AGE', '10m', {
        minMs: 1_000,
        maxMs: 86_400_000,
        min: '1s',
        max: '24h',
      }),
    },
  };
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
    auth: authSettings(env),
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
      sideEffectAlertAfterMs: duration(env, 'SIDE_EFFECT_ALERT_AFTER', '15m'),
      supportEmail: text(env, 'SUPPORT_EMAIL') ?? 'support@example.com',
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
