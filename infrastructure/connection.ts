/** Turns the Temporal settings into connection options: self-hosted, mTLS, or Temporal Cloud. */
import fs from 'node:fs';
import type { TemporalSettings } from '../config/settings';

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
}

export function temporalAddress(settings: TemporalSettings): string {
  return settings.address ?? `127.0.0.1:${settings.port}`;
}

export function connectionOptions(settings: TemporalSettings): TemporalConnectionOptions {
  const options: TemporalConnectionOptions = { address: temporalAddress(settings) };
  if (settings.apiKey) {
    options.apiKey = settings.apiKey;
    options.tls = true;
  }
  const tls = settings.tls;
  if (tls) {
    options.tls = {
      serverNameOverride: tls.serverName,
      serverRootCACertificate: tls.serverRootCaCertPath
        ? fs.readFileSync(tls.serverRootCaCertPath)
        : undefined,
      clientCertPair:
        tls.clientCertPath && tls.clientKeyPath
          ? { crt: fs.readFileSync(tls.clientCertPath), key: fs.readFileSync(tls.clientKeyPath) }
          : undefined,
    };
  }
  return options;
}
