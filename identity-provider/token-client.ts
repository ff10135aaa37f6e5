/**
 * Getting tokens from an OpenID provider the way its clients do: a system with the
 * client-credentials grant; a person (for `npm run token` and the tests) through the
 * authorization-code flow with PKCE, its login answered by the embedded provider's
 * development login form. Plain HTTP calls against the provider's published endpoints.
 */
import crypto from 'node:crypto';
import { CLI_REDIRECT_URI } from './provider';

/**
 * fetch, tried once more when a kept-alive connection turns out to have been closed by the server
 * (a provider that restarted between two calls): the request never reached it, so sending it again
 * on a new connection is safe.
 */
async function send(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    if (code !== 'UND_ERR_SOCKET' && code !== 'ECONNRESET') throw err;
    return fetch(url, init);
  }
}

interface Endpoints {
  authorization_endpoint: string;
  token_endpoint: string;
}

async function endpoints(issuer: string): Promise<Endpoints> {
  const response = await send(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`the provider at ${issuer} answered ${response.status} to discovery`);
  return (await response.json()) as Endpoints;
}

async function tokenRequest(
  url: string,
  form: Record<string, string>,
  basic?: [string, string],
): Promise<string> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) {
    const [id, secret] = basic.map(encodeURIComponent) as [string, string];
    headers.authorization = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  }
  const response = await send(url, { method: 'POST', headers, body: new URLSearchParams(form) });
  const body = (await response.json()) as {
    access_token?: string;
    error?: string;
    error_description?: string;
  };
  if (!response.ok || !body.access_token) {
    throw new Error(
      `the token endpoint refused: ${body.error ?? response.status} ${body.error_description ?? ''}`,
    );
  }
  return body.access_token;
}

/** A system's token (the storefront's, the warehouse's): the client-credentials grant. */
export async function systemToken(options: {
  issuer: string;
  clientId: string;
  clientSecret: string;
  audience: string;
}): Promise<string> {
  const { token_endpoint } = await endpoints(options.issuer);
  return tokenRequest(
    token_endpoint,
    { grant_type: 'client_credentials', resource: options.audience, scope: 'api' },
    [options.clientId, options.clientSecret],
  );
}

/** A browser's cookies (one site), enough to walk an OpenID sign-in's redirects. */
export class CookieJar {
  readonly cookies = new Map<string, string>();
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      if (at < 1) continue;
      const name = pair!.slice(0, at).trim();
      const value = pair!.slice(at + 1).trim();
      // A cleared cookie: empty, or expired in the past.
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** The authorization-code flow with PKCE for a public client, its login form filled by `fill`. */
async function codeFlowToken(options: {
  issuer: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  audience: string;
  fill: (page: string) => Record<string, string>;
}): Promise<string> {
  const { authorization_endpoint, token_endpoint } = await endpoints(options.issuer);
  const verifier = crypto.randomBytes(32).toString('base64url');
  const state = crypto.randomBytes(16).toString('base64url');
  const start = new URL(authorization_endpoint);
  start.search = new URLSearchParams({
    client_id: options.clientId,
    response_type: 'code',
    redirect_uri: options.redirectUri,
    scope: options.scope,
    resource: options.audience,
    code_challenge: crypto.createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state,
  }).toString();
  const code = await signInForCode(start.toString(), state, options.redirectUri, options.fill);
  return tokenRequest(token_endpoint, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: options.redirectUri,
    client_id: options.clientId,
    code_verifier: verifier,
    resource: options.audience,
  });
}

/**
 * A person's token through the authorization-code flow with PKCE, signing in on the embedded
 * provider's development login as `personId`. Works only against a provider with that login.
 */
export function personToken(options: {
  issuer: string;
  cliClientId: string;
  personId: string;
  audience: string;
}): Promise<string> {
  return codeFlowToken({
    issuer: options.issuer,
    clientId: options.cliClientId,
    redirectUri: CLI_REDIRECT_URI,
    scope: 'openid api',
    audience: options.audience,
    fill: (page) => {
      if (!page.includes(`value="${options.personId}"`))
        throw new Error(`the provider has no account ${options.personId}`);
      return { person: options.personId };
    },
  });
}

/**
 * A customer's token from the shop's customer identity provider: the authorization-code flow with
 * PKCE through its sign-in page, with the customer's address and password (`npm run token --
 * customer <email>`, and the tests).
 */
export function customerToken(options: {
  issuer: string;
  clientId: string;
  redirectUri: string;
  audience: string;
  email: string;
  password: string;
}): Promise<string> {
  return codeFlowToken({
    ...options,
    scope: 'openid profile email',
    fill: () => ({ email: options.email, password: options.password }),
  });
}

/** Follows the sign-in from `url` through the provider's login form (filled by `fill`) to the code it ends with. */
async function signInForCode(
  url: string,
  state: string,
  redirectUri: string,
  fill: (page: string) => Record<string, string>,
): Promise<string> {
  let filled = false;
  const jar = new CookieJar();
  let method: 'GET' | 'POST' = 'GET';
  let body: URLSearchParams | undefined;
  for (let hop = 0; hop < 10; hop++) {
    const response = await send(url, {
      method,
      redirect: 'manual',
      headers: {
        cookie: jar.header(),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body,
    });
    jar.take(response);
    method = 'GET';
    body = undefined;
    const location = response.headers.get('location');
    if (location) {
      const next = new URL(location, url);
      if (next.toString().startsWith(redirectUri)) {
        const code = next.searchParams.get('code');
        if (next.searchParams.get('state') !== state || !code) {
          throw new Error(
            `the provider refused the sign-in: ${next.searchParams.get('error_description') ?? next.searchParams.get('error') ?? 'no code'}`,
          );
        }
        return code;
      }
      url = next.toString();
      continue;
    }
    const page = await response.text();
    const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
    if (filled || !response.ok || !action) {
      const said = /<p>([^<]*)<\/p>/.exec(page)?.[1];
      throw new Error(`the provider's login answered ${response.status}${said ? `: ${said}` : ''}`);
    }
    url = new URL(action.replace(/&#38;/g, '&'), url).toString();
    method = 'POST';
    body = new URLSearchParams(fill(page));
    filled = true;
  }
  throw new Error('the provider sent too many redirects');
}
