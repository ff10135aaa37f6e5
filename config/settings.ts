/**
 * All configuration, read once from the environment by a composition root (worker, API, start
 * script) and passed down. Each variable is parsed by the schema in config/environment.ts (which
 * also writes the docs' table); bad values stop startup with a message that names the variable.
 * The Temporal connection also follows Temporal's own environment configuration
 * (@temporalio/envconfig): a `temporal.toml` profile and its variable names.
 */
import path from 'node:path';
import { loadClientConfigProfile, type ClientConfigProfile } from '@temporalio/envconfig';
import { issuerUrlProblem, parseRoleMap, type RoleMap } from '../domain/roles';
import type { EncryptionKey } from '../infrastructure/encryption';
import type { TemporalSettings } from '../infrastructure/connection';
import type { LogSettings } from '../infrastructure/logging';
import { ConfigError, readEnvironment, type Environment } from './environment';

export { ConfigError };

/** The business timings and limits the checkout workflow follows (docs/processes.md). */
export interface CheckoutSettings {
  paymentResolutionWindowMs: number;
  /**
   * How long one charge attempt may go unconfirmed by Stripe (5xx, timeouts) before the order is
   * `PaymentUnconfirmed` and support is alerted; well inside the 24 hours Stripe keeps an
   * idempotency key. Absent in the settings of orders started before it existed: one hour.
   */
  paymentAttemptTimeoutMs?: number;
  /**
   * The task queue of the Stripe workers, which hold every request to STRIPE_MAX_REQUESTS_PER_SECOND
   * shared by all of them. Absent (orders started before it, tests with one worker): the order's own.
   */
  paymentsTaskQueue?: string;
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
  /** PAYROLL_CURRENCY: the currency of daily rates and paycheck deductions (absent before it was named). */
  payrollCurrency?: string;
}

/** The registration process's timings, as its workflow reads them. */
export interface RegistrationSettings {
  /** REGISTRATION_CONFIRM_WITHIN: how long a link works; the registration lapses after the last one's. */
  confirmWithinMs: number;
  /** SIDE_EFFECT_ALERT_AFTER. */
  sideEffectAlertAfterMs: number;
}

