/**
 * Turns the Temporal settings into connection options (self-hosted, mTLS, or Temporal Cloud) with
 * Temporal's own environment configuration: the same options a `temporal.toml` profile gives.
 */
import { toClientOptions, type ClientConfigTLS } from '@temporalio/envconfig';

/** Where and how to reach Temporal, as configuration (config/settings.ts) reads it. */
export interface TemporalSettings {
  /** Unset: `npm start` runs a local dev server on `port`. */
  address?: string;
  port: number;
  namespace: string;
  taskQueue: string;
  apiKey?: string;
  /** As Temporal's environment configuration has it: files or data; absent, no TLS (unless an API key). */
  tls?: ClientConfigTLS;
  /** gRPC metadata sent with every call (a profile's `grpc_meta`, TEMPORAL_GRPC_META_*). */
  grpcMeta?: Record<string, string>;
}

export interface TemporalConnectionOptions {
  address: string;
  apiKey?: string;
  tls?:
    | boolean
    | {
        serverNameOverride?: string;
        serverRootCACertificate?: Buffer;
        clientCertPair?: { crt: Buffer; key: Buffer };
      };
  metadata?: Record<string, string>;
}

export function temporalAddress(settings: TemporalSettings): string {
  return settings.address ?? `127.0.0.1:${settings.port}`;
}

export function connectionOptions(settings: TemporalSettings): TemporalConnectionOptions {
  const { connectionOptions: options } = toClientOptions({
    address: temporalAddress(settings),
    namespace: settings.namespace,
    apiKey: settings.apiKey,
    tls: settings.tls,
    grpcMeta: settings.grpcMeta,
  });
  const result: TemporalConnectionOptions = { address: temporalAddress(settings) };
  if (options.apiKey !== undefined) result.apiKey = options.apiKey;
  const tls = options.tls;
  if (typeof tls === 'boolean') result.tls = tls;
  else if (tls) {
    // envconfig reads files as Uint8Array; the connections take Buffers.
    const buffer = (bytes?: Uint8Array | null) => (bytes ? Buffer.from(bytes) : undefined);
    const pair = tls.clientCertPair;
    result.tls = {
      serverNameOverride: tls.serverNameOverride,
      serverRootCACertificate: buffer(tls.serverRootCACertificate),
      clientCertPair: pair ? { crt: buffer(pair.crt)!, key: buffer(pair.key)! } : undefined,
    };
  }
  if (options.metadata) result.metadata = options.metadata as Record<string, string>;
  return result;
}
