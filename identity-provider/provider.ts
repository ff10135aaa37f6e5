/**
 * The embedded OpenID provider `npm start` runs: a real, certified provider (panva's
 * `oidc-provider`), so the app signs people in and verifies tokens exactly as it does against a
 * company's Okta, Entra ID or Keycloak. Its accounts are the sample organisation and the desks;
 * its clients are the back office (authorization code + PKCE), the storefront and the warehouse
 * (client credentials) and `npm run token` (a public client on a loopback redirect).
 *
 * DEVELOPMENT ONLY in one respect: its login page lets anyone sign in as anyone listed, with no
 * password, and says so. Everything after the login (codes, tokens, keys, sessions, sign-out) is
 * the provider's own.
 */
import http from 'node:http';
import type { JWK } from 'jose';
import type * as Oidc from 'oidc-provider' with { 'resolution-mode': 'import' };
import type { Role } from '../domain/roles';
import { loginPage, signOutPage, type ProviderPerson } from './pages';

export type { ProviderPerson } from './pages';

export interface SystemClient {
  clientId: string;
  clientSecret: string;
  /** The app role its tokens carry. */
  role: Role;
}

export interface IdentityProviderOptions {
  /** The issuer URL, e.g. http://127.0.0.1:3001. */
  issuer: string;
  /** The API's resource indicator: access tokens for it carry this `aud`. */
  audience: string;
  /** Private signing keys (JWK, with kid), the current one first; all are published. */
  keys: JWK[];
  /** Keys that sign the provider's own cookies. */
  cookieKeys: string[];
  people: () => Promise<ProviderPerson[]>;
  backOffice: {
    clientId: string;
    clientSecret: string;
    redirectUris: string[];
    postLogoutRedirectUris: string[];
  };
  systems: SystemClient[];
  /** The public client `npm run token` uses (loopback redirect, PKCE). */
  cliClientId: string;
  accessTokenTtlSeconds?: number;
}

/** The claim the provider puts a person's or a system's app roles in. */
export const ROLES_CLAIM = 'roles';
/** The claim holding a person's employee id (the same as `sub` here; Entra and Okta differ). */
export const EMPLOYEE_ID_CLAIM = 'employee_id';
export const API_SCOPE = 'api';
export const CLI_REDIRECT_URI = 'http://127.0.0.1/token-callback';

export interface RunningProvider {
  issuer: string;
  server: http.Server;
  close(): Promise<void>;
}

// The provider is an ES module; this project compiles to CommonJS, so it is loaded with import().
const loadProvider = (): Promise<typeof Oidc> => import('oidc-provider');

/**
 * Two warnings the provider prints are known and answered here, so they are kept out of the log:
 * Node 20 is not its preferred runtime (the tests run it on Node 20), and it keeps its own sessions
 * and grants in memory (on purpose: it is the laptop's provider; a restart only signs people out of
 * it, keys and clients are kept). Every other warning passes.
 */
const KNOWN_WARNINGS = [/oidc-provider WARNING: Unsupported runtime/, /development-only in-memory adapter/];
async function withoutKnownWarnings<T>(work: () => Promise<T> | T): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!KNOWN_WARNINGS.some((known) => known.test(String(args[0])))) warn(...args);
  };
  try {
    return await work();
  } finally {
    console.warn = warn;
  }
}

