/**
 * The embedded provider's setup for `npm start`: its issuer address, its signing keys, cookie
 * keys and client secrets (made once and kept in DATA_DIR/identity-provider, so tokens and
 * sign-ins survive a restart), and its accounts: the sample organisation from the leave store and
 * the desks. `npm start` hands the API the same settings a company's provider would need:
 * AUTH_ISSUER, AUTH_AUDIENCE, AUTH_CLIENT_ID, AUTH_CLIENT_SECRET.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Role } from '../domain/roles';
import type { Employee } from '../store/leave-store';
import type { IdentityProviderOptions, ProviderPerson, SystemClient } from './provider';

/** The API's resource indicator at the embedded provider (the `aud` of its tokens). */
export const EMBEDDED_AUDIENCE = 'urn:temporal-commerce:api';
export const BACK_OFFICE_CLIENT_ID = 'back-office';
export const CLI_CLIENT_ID = 'dev-token';

/** DEVELOPMENT ONLY: the desks that are roles rather than employees, for the sample organisation. */
export const DESK_PEOPLE: readonly ProviderPerson[] = [
  { id: 'sam', name: 'Sam Sato', title: 'Support desk', roles: ['support'] },
  { id: 'wes', name: 'Wes Walker', title: 'Warehouse', roles: ['warehouse'] },
  { id: 'hana', name: 'Hana Holm', title: 'HR', roles: ['hr'] },
];

/** Who signs in for a role when a token or a test names no one: the sample organisation's people. */
export const DEFAULT_PERSON: Readonly<Record<Role, string | undefined>> = {
  storefront: undefined,
  warehouse: undefined,
  support: 'sam',
  manager: 'mia',
  employee: 'ella',
  hr: 'hana',
  // Customers sign in at the shop's customer provider with their own address and password.
  customer: undefined,
};

/** The organisation's people as the provider's accounts: managers and the VP are employees too. */
export function peopleOf(employees: readonly Employee[]): ProviderPerson[] {
  return [
    ...employees.map((e): ProviderPerson => ({
      id: e.id,
      name: e.name,
      title: e.rank === 'vp' ? 'VP' : e.rank === 'manager' ? 'Manager' : 'Employee',
      roles: e.rank === 'employee' ? ['employee'] : ['manager', 'employee'],
    })),
    ...DESK_PEOPLE,
  ];
}

export interface EmbeddedSecrets {
  keys: JWK[];
  cookieKeys: string[];
  clients: { backOffice: string; storefront: string; warehouse: string };
}

export async function newSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: crypto.randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
}

const secret = (): string => crypto.randomBytes(24).toString('base64url');

/** The provider's keys and client secrets, made on the first start and kept (mode 600). */
export async function embeddedSecrets(dataDir: string): Promise<EmbeddedSecrets> {
  const folder = path.join(dataDir, 'identity-provider');
  const file = path.join(folder, 'secrets.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as EmbeddedSecrets;
  const made: EmbeddedSecrets = {
    keys: [await newSigningKey()],
    cookieKeys: [secret(), secret()],
    clients: { backOffice: secret(), storefront: secret(), warehouse: secret() },
  };
  fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, JSON.stringify(made, null, 2), { mode: 0o600, flag: 'wx' });
  return made;
}

export function embeddedIssuer(port: number): string {
  return `http://127.0.0.1:${port}`;
}

/** The provider's port: IDENTITY_PROVIDER_PORT, else the API's port + 1. */
export function embeddedPort(env: NodeJS.ProcessEnv, apiPort: number): number {
  const text = env.IDENTITY_PROVIDER_PORT?.trim();
  if (!text) return apiPort + 1;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`configuration IDENTITY_PROVIDER_PORT: "${text}" is not a port`);
  }
  return port;
}

export function systemClients(secrets: EmbeddedSecrets): SystemClient[] {
  return [
    { clientId: 'storefront', clientSecret: secrets.clients.storefront, role: 'storefront' },
    { clientId: 'warehouse', clientSecret: secrets.clients.warehouse, role: 'warehouse' },
  ];
}

export function embeddedOptions(options: {
  issuer: string;
  publicUrl: string;
  secrets: EmbeddedSecrets;
  people: () => Promise<ProviderPerson[]>;
}): IdentityProviderOptions {
  return {
    issuer: options.issuer,
    audience: EMBEDDED_AUDIENCE,
    keys: options.secrets.keys,
    cookieKeys: options.secrets.cookieKeys,
    people: options.people,
    backOffice: {
      clientId: BACK_OFFICE_CLIENT_ID,
      clientSecret: options.secrets.clients.backOffice,
      redirectUris: [`${options.publicUrl}/session/callback`],
      postLogoutRedirectUris: [`${options.publicUrl}/`],
    },
    systems: systemClients(options.secrets),
    cliClientId: CLI_CLIENT_ID,
  };
}

/** What the API is told about the embedded provider: the settings of any company's provider. */
export function apiEnvironment(issuer: string, secrets: EmbeddedSecrets): Record<string, string> {
  return {
    AUTH_ISSUER: issuer,
    AUTH_AUDIENCE: EMBEDDED_AUDIENCE,
    AUTH_ROLES_CLAIM: 'roles',
    AUTH_CLIENT_ID: BACK_OFFICE_CLIENT_ID,
    AUTH_CLIENT_SECRET: secrets.clients.backOffice,
  };
}
