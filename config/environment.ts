/**
 * Every environment variable the app reads, in one zod schema: how each is parsed (a bad value
 * stops startup with a message naming the variable), its default and its meaning. The same
 * schema produces the table in docs/configuration.md (`npm run docs:config`; a test checks the two
 * match), so the documentation cannot drift from what the code reads.
 */
import { z } from 'zod';
import { parseYearStart } from '../domain/leave';
import { parseEncryptionKeys } from '../infrastructure/encryption';
import { LOG_LEVELS } from '../infrastructure/logging';
import { parseDuration } from './durations';

/** A variable as read: trimmed, empty meaning unset. */
const raw = z
  .string()
  .optional()
  .transform((value) => value?.trim() || undefined);

interface Issues {
  addIssue(issue: { code: 'custom'; message: string }): void;
}

/** Runs `parse` on the value; what it throws is the variable's error. */
function parsed<T>(parse: (value: string) => T) {
  return (value: string, ctx: Issues): T => {
    try {
      return parse(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  };
}

/** A deployment name or build id as the server takes it: no `:` or `.`, at most 255 characters. */
function deploymentPart() {
  return raw.transform((value, ctx) => {
    if (value !== undefined && !/^[A-Za-z0-9_-]{1,255}$/.test(value)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" must be letters, digits, - or _ (the server refuses : and .)`,
      });
      return z.NEVER;
    }
    return value;
  });
}

const text = () => raw;
const textOr = (fallback: string) => raw.transform((v) => v ?? fallback);

function duration(fallback: string, bounds?: { min: string; max: string }) {
  return raw.transform((value, ctx) => {
    let ms: number;
    try {
      ms = parseDuration(value ?? fallback);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
    if (bounds && (ms < parseDuration(bounds.min) || ms > parseDuration(bounds.max))) {
      ctx.addIssue({ code: 'custom', message: `must be from ${bounds.min} to ${bounds.max} (got ${value})` });
    }
    return ms;
  });
}

function wholeNumber(value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new Error(`"${value}" is not a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

const integer = (fallback: number, min: number, max: number) =>
  raw.transform((v, ctx) => (v === undefined ? fallback : parsed((x) => wholeNumber(x, min, max))(v, ctx)));
const optionalInteger = (min: number, max: number) =>
  raw.transform((v, ctx) => (v === undefined ? undefined : parsed((x) => wholeNumber(x, min, max))(v, ctx)));

const optionalBoolean = () =>
  raw.transform((v, ctx) => {
    if (v === undefined) return undefined;
    const value = v.toLowerCase();
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    ctx.addIssue({ code: 'custom', message: `"${value}" is not true or false` });
    return z.NEVER;
  });

function oneOf<T extends string>(values: readonly T[], fallback: T) {
  return raw.transform((v, ctx): T => {
    if (v === undefined) return fallback;
    const found = values.find((x) => x.toLowerCase() === v.toLowerCase());
    if (found) return found;
    ctx.addIssue({ code: 'custom', message: `"${v}" is not one of ${values.join(', ')}` });
    return z.NEVER;
  });
}

const hostPort = () =>
  raw.transform((v, ctx) => {
    if (v === undefined) return undefined;
    const match = /^([\w.-]+|\[[\d:a-f]+\]):(\d{1,5})$/i.exec(v);
    if (match && Number(match[2]) <= 65535) return v;
    ctx.addIssue({ code: 'custom', message: `"${v}" is not host:port` });
    return z.NEVER;
  });

const url = () =>
  raw.transform((v, ctx) => {
    if (v === undefined) return undefined;
    if (URL.canParse(v)) return v;
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a URL` });
    return z.NEVER;
  });

