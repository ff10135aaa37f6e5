/**
 * The production shape's Temporal configuration, written as the server and the UI server read it:
 * persistence and visibility both on PostgreSQL (SQL advanced visibility: search attributes and
 * list filters run on it), every service on 127.0.0.1, Worker Versioning's APIs on. The same facts
 * docker-compose.yml states for its containers; test/unit/production-shape.test.ts compares them.
 */
import { stringify } from 'yaml';

/** What docker-compose.yml and this stack agree on. */
export const PRODUCTION_SHAPE = {
  sqlPlugin: 'postgres12',
  /** Temporal's two databases (the app's store is a third, `commerce`). */
  databases: { persistence: 'temporal', visibility: 'temporal_visibility', app: 'commerce' },
  /** The schemas the SQL tool embeds, by database. */
  schemas: { persistence: 'postgresql/v12/temporal', visibility: 'postgresql/v12/visibility' },
  /** Fixed when the cluster is created: a production cluster picks it for its largest size (docs/operations.md). */
  historyShards: 4,
  namespace: 'default',
  retentionDays: 3,
  workers: 2,
  apis: 2,
} as const;

export interface TemporalPorts {
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  /** Four consecutive-or-not membership ports: frontend, history, matching, worker. */
  membership: [number, number, number, number];
  metrics: number;
  ui: number;
}

export function temporalServerConfig(options: {
  postgresPort: number;
  user: string;
  ports: TemporalPorts;
  /** Absolute: the server resolves a relative one against its working directory. */
  dynamicConfigFile?: string;
}): string {
  const { postgresPort, user, ports } = options;
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: PRODUCTION_SHAPE.sqlPlugin,
      databaseName,
      connectAddr: `127.0.0.1:${postgresPort}`,
      connectProtocol: 'tcp',
      user,
      password: '',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, httpPort?: number) => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...(httpPort ? { httpPort } : {}) },
  });
  return stringify({
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: PRODUCTION_SHAPE.historyShards,
      datastores: {
        'postgres-default': store(PRODUCTION_SHAPE.databases.persistence, 20),
        'postgres-visibility': store(PRODUCTION_SHAPE.databases.visibility, 10),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      metrics: {
        prometheus: {
          framework: 'tally',
          timerType: 'histogram',
          listenAddress: `127.0.0.1:${ports.metrics}`,
        },
      },
    },
    services: {
      frontend: service(ports.frontend, ports.membership[0], ports.frontendHttp),
      history: service(ports.history, ports.membership[1]),
      matching: service(ports.matching, ports.membership[2]),
      worker: service(ports.worker, ports.membership[3]),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${ports.frontend}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: {
      filepath: options.dynamicConfigFile ?? 'config/dynamicconfig.yaml',
      pollInterval: '10s',
    },
  });
}

/** Server settings beyond the static config: Updates and Worker Versioning on, quick namespace pickup. */
export function temporalDynamicConfig(): string {
  const on = [{ value: true, constraints: {} }];
  return stringify({
    'frontend.enableUpdateWorkflowExecution': on,
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted': on,
    'frontend.workerVersioningWorkflowAPIs': on,
    'frontend.workerVersioningDataAPIs': on,
    'system.enableDeploymentVersions': on,
    'system.enableDeployments': on,
    'frontend.enableExecuteMultiOperation': on,
    'system.forceSearchAttributesCacheRefreshOnRead': on,
    // Task queue priority: a bulk action's Stripe calls wait behind new customers'.
    'matching.useNewMatcher': on,
  });
}

export function temporalUiConfig(options: {
  port: number;
  frontend: number;
  codecEndpoint?: string;
}): string {
  return stringify({
    temporalGrpcAddress: `127.0.0.1:${options.frontend}`,
    host: '127.0.0.1',
    port: options.port,
    enableUi: true,
    defaultNamespace: PRODUCTION_SHAPE.namespace,
    refreshInterval: '1m',
    notifyOnNewVersion: false,
    cors: { cookieInsecure: true, allowOrigins: [`http://127.0.0.1:${options.port}`] },
    auth: { enabled: false },
    codec: { endpoint: options.codecEndpoint ?? '', passAccessToken: false, includeCredentials: false },
  });
}