export async function createIdentityProvider(options: IdentityProviderOptions): Promise<Oidc.default> {
  const { default: Provider, errors } = await withoutKnownWarnings(loadProvider);
  const systemRole = new Map(options.systems.map((s) => [s.clientId, s.role]));
  const findPerson = async (id: string): Promise<ProviderPerson | undefined> =>
    (await options.people()).find((p) => p.id === id);

  const configuration: Oidc.Configuration = {
    clients: [
      {
        client_id: options.backOffice.clientId,
        client_secret: options.backOffice.clientSecret,
        client_name: 'Back office',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: options.backOffice.redirectUris,
        post_logout_redirect_uris: options.backOffice.postLogoutRedirectUris,
      },
      ...options.systems.map((s) => ({
        client_id: s.clientId,
        client_secret: s.clientSecret,
        client_name: s.clientId,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      })),
      {
        client_id: options.cliClientId,
        client_name: 'npm run token',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [CLI_REDIRECT_URI],
      },
    ],
    jwks: { keys: options.keys },
    cookies: { keys: options.cookieKeys },
    pkce: { required: () => true },
    claims: {
      openid: ['sub'],
      profile: ['name'],
      [ROLES_CLAIM]: [ROLES_CLAIM, EMPLOYEE_ID_CLAIM],
    },
    // The back office reads a person's roles from the ID token it gets at the code exchange.
    conformIdTokenClaims: false,
    async findAccount(_ctx, id) {
      const person = await findPerson(id);
      if (!person) return undefined;
      return {
        accountId: person.id,
        claims: () => ({
          sub: person.id,
          name: person.name,
          [ROLES_CLAIM]: person.roles,
          [EMPLOYEE_ID_CLAIM]: person.id,
        }),
      };
    },
    async extraTokenClaims(_ctx, token) {
      if (token.kind === 'ClientCredentials') {
        const role = systemRole.get(token.clientId ?? '');
        return role ? { [ROLES_CLAIM]: [role] } : undefined;
      }
      const accountId = 'accountId' in token ? token.accountId : undefined;
      const person = accountId ? await findPerson(accountId) : undefined;
      return person
        ? { [ROLES_CLAIM]: person.roles, [EMPLOYEE_ID_CLAIM]: person.id, name: person.name }
        : undefined;
    },
    // First-party clients: no consent screen; the grant covers what the app asks for.
    async loadExistingGrant(ctx) {
      const oidc = ctx.oidc;
      const clientId = oidc.client!.clientId;
      const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(clientId);
      if (grantId) {
        const existing = await oidc.provider.Grant.find(grantId);
        if (existing) return existing;
      }
      const grant = new oidc.provider.Grant({ clientId, accountId: oidc.session!.accountId! });
      grant.addOIDCScope(`openid profile ${ROLES_CLAIM}`);
      grant.addResourceScope(options.audience, API_SCOPE);
      await grant.save();
      return grant;
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.type = 'html';
          ctx.body = signOutPage(form);
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => options.audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== options.audience) throw new errors.InvalidTarget();
          return {
            scope: API_SCOPE,
            audience: options.audience,
            accessTokenFormat: 'jwt',
            accessTokenTTL: options.accessTokenTtlSeconds ?? 3_600,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    ttl: {
      AccessToken: options.accessTokenTtlSeconds ?? 3_600,
      ClientCredentials: options.accessTokenTtlSeconds ?? 3_600,
      AuthorizationCode: 60,
      IdToken: 3_600,
      Interaction: 600,
      Session: 8 * 3_600,
      Grant: 8 * 3_600,
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = loginPage({ error: `${out.error}: ${out.error_description ?? ''}`, people: [], action: '' });
    },
  };
  const provider = await withoutKnownWarnings(() => new Provider(options.issuer, configuration));
  // Plain HTTP is fine only on loopback (the issuer check refuses anything else); no proxy in front.
  provider.proxy = false;
  return provider;
}

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16_384) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * The login interaction: the page that lists the people, and the form it posts. The page's policy
 * lets its form go only to the provider itself and on to the clients' redirect addresses (a form's
 * redirects count as its target: the sign-in ends with a redirect to the back office).
 */
export function interactionHandler({
  provider,
  people,
  audience,
  redirectUris,
}: {
  provider: Oidc.default;
  people: () => Promise<ProviderPerson[]>;
  audience: string;
  redirectUris: string[];
}): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean> {
  const formTargets = ["'self'", ...new Set(redirectUris.map((uri) => new URL(uri).origin))].join(' ');
  const policy = `default-src 'none'; style-src 'unsafe-inline'; form-action ${formTargets}; frame-ancestors 'none'`;
  function send(res: http.ServerResponse, status: number, html: string): void {
    res.statusCode = status;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Content-Security-Policy', policy);
    res.end(html);
  }
  /**
   * First-party clients only: consent is granted on the person's behalf (a native client,
   * `npm run token`, is always asked; the answer is yes).
   */
  async function grantConsent(
    details: Awaited<ReturnType<Oidc.default['interactionDetails']>>,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({
          accountId: details.session!.accountId,
          clientId: String(details.params.client_id),
        });
    if (!grant) throw new Error('the grant of this sign-in is gone');
    grant.addOIDCScope(`openid profile ${ROLES_CLAIM}`);
    grant.addResourceScope(audience, API_SCOPE);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  return async (req, res) => {
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(
      new URL(req.url ?? '/', 'http://x').pathname,
    );
    if (!match) return false;
    res.setHeader('Cache-Control', 'no-store');
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === 'consent') {
        await grantConsent(details, req, res);
        return true;
      }
      if (req.method === 'POST' && match[2]) {
        const form = await readForm(req);
        const id = form.get('person') ?? '';
        const person = (await people()).find((p) => p.id === id);
        if (!person) {
          send(
            res,
            400,
            loginPage({
              error: `There is no ${id} to sign in as.`,
              people: await people(),
              action: `/interaction/${details.uid}/login`,
            }),
          );
          return true;
        }
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: person.id } },
          { mergeWithLastSubmission: false },
        );
        return true;
      }
      send(res, 200, loginPage({ people: await people(), action: `/interaction/${details.uid}/login` }));
    } catch {
      send(
        res,
        400,
        loginPage({
          error:
            'This sign-in has expired or was already used. Go back to the back office and sign in again.',
          people: [],
          action: '',
        }),
      );
    }
    return true;
  };
}

/** Starts the provider on 127.0.0.1:`port` (0: any free port). */
export async function startIdentityProvider(
  options: IdentityProviderOptions,
  port: number,
): Promise<RunningProvider> {
  const provider = await createIdentityProvider(options);
  const interaction = interactionHandler({
    provider,
    people: options.people,
    audience: options.audience,
    redirectUris: options.backOffice.redirectUris,
  });
  const callback = provider.callback();
  const server = http.createServer((req, res) => {
    interaction(req, res).then(
      (handled) => {
        if (!handled) void callback(req, res);
      },
      () => {
        res.statusCode = 500;
        res.end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    issuer: options.issuer,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
