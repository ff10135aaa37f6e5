/**
 * A real OpenID provider for tests: the embedded provider (`oidc-provider`) with the sample
 * organisation, on a free loopback port, with keys the test made, so a test can also sign odd
 * tokens with the issuer's own key (expired, wrong audience, …) and restart the provider with
 * rotated keys. Tokens come from it as any client gets them: client credentials for systems,
 * the authorization-code flow for people.
 */
import crypto from 'node:crypto';
import type { JWK } from 'jose';
import type { IssuerSettings } from '../../config/settings';
import type { SignInSettings } from '../../api/session';
import type { Role } from '../../domain/roles';
import {
  BACK_OFFICE_CLIENT_ID,
  CLI_CLIENT_ID,
  DEFAULT_PERSON,
  embeddedOptions,
  newSigningKey,
  peopleOf,
  type EmbeddedSecrets,
} from '../../identity-provider/embedded';
import { ROLES_CLAIM, startIdentityProvider, type RunningProvider } from '../../identity-provider/provider';
import { CookieJar, personToken, systemToken } from '../../identity-provider/token-client';
import { SEED_ORGANISATION } from '../../store/seed-organisation';
import { freePort } from '../../scripts/net';

export interface TestIdentity {
  issuer: string;
  audience: string;
  /** What the API is configured with (AUTH_ISSUER and its companions). */
  settings: IssuerSettings;
  signIn: SignInSettings;
  secrets: EmbeddedSecrets;
  /** A token as a system (storefront, warehouse: client credentials) or a person (code flow). */
  token(role: Role, sub?: string): Promise<string>;
  /** Stops the provider and starts it again on the same address with these keys. */
  restart(keys: JWK[]): Promise<void>;
  close(): Promise<void>;
}

export async function startTestIdentity(options: { publicUrl: string; keys?: JWK[] }): Promise<TestIdentity> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const secret = (): string => crypto.randomBytes(24).toString('base64url');
  const secrets: EmbeddedSecrets = {
    keys: options.keys ?? [await newSigningKey()],
    cookieKeys: [secret()],
    clients: { backOffice: secret(), storefront: secret(), warehouse: secret() },
  };
  const people = peopleOf(SEED_ORGANISATION);
  const start = (keys: JWK[]): Promise<RunningProvider> =>
    startIdentityProvider(
      embeddedOptions({
        issuer,
        publicUrl: options.publicUrl,
        secrets: { ...secrets, keys },
        people: async () => people,
      }),
      port,
    );
  let running = await start(secrets.keys);
  const settings: IssuerSettings = {
    issuer,
    audience: 'urn:temporal-commerce:api',
    rolesClaim: ROLES_CLAIM,
    subjectClaim: 'sub',
    clientId: BACK_OFFICE_CLIENT_ID,
    clientSecret: secrets.clients.backOffice,
    scopes: `openid profile ${ROLES_CLAIM}`,
    jwksMaxAgeMs: 600_000,
  };
  return {
    issuer,
    audience: settings.audience,
    settings,
    signIn: {
      issuer: settings,
      clientId: BACK_OFFICE_CLIENT_ID,
      clientSecret: secrets.clients.backOffice,
      scopes: settings.scopes,
    },
    secrets,
    async token(role, sub) {
      const person = sub ?? DEFAULT_PERSON[role];
      if (!person) {
        return systemToken({
          issuer,
          clientId: role,
          clientSecret: role === 'storefront' ? secrets.clients.storefront : secrets.clients.warehouse,
          audience: settings.audience,
        });
      }
      return personToken({
        issuer,
        cliClientId: CLI_CLIENT_ID,
        personId: person,
        audience: settings.audience,
      });
    },
    async restart(keys) {
      await running.close();
      running = await start(keys);
    },
    close: () => running.close(),
  };
}

export interface Hop {
  url: string;
  status: number;
  location?: string;
  setCookie: string[];
}

/**
 * A person's sign-in to the back office over plain HTTP, as a browser does it: the API's
 * /session/sign-in, the provider's login form (answered as `personId`), the callback. Answers the
 * session cookie, where the browser ended, and every hop.
 */
export async function signInOverHttp(
  base: string,
  personId: string,
  returnTo = '/',
  jar = new CookieJar(),
): Promise<{ cookie: string; landedAt: string; hops: Hop[]; jar: CookieJar }> {
  let url = `${base}/session/sign-in?returnTo=${encodeURIComponent(returnTo)}`;
  let method = 'GET';
  let body: URLSearchParams | undefined;
  const hops: Hop[] = [];
  for (let hop = 0; hop < 12; hop++) {
    const response = await fetch(url, {
      method,
      body,
      redirect: 'manual',
      headers: { cookie: jar.header() },
    });
    jar.take(response);
    const location = response.headers.get('location') ?? undefined;
    hops.push({ url, status: response.status, location, setCookie: response.headers.getSetCookie() });
    method = 'GET';
    body = undefined;
    if (location) {
      const next = new URL(location, url).toString();
      if (next.startsWith(base) && !next.startsWith(`${base}/session/`)) {
        const session = jar.cookies.get('tc_session');
        return {
          cookie: session ? `tc_session=${session}` : '',
          landedAt: next.slice(base.length),
          hops,
          jar,
        };
      }
      url = next;
      continue;
    }
    const page = await response.text();
    const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
    if (!action) return { cookie: '', landedAt: url, hops, jar };
    url = new URL(action, url).toString();
    method = 'POST';
    body = new URLSearchParams({ person: personId });
  }
  throw new Error('too many redirects');
}