const list = () =>
  raw.transform((v) =>
    (v ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
  );

/** One variable: how it is parsed, the default as the docs say it, and what it means. */
function variable<S extends z.ZodType>(schema: S, shown: string, meaning: string): S {
  return schema.meta({ default: shown, description: meaning });
}

export const ENVIRONMENT = z.object({
  PORT: variable(integer(3000, 0, 65535), '`3000`', 'API port'),
  DATA_DIR: variable(
    textOr('.data'),
    '`./.data`',
    "everything kept on disk: the app's database, the dev server's database, dev-adapter records, the embedded provider's keys",
  ),
  TEMPORAL_ADDRESS: variable(
    text(),
    'unset',
    'a Temporal server to use; unset: `npm start` runs a dev server',
  ),
  TEMPORAL_PORT: variable(
    integer(7233, 1, 64535),
    '`7233`',
    "the local dev server's port; its Web UI is on this + 1000",
  ),
  TEMPORAL_NAMESPACE: variable(textOr('default'), '`default`', 'namespace'),
  TEMPORAL_TASK_QUEUE: variable(textOr('commerce'), '`commerce`', 'task queue of the worker'),
  TEMPORAL_API_KEY: variable(text(), 'unset', 'Temporal Cloud API key (turns on TLS)'),
  TEMPORAL_TLS: variable(text(), 'unset', '`true`: TLS to the server with the system CAs'),
  TEMPORAL_TLS_CERT: variable(text(), 'unset', 'client certificate file for mTLS (turns on TLS)'),
  TEMPORAL_TLS_KEY: variable(text(), 'unset', 'client key file for mTLS'),
  TEMPORAL_TLS_CA: variable(text(), 'unset', "a private CA's certificate file"),
  TEMPORAL_TLS_SERVER_NAME: variable(
    text(),
    'unset',
    "the server name to check the server's certificate against",
  ),
  TEMPORAL_PROFILE: variable(
    text(),
    'unset',
    'a profile of the Temporal config file (`temporal.toml`, `TEMPORAL_CONFIG_FILE`) to take the connection from; the variables above win',
  ),
  AUTH_ISSUER: variable(
    text(),
    'unset (`npm start`: its embedded provider)',
    'the identity provider whose tokens the API trusts (HTTPS, or HTTP on loopback); see [sign-in](sign-in.md)',
  ),
  AUTH_AUDIENCE: variable(
    text(),
    'unset',
    "the `aud` the API's tokens must carry (required with `AUTH_ISSUER`)",
  ),
  AUTH_ROLES_CLAIM: variable(
    textOr('roles'),
    '`roles`',
    'the claim holding groups or roles (dotted names reach in)',
  ),
  AUTH_ROLE_MAP: variable(
    text(),
    'unset',
    "`group=role,…`; without a map a value equal to a role's name is that role",
  ),
  AUTH_SUBJECT_CLAIM: variable(
    textOr('sub'),
    '`sub`',
    'the claim naming the caller (for people, their employee id)',
  ),
  AUTH_CLIENT_ID: variable(
    text(),
    'unset',
    "the back office's client at the issuer; unset: no people's sign-in",
  ),
  AUTH_CLIENT_SECRET: variable(text(), 'unset', "that client's secret"),
  AUTH_SCOPES: variable(
    textOr('openid profile'),
    '`openid profile`',
    'scopes the back office asks for; the roles claim must come with them',
  ),
  AUTH_JWKS_MAX_AGE: variable(
    duration('10m', { min: '1s', max: '24h' }),
    '`10m`',
    "how long the issuer's keys are used before they are fetched again: a removed key's grace",
  ),
  AUTH_SESSION_TTL: variable(
    duration('8h', { min: '1m', max: '7 days' }),
    '`8h`',
    'how long a back-office session lasts (1m to 7 days)',
  ),
  PUBLIC_URL: variable(
    url(),
    '`http://127.0.0.1:PORT`',
    'the address people reach the back office and the API at: its sign-in callback is `PUBLIC_URL/session/callback`, registration links `PUBLIC_URL/registrations/confirm`; `https://` makes the cookies `Secure`',
  ),
  IDENTITY_PROVIDER_PORT: variable(
    optionalInteger(1, 65535),
    '`PORT` + 1',
    "the embedded provider's port (`npm start` without `AUTH_ISSUER`/`AUTH_JWT_SECRET`)",
  ),
  AUTH_JWT_SECRET: variable(
    text(),
    'unset',
    'HS256 secret for bearer tokens (32+ characters): tests and single-service setups; never with `AUTH_ISSUER`',
  ),
  PAYMENT_RESOLUTION_WINDOW: variable(
    duration('72h'),
    '`72h`',
    'how long a failed payment waits for support before the order is cancelled',
  ),
  PAYMENT_ATTEMPT_TIMEOUT: variable(
    duration('1h', { min: '1s', max: '12h' }),
    '`1h`',
    'how long one charge may go unconfirmed by Stripe (5xx, timeouts) before the order is `PaymentUnconfirmed` and support alerted; 1s to 12h (Stripe keeps a key 24 h)',
  ),
  SIDE_EFFECT_ALERT_AFTER: variable(
    duration('15m'),
    '`15m`',
    'how long an event or email (of an order or a leave request) may keep failing before support is alerted (retries go on)',
  ),
  RETURN_WINDOW: variable(
    duration('30 days'),
    '`30 days`',
    'how long a shipped order stays open before it is `Completed`; also how long cancelled goods may take',
  ),
  ORDER_REMORSE_WINDOW: variable(
    duration('1h'),
    '`1h`',
    'remorse window: a cancel inside it costs nothing; the order is accepted (and paid) when it closes',
  ),
  AUTHORIZATION_THRESHOLD: variable(
    integer(100_000, 1, Number.MAX_SAFE_INTEGER),
    '`100000`',
    "minor units at which an order needs a manager's approval within the window",
  ),
  RESTOCKING_FEE_PERCENT: variable(
    integer(15, 0, 100),
    '`15`',
    'whole percent kept on cancelled goods returned out of their original packaging',
  ),
  LEAVE_REMINDER_AFTER: variable(
    duration('2 days', { min: '1s', max: '365 days' }),
    '`2 days`',
    'the reminder pace of a pending leave request: three reminders at it, then the next manager up is asked and the waits double, up to a week; at least 1s',
  ),
  LEAVE_YEAR_START: variable(
    textOr('01-01').transform((v, ctx) => parsed((x) => (parseYearStart(x), x))(v, ctx)),
    '`01-01`',
    '`MM-DD` a leave year starts: allowances are granted and negative balances deducted',
  ),
  PAYROLL_CURRENCY: variable(
    textOr('eur').refine((v) => /^[a-z]{3}$/.test(v), 'must be a lowercase ISO 4217 code such as "eur"'),
    '`eur`',
    'the currency of the payroll: daily rates and what a final paycheck loses for leave taken below zero (lowercase ISO 4217)',
  ),
  REGISTRATION_CONFIRM_WITHIN: variable(
    duration('24h', { min: '1m', max: '30 days' }),
    '`24h`',
    "how long a registration's confirmation link works; without a click on the last one the registration lapses and the address is free again (1m to 30 days)",
  ),
  PASSWORD_RESET_WITHIN: variable(
    duration('1h', { min: '1m', max: '7 days' }),
    '`1h`',
    "how long a forgotten password's emailed link works; only the newest link of a customer works (1m to 7 days)",
  ),
  SUPPORT_EMAIL: variable(textOr('support@example.com'), '`support@example.com`', 'where support alerts go'),
  MANAGERS_EMAIL: variable(
    textOr('managers@example.com'),
    '`managers@example.com`',
    "where a large order's authorization request is emailed",
  ),
  EMAIL_FROM: variable(textOr('orders@example.com'), '`orders@example.com`', 'sender of every email'),
  STRIPE_SECRET_KEY: variable(text(), 'unset', 'Stripe; unset: the development payment adapter'),
  STRIPE_API_BASE: variable(url(), 'unset', "Stripe's address, e.g. a local stripe-mock"),
  STRIPE_MAX_REQUESTS_PER_SECOND: variable(
    optionalInteger(1, 10_000),
    '`25` with a test key, `100` with a live key, `1000` with the development adapter',
    'requests a second all workers together send Stripe (its limits: 25 in a sandbox, 100 live); a bulk action takes four fifths of it',
  ),
  SENDGRID_API_KEY: variable(text(), 'unset', 'SendGrid; unset: the development mail adapter'),
  SENDGRID_BASE_URL: variable(url(), 'unset', "SendGrid's address"),
  AMQP_URL: variable(
    url(),
    'unset',
    'RabbitMQ (topic exchanges `commerce` and `people`); unset: the development event adapter',
  ),
  PAYLOAD_ENCRYPTION_KEYS: variable(
    raw.transform((v, ctx) => (v === undefined ? undefined : parsed(parseEncryptionKeys)(v, ctx))),
    'unset',
    '`id:base64key,…` (32-byte keys, the current one first): workflow and activity payloads are encrypted with AES-256-GCM; unset, they are plain JSON',
  ),
  CODEC_CORS_ORIGINS: variable(
    list(),
    'unset',
    "origins (the Temporal UI's) allowed to call the API's codec server, `/codec/decode`",
  ),
  LOG_LEVEL: variable(oneOf(LOG_LEVELS, 'INFO'), '`INFO`', '`TRACE` to `ERROR`'),
  LOG_FORMAT: variable(
    oneOf(['json', 'pretty'] as const, 'json'),
    '`json`',
    "the worker's and the API's log: JSON lines (`npm start` uses `pretty`)",
  ),
  OTEL_TRACES_EXPORTER: variable(
    raw.transform((value, ctx) => {
      if (value === undefined) return undefined;
      const first = value.split(',')[0]!.trim().toLowerCase();
      if (!['otlp', 'zipkin', 'console', 'none'].includes(first)) {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not otlp, zipkin, console or none` });
        return z.NEVER;
      }
      return first;
    }),
    'the endpoint that is set; none set: off',
    'OpenTelemetry: where traces go (`npm start` sends them to its Zipkin)',
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: variable(url(), 'unset', 'an OTLP/HTTP collector (traces go to `/v1/traces`)'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: variable(url(), 'unset', 'the OTLP/HTTP traces URL itself'),
  OTEL_EXPORTER_ZIPKIN_ENDPOINT: variable(
    url(),
    'unset',
    "Zipkin's span URL, e.g. `http://127.0.0.1:9411/api/v2/spans`",
  ),
  OTEL_SERVICE_NAME: variable(
    text(),
    '`temporal-commerce-api` / `-worker`',
    'the service named in every span',
  ),
  OTEL_TRACES_SAMPLER: variable(
    text(),
    '`parentbased_always_on`',
    "the SDK's sampler, e.g. `parentbased_traceidratio` with `OTEL_TRACES_SAMPLER_ARG=0.1`",
  ),
  OTEL_TRACES_SAMPLER_ARG: variable(text(), 'unset', "the sampler's argument"),
  OTEL_SDK_DISABLED: variable(
    oneOf(['true', 'false'] as const, 'false'),
    '`false`',
    '`true`: no tracing at all',
  ),
  ZIPKIN_PORT: variable(
    integer(9411, 0, 65535),
    '`9411`',
    "`npm start`'s Zipkin (the trace viewer) port; `0`: no Zipkin",
  ),
  TRACE_VIEWER_URL: variable(
    url(),
    'unset (`npm start`: its Zipkin)',
    "Zipkin's UI (e.g. `http://zipkin:9411/zipkin`): support's order page links to a search for the order's traces",
  ),
  TEMPORAL_UI_URL: variable(
    url(),
    'unset (`npm start`: its Temporal UI)',
    "the Temporal UI's address: the back office links each order to its workflow",
  ),
  WORKER_METRICS_ADDRESS: variable(
    hostPort(),
    'unset',
    "`host:port` where the worker serves the SDK's Prometheus metrics; unset: off",
  ),
  WORKER_MAX_CACHED_WORKFLOWS: variable(
    optionalInteger(0, 100_000),
    "the SDK's",
    'worker tuning: workflows kept in memory',
  ),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: variable(
    optionalInteger(2, 10_000),
    "the SDK's",
    'workflow tasks at once',
  ),
  WORKER_MAX_CONCURRENT_ACTIVITIES: variable(optionalInteger(1, 10_000), "the SDK's", 'activities at once'),
  WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: variable(
    optionalInteger(1, 10_000),
    "the SDK's",
    'local activities at once',
  ),
  WORKER_WORKFLOW_POLLERS: variable(
    optionalInteger(2, 1_000),
    "the SDK's",
    'concurrent polls for workflow tasks',
  ),
  WORKER_ACTIVITY_POLLERS: variable(
    optionalInteger(1, 1_000),
    "the SDK's",
    'concurrent polls for activity tasks',
  ),
  WORKER_REUSE_V8_CONTEXT: variable(
    optionalBoolean(),
    "`true` (the SDK's)",
    'one V8 context for all workflows; `false` only to compare (the SDK reports about 3× the memory without it)',
  ),
  WORKER_BUILD_ID: variable(
    deploymentPart(),
    'unset',
    'Worker Versioning: the build this worker runs (`auto`: a hash of its workflow bundle); unset, the worker is unversioned. Versioned workers get new workflows only once their build is current (`npm run release`)',
  ),
  WORKER_DEPLOYMENT_NAME: variable(
    deploymentPart().transform((v) => v ?? 'commerce'),
    '`commerce`',
    "Worker Versioning: the deployment a versioned worker's build belongs to",
  ),
  WORKFLOW_BUNDLE: variable(
    text(),
    '`dist/workflow-bundle.js` when compiled',
    'a prebuilt workflow bundle (`npm run build`); a missing file stops the worker',
  ),
  DATABASE_URL: variable(
    text(),
    'unset',
    "the app's store (orders, the leave ledger, sessions): unset, SQLite at `DATA_DIR/app.db`; `sqlite:<file>`; or `postgres://user:password@host:5432/db` (tables created at start)",
  ),
  TEMPORAL_CLI_PATH: variable(text(), 'unset', 'scripts: a `temporal` binary to use instead of building one'),
  TEMPORAL_TEST_SERVER_PATH: variable(
    text(),
    'unset',
    "scripts: the time-skipping test server's launcher to use instead of fetching one",
  ),
  STRIPE_MOCK_PATH: variable(text(), 'unset', 'scripts: a stripe-mock binary to use instead of building one'),
  PROMTOOL_PATH: variable(text(), 'unset', 'scripts: a promtool binary to use instead of building one'),
  ZIPKIN_JAR: variable(text(), 'unset', "scripts: Zipkin server's exec jar to use instead of fetching one"),
});

export type Environment = z.output<typeof ENVIRONMENT>;

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`configuration ${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; the first bad variable stops it with a message naming it. */
export function readEnvironment(env: Record<string, string | undefined>): Environment {
  const result = ENVIRONMENT.safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new ConfigError(String(issue.path[0] ?? 'environment'), issue.message);
}

/** The variables as the table in docs/configuration.md shows them. */
export function configurationTable(): string {
  const rows = Object.entries(ENVIRONMENT.shape).map(([name, schema]) => {
    const meta = (schema as z.ZodType).meta() as { default: string; description: string };
    return `| \`${name}\` | ${meta.default} | ${meta.description} |`;
  });
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