/** The registration process's timings and addresses (docs/processes.md, "Registration"). */
export interface RegistrationConfig extends RegistrationSettings {
  /** PUBLIC_URL, or the API's own address: where a confirmation link points. */
  publicUrl: string;
  /** PASSWORD_RESET_WITHIN: how long a forgotten password's link works. */
  passwordResetWithinMs: number;
  /** SUPPORT_EMAIL. */
  supportEmail: string;
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

export type { TemporalSettings };

export interface AppConfig {
  port: number;
  log: LogSettings;
  /** Where the worker serves the SDK's Prometheus metrics (`host:port`); unset: off. */
  workerMetricsAddress?: string;
  /** The standard OTEL_* variables as validated: observability/tracing.ts reads them. */
  otel: Record<string, string | undefined>;
  /** Where the back office links an order's trace and its workflow. */
  links: { traceViewerUrl?: string; temporalUiUrl?: string };
  /** `npm start`'s Zipkin port; 0: none. */
  zipkinPort: number;
  /** WORKFLOW_BUNDLE: a prebuilt workflow bundle for the worker (default: dist/ when compiled). */
  workflowBundlePath?: string;
  /**
   * Worker Versioning (WORKER_BUILD_ID, WORKER_DEPLOYMENT_NAME): the deployment and build this
   * worker serves; `buildId: 'auto'` is a hash of the workflow bundle. Unset: an unversioned worker.
   */
  deployment?: { name: string; buildId: string };
  dataDir: string;
  temporal: TemporalSettings;
  auth: AuthSettings;
  /** Payload encryption keys, the current one first; unset: payloads travel as plain JSON. */
  encryptionKeys?: EncryptionKey[];
  /** Origins (the Temporal UI's) allowed to call the codec endpoints from a browser. */
  codecCorsOrigins: string[];
  checkout: CheckoutSettings;
  leave: LeaveSettings;
  registration: RegistrationConfig;
  worker: WorkerTuning;
  stripe: {
    secretKey?: string;
    apiBase?: string;
    /** Requests a second all workers together send Stripe (the Stripe queue's rate limit). */
    maxRequestsPerSecond: number;
  };
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

type Env = Record<string, string | undefined>;

/**
 * The connection to Temporal: the profile of Temporal's config file (TEMPORAL_CONFIG_FILE, else
 * its default place; TEMPORAL_PROFILE, else `default`) with Temporal's own variables over it
 * (TEMPORAL_ADDRESS, TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_GRPC_META_…), then this app's older
 * names over those (TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA), which keep working.
 */
function temporalSettings(v: Environment, env: Env): TemporalSettings {
  let profile: ClientConfigProfile;
  try {
    const defined = Object.fromEntries(
      Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined),
    );
    profile = loadClientConfigProfile({ profile: v.TEMPORAL_PROFILE, overrideEnvVars: defined });
  } catch (err) {
    throw new ConfigError(
      v.TEMPORAL_PROFILE ? 'TEMPORAL_PROFILE' : 'TEMPORAL_CONFIG_FILE',
      (err as Error).message,
    );
  }
  let tls = profile.tls;
  if (v.TEMPORAL_TLS_CERT || v.TEMPORAL_TLS_KEY || v.TEMPORAL_TLS_CA || (v.TEMPORAL_TLS === 'true' && !tls)) {
    tls = {
      ...tls,
      serverName: v.TEMPORAL_TLS_SERVER_NAME ?? tls?.serverName,
      clientCert: v.TEMPORAL_TLS_CERT ? { path: v.TEMPORAL_TLS_CERT } : tls?.clientCert,
      clientKey: v.TEMPORAL_TLS_KEY ? { path: v.TEMPORAL_TLS_KEY } : tls?.clientKey,
      serverCACert: v.TEMPORAL_TLS_CA ? { path: v.TEMPORAL_TLS_CA } : tls?.serverCACert,
    };
  }
  return {
    address: profile.address,
    port: v.TEMPORAL_PORT,
    namespace: profile.namespace ?? 'default',
    taskQueue: v.TEMPORAL_TASK_QUEUE,
    apiKey: profile.apiKey,
    tls,
    grpcMeta: profile.grpcMeta && Object.keys(profile.grpcMeta).length ? profile.grpcMeta : undefined,
  };
}

function authSettings(v: Environment): AuthSettings {
  const jwtSecret = v.AUTH_JWT_SECRET;
  const issuer = v.AUTH_ISSUER;
  const sessionTtlMs = v.AUTH_SESSION_TTL;
  const publicUrl = v.PUBLIC_URL?.replace(/\/+$/, '');
  if (!issuer) {
    for (const name of ['AUTH_AUDIENCE', 'AUTH_ROLE_MAP', 'AUTH_CLIENT_ID', 'AUTH_CLIENT_SECRET'] as const) {
      if (v[name]) throw new ConfigError(name, 'is used only with AUTH_ISSUER, which is not set');
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
  const audience = v.AUTH_AUDIENCE;
  if (!audience)
    throw new ConfigError('AUTH_AUDIENCE', "is required with AUTH_ISSUER (the `aud` of the API's tokens)");
  const mapText = v.AUTH_ROLE_MAP;
  let roleMap: RoleMap | undefined;
  try {
    roleMap = mapText ? parseRoleMap(mapText) : undefined;
  } catch (err) {
    throw new ConfigError('AUTH_ROLE_MAP', (err as Error).message);
  }
  const clientId = v.AUTH_CLIENT_ID;
  const clientSecret = v.AUTH_CLIENT_SECRET;
  if (clientSecret && !clientId) throw new ConfigError('AUTH_CLIENT_SECRET', 'needs AUTH_CLIENT_ID');
  return {
    publicUrl,
    sessionTtlMs,
    issuer: {
      // Exactly as given: `iss` is compared as a string, and some providers end theirs with a slash.
      issuer,
      audience,
      rolesClaim: v.AUTH_ROLES_CLAIM,
      roleMap,
      subjectClaim: v.AUTH_SUBJECT_CLAIM,
      clientId,
      clientSecret,
      scopes: v.AUTH_SCOPES,
      jwksMaxAgeMs: v.AUTH_JWKS_MAX_AGE,
    },
  };
}

/** The task queue of the workers that talk to Stripe, beside the main one. */
export function stripeTaskQueue(taskQueue: string): string {
  return `${taskQueue}-stripe`;
}

export function loadConfig(env: Env = process.env): AppConfig {
  const v = readEnvironment(env);
  return {
    port: v.PORT,
    log: { level: v.LOG_LEVEL, format: v.LOG_FORMAT },
    workerMetricsAddress: v.WORKER_METRICS_ADDRESS,
    otel: {
      OTEL_TRACES_EXPORTER: v.OTEL_TRACES_EXPORTER,
      OTEL_EXPORTER_OTLP_ENDPOINT: v.OTEL_EXPORTER_OTLP_ENDPOINT,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: v.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: v.OTEL_EXPORTER_ZIPKIN_ENDPOINT,
      OTEL_SERVICE_NAME: v.OTEL_SERVICE_NAME,
      OTEL_SDK_DISABLED: v.OTEL_SDK_DISABLED,
    },
    zipkinPort: v.ZIPKIN_PORT,
    links: {
      traceViewerUrl: v.TRACE_VIEWER_URL?.replace(/\/+$/, ''),
      temporalUiUrl: v.TEMPORAL_UI_URL?.replace(/\/+$/, ''),
    },
    workflowBundlePath: v.WORKFLOW_BUNDLE,
    deployment: v.WORKER_BUILD_ID
      ? { name: v.WORKER_DEPLOYMENT_NAME, buildId: v.WORKER_BUILD_ID }
      : undefined,
    dataDir: path.resolve(v.DATA_DIR),
    temporal: temporalSettings(v, env),
    auth: authSettings(v),
    encryptionKeys: v.PAYLOAD_ENCRYPTION_KEYS,
    codecCorsOrigins: v.CODEC_CORS_ORIGINS,
    checkout: {
      paymentResolutionWindowMs: v.PAYMENT_RESOLUTION_WINDOW,
      // Stripe keeps an idempotency key for about 24 hours: an attempt must end well before.
      paymentAttemptTimeoutMs: v.PAYMENT_ATTEMPT_TIMEOUT,
      sideEffectAlertAfterMs: v.SIDE_EFFECT_ALERT_AFTER,
      returnWindowMs: v.RETURN_WINDOW,
      orderRemorseWindowMs: v.ORDER_REMORSE_WINDOW,
      authorizationThreshold: v.AUTHORIZATION_THRESHOLD,
      restockingFeePercent: v.RESTOCKING_FEE_PERCENT,
      supportEmail: v.SUPPORT_EMAIL,
      managersEmail: v.MANAGERS_EMAIL,
      // The Stripe workers' queue (worker.ts): every Stripe request of every worker passes its limit.
      paymentsTaskQueue: stripeTaskQueue(v.TEMPORAL_TASK_QUEUE),
    },
    leave: {
      // Zero would remind in a loop without a timer; under a second is no reminder a person reads.
      reminderAfterMs: v.LEAVE_REMINDER_AFTER,
      yearStart: v.LEAVE_YEAR_START,
      sideEffectAlertAfterMs: v.SIDE_EFFECT_ALERT_AFTER,
      supportEmail: v.SUPPORT_EMAIL,
      payrollCurrency: v.PAYROLL_CURRENCY,
    },
    registration: {
      confirmWithinMs: v.REGISTRATION_CONFIRM_WITHIN,
      sideEffectAlertAfterMs: v.SIDE_EFFECT_ALERT_AFTER,
      publicUrl: v.PUBLIC_URL?.replace(/\/+$/, '') ?? `http://127.0.0.1:${v.PORT}`,
      supportEmail: v.SUPPORT_EMAIL,
      passwordResetWithinMs: v.PASSWORD_RESET_WITHIN,
    },
    worker: {
      maxCachedWorkflows: v.WORKER_MAX_CACHED_WORKFLOWS,
      maxConcurrentWorkflowTaskExecutions: v.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxConcurrentActivityTaskExecutions: v.WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentLocalActivityExecutions: v.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES,
      maxConcurrentWorkflowTaskPolls: v.WORKER_WORKFLOW_POLLERS,
      maxConcurrentActivityTaskPolls: v.WORKER_ACTIVITY_POLLERS,
      reuseV8Context: v.WORKER_REUSE_V8_CONTEXT,
    },
    stripe: {
      secretKey: v.STRIPE_SECRET_KEY,
      apiBase: v.STRIPE_API_BASE,
      // Stripe's own limits: 100 a second live, 25 in a sandbox; the development adapter has none.
      maxRequestsPerSecond:
        v.STRIPE_MAX_REQUESTS_PER_SECOND ??
        (!v.STRIPE_SECRET_KEY ? 1_000 : v.STRIPE_SECRET_KEY.startsWith('sk_live_') ? 100 : 25),
    },
    sendgrid: { apiKey: v.SENDGRID_API_KEY, baseUrl: v.SENDGRID_BASE_URL, fromEmail: v.EMAIL_FROM },
    amqp: { url: v.AMQP_URL },
    databaseUrl: v.DATABASE_URL,
  };
}
