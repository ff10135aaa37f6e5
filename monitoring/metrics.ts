/**
 * Every metric the alert rules (monitoring/alerts.yml) read: where it is exposed, its labels and
 * the values a rule may match on, by the names the running processes expose (checked against a
 * running worker and API: the SDK's metrics carry `namespace`, `service_name` and snake_case
 * labels, durations in milliseconds; the processes' counters camelCase labels and no `_total`).
 * test/monitoring/alerts.test.ts holds the rules to this list, and an end-to-end test can hold a
 * running stack to it (`exposedMetricNames`).
 */
import type { SupportAlert } from '../activities/checkout/types';
import { WATCHED_ORDER_STATUSES } from '../api/checkout/waiting-orders';
import { ORDER_STATUSES } from '../domain/checkout';
import { LEAVE_STATUSES } from '../domain/leave';
import { REGISTRATION_STATUSES } from '../domain/registration';

/** Who exposes it: the worker (WORKER_METRICS_ADDRESS), the API (GET /metrics), or Prometheus. */
export type MetricSource = 'worker' | 'api' | 'prometheus';

export interface MonitoredMetric {
  name: string;
  source: MetricSource;
  type: 'counter' | 'gauge' | 'histogram';
  /** Its labels, besides the `job` and `instance` Prometheus adds to every scraped series. */
  labels: readonly string[];
  /** The values a label takes, where they are known: a rule matching another value never fires. */
  values?: Readonly<Record<string, readonly string[]>>;
  help: string;
}

/** The scrape job of each source, as monitoring/prometheus.yml names them and the rules select. */
export const SCRAPE_JOBS: Readonly<Record<Exclude<MetricSource, 'prometheus'>, string>> = {
  api: 'commerce-api',
  worker: 'commerce-worker',
};

/** The task queues of the default TEMPORAL_TASK_QUEUE: the main one and the rate-limited Stripe one. */
export const TASK_QUEUES = ['commerce', 'commerce-stripe'] as const;

/** The workflows that count their statuses and support alerts (those built on ProcessContext). */
export const COUNTING_WORKFLOWS = [
  'checkoutWorkflow',
  'leaveRequestWorkflow',
  'registrationWorkflow',
] as const;

/** Why support is alerted: an order's (activities/checkout/types.ts), a leave request's or a registration's. */
export const SUPPORT_ALERT_KINDS = [
  'delivery_delayed',
  'delivery_failed',
  'payment_failed',
  'payment_unconfirmed',
  'refund_failed',
] as const satisfies readonly SupportAlert['kind'][];
// Every kind an order may alert is listed (a new one fails the typecheck here).
const everyKindListed: Exclude<SupportAlert['kind'], (typeof SUPPORT_ALERT_KINDS)[number]> extends never
  ? true
  : never = true;
void everyKindListed;

/**
 * sdk-core's `failure_reason` of a failed workflow task (temporalio/sdk-core,
 * crates/sdk-core/src/telemetry/metrics.rs, `impl Display for FailureReason`).
 */
export const WORKFLOW_TASK_FAILURE_REASONS = [
  'NonDeterminismError',
  'WorkflowError',
  'PayloadsTooLarge',
  'GrpcMessageTooLarge',
  'RequestTooLarge',
] as const;

const SDK_LABELS = ['namespace', 'service_name', 'task_queue'] as const;
const PROCESS_LABELS = ['namespace', 'taskQueue', 'workflowType'] as const;

export const MONITORED_METRICS: readonly MonitoredMetric[] = [
  {
    name: 'commerce_status_entered',
    source: 'worker',
    type: 'counter',
    labels: [...PROCESS_LABELS, 'status'],
    values: {
      workflowType: COUNTING_WORKFLOWS,
      taskQueue: TASK_QUEUES,
      status: [...new Set([...ORDER_STATUSES, ...LEAVE_STATUSES, ...REGISTRATION_STATUSES])],
    },
    help: 'A process entered a status (an order Received is an order placed, PaymentFailed declined…)',
  },
  {
    name: 'commerce_support_alerts',
    source: 'worker',
    type: 'counter',
    labels: [...PROCESS_LABELS, 'kind'],
    values: { workflowType: COUNTING_WORKFLOWS, taskQueue: TASK_QUEUES, kind: SUPPORT_ALERT_KINDS },
    help: 'Support was alerted by a process',
  },
  {
    name: 'temporal_activity_schedule_to_start_latency',
    source: 'worker',
    type: 'histogram',
    labels: SDK_LABELS,
    values: { task_queue: TASK_QUEUES },
    help: 'How long an activity waited for a worker, in milliseconds',
  },
  {
    name: 'temporal_workflow_task_schedule_to_start_latency',
    source: 'worker',
    type: 'histogram',
    labels: SDK_LABELS,
    values: { task_queue: TASK_QUEUES },
    help: 'How long a workflow task waited for a worker, in milliseconds',
  },
  {
    name: 'temporal_num_pollers',
    source: 'worker',
    type: 'gauge',
    labels: [...SDK_LABELS, 'poller_type'],
    values: {
      task_queue: TASK_QUEUES,
      poller_type: ['workflow_task', 'sticky_workflow_task', 'activity_task'],
    },
    help: 'Polls in flight, by kind of task (a poll needs a free task slot)',
  },
  {
    name: 'temporal_workflow_task_execution_failed',
    source: 'worker',
    type: 'counter',
    labels: [...SDK_LABELS, 'workflow_type', 'failure_reason'],
    values: { task_queue: TASK_QUEUES, failure_reason: WORKFLOW_TASK_FAILURE_REASONS },
    help: 'Workflow tasks that failed, by why (created at the first failure)',
  },
  {
    name: 'http_requests_total',
    source: 'api',
    type: 'counter',
    labels: ['method', 'route', 'status'],
    help: 'HTTP requests answered, by method, route pattern and status',
  },
  {
    name: 'http_request_duration_seconds',
    source: 'api',
    type: 'histogram',
    labels: ['method', 'route', 'status'],
    help: 'Time to answer an HTTP request',
  },
  {
    name: 'commerce_orders_in_status',
    source: 'api',
    type: 'gauge',
    labels: ['status'],
    values: { status: WATCHED_ORDER_STATUSES },
    help: "Orders now in a status an order waits in, read from the app's database at each scrape",
  },
  {
    name: 'commerce_orders_oldest_in_status_seconds',
    source: 'api',
    type: 'gauge',
    labels: ['status'],
    values: { status: WATCHED_ORDER_STATUSES },
    help: 'Seconds since the oldest order in a waiting status was last recorded; 0 when none waits',
  },
  {
    name: 'commerce_orders_read_failed',
    source: 'api',
    type: 'gauge',
    labels: [],
    help: 'Whether the last scrape could not read the waiting orders (they keep their last values)',
  },
  {
    name: 'up',
    source: 'prometheus',
    type: 'gauge',
    labels: [],
    values: { job: Object.values(SCRAPE_JOBS) },
    help: "Prometheus' own: whether a target answered its last scrape",
  },
];

/** The series names a metric is exposed under: a histogram's `_bucket`, `_sum` and `_count`. */
export function seriesNames(metric: MonitoredMetric): string[] {
  return metric.type === 'histogram'
    ? ['_bucket', '_sum', '_count'].map((suffix) => `${metric.name}${suffix}`)
    : [metric.name];
}

/** Every series name a source exposes that the rules may read. */
export function exposedMetricNames(source: Exclude<MetricSource, 'prometheus'>): string[] {
  return MONITORED_METRICS.filter((m) => m.source === source).flatMap(seriesNames);
}

/** The metric a series name belongs to (`…_bucket` to its histogram), if it is documented here. */
export function metricOfSeries(series: string): MonitoredMetric | undefined {
  return MONITORED_METRICS.find((metric) => seriesNames(metric).includes(series));
}
