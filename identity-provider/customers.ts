/**
 * The shop's customer identity provider: panva's certified `oidc-provider`, run inside every API
 * process at PUBLIC_URL/customer-identity, in production as in development. It signs customers in
 * with the address and password their registration wrote, and issues tokens the API takes with the
 * role `customer` only (api/tokens.ts, `customerIssuerVerifier`); the company's provider, which
 * signs in staff, is apart.
 *
 * Production storage: its sessions, interactions, codes and grants, its signing keys and its
 * cookie keys live in the app's database (store/sql-customer-identity.ts), so any API process
 * answers any step of a sign-in, and a restart signs nobody out. Its keys: the newest signs, all
 * unretired ones are published (`npm run customer-keys -- rotate` adds one without signing anyone
 * out; `retire <kid>` stops one).
 *
 * The storefront's web pages (/account) are its public client: authorization code + PKCE.
 */
import crypto from 'node:crypto';
import type http from 'node:http';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type * as Oidc from 'oidc-provider' with { 'resolution-mode': 'import' };
import type { RegistrationStore } from '../store';

/** The mount point under PUBLIC_URL. */
export const CUSTOMER_IDENTITY_PATH = '/customer-identity';
/** The `aud` of customers' access tokens. */
export const CUSTOMER_AUDIENCE = 'urn:temporal-commerce:customers';
export const STOREFRONT_WEB_CLIENT_ID = 'storefront-web';
export const CUSTOMER_CLI_CLIENT_ID = 'customer-token';
export const CUSTOMER_CLI_REDIRECT_URI = 'http://127.0.0.1/customer-token-callback';
/** Access tokens live a quarter of an hour: a password change refuses older ones at once anyway. */
export const CUSTOMER_ACCESS_TOKEN_SECONDS = 15 * 60;

export type IdentityStore = Pick<
  RegistrationStore,
  | 'idpUpsert'
  | 'idpFind'
  | 'idpFindByUid'
  | 'idpFindByUserCode'
  | 'idpConsume'
  | 'idpDestroy'
  | 'idpRevokeByGrantId'
  | 'customerSigningKeys'
  | 'addCustomerSigningKey'
  | 'keyFor'
  | 'getCustomer'
>;

export function customerIssuer(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${CUSTOMER_IDENTITY_PATH}`;
}

/** A new RS256 signing key, kept as a private JWK. */
export async function newCustomerSigningKey(): Promise<JWK & { kid: string }> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: crypto.randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
}

/** The keys to sign with, newest first; the first one made when there is none yet. */
export async function customerSigningKeys(store: IdentityStore): Promise<JWK[]> {
  let keys = await store.customerSigningKeys();
  if (keys.length === 0) {
    await store.addCustomerSigningKey(
      (await newCustomerSigningKey()) as unknown as Record<string, unknown> & { kid: string },
      new Date().toISOString(),
    );
    keys = await store.customerSigningKeys();
  }
  return keys as unknown as JWK[];
}

/** `oidc-provider`'s adapter over the app's database: one instance per model. */
function adapterFor(store: IdentityStore) {
  return class DatabaseAdapter {
    constructor(private readonly model: string) {}
    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number): Promise<void> {
      await store.idpUpsert(this.model, id, payload, expiresIn ? Date.now() + expiresIn * 1000 : undefined);
    }
    find(id: string) {
      return store.idpFind(this.model, id, Date.now());
    }
    findByUid(uid: string) {
      return store.idpFindByUid(uid, Date.now());
    }
    findByUserCode(userCode: string) {
      return store.idpFindByUserCode(userCode, Date.now());
    }
    consume(id: string) {
      return store.idpConsume(this.model, id, Date.now());
    }
    destroy(id: string) {
      return store.idpDestroy(this.model, id);
    }
    revokeByGrantId(grantId: string) {
      return store.idpRevokeByGrantId(grantId);
    }
  };
}

/** The storefront's web pages (a public client, PKCE); on a laptop, `npm run token` too. */
function clientsOf(account: string, cliClient: boolean): Oidc.ClientMetadata[] {
  return [
    {
      client_id: STOREFRONT_WEB_CLIENT_ID,
      client_name: 'The shop',
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [account],
      post_logout_redirect_uris: [account],
    },
    ...(cliClient
      ? [
          {
            client_id: CUSTOMER_CLI_CLIENT_ID,
            client_name: 'npm run token',
            application_type: 'native' as const,
            token_endpoint_auth_method: 'none' as const,
            grant_types: ['authorization_code'],
            response_types: ['code' as const],
            redirect_uris: [CUSTOMER_CLI_REDIRECT_URI],
          },
        ]
      : []),
  ];
}

export interface CustomerProviderOptions {
  /** PUBLIC_URL: the issuer is PUBLIC_URL/customer-identity. */
  publicUrl: string;
  store: IdentityStore;
  /** Whether `npm run token -- customer` may sign in (a loopback client): development only. */
  cliClient: boolean;
}

const loadProvider = (): Promise<typeof Oidc> => import('oidc-provider');

export async function createCustomerProvider(options: CustomerProviderOptions): Promise<Oidc.default> {
  const { default: Provider, errors } = await loadProvider();
  const { store, publicUrl } = options;
  const account = `${publicUrl.replace(/\/+$/, '')}/account/`;
  const cookieKey = (await store.keyFor('customer-identity-cookies')).toString('base64url');
  const configuration: Oidc.Configuration = {
    adapter: adapterFor(store),
    clients: clientsOf(account, options.cliClient),
    jwks: { keys: await customerSigningKeys(store) },
    cookies: {
      keys: [cookieKey],
      short: { path: CUSTOMER_IDENTITY_PATH },
      long: { path: CUSTOMER_IDENTITY_PATH },
    },
    pkce: { required: () => true },
    claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
    conformIdTokenClaims: false,
    async findAccount(_ctx, id) {
      const customer = await store.getCustomer(id);
      if (!customer) return undefined;
      return {
        accountId: customer.customerId,
        claims: () => ({ sub: customer.customerId, name: customer.name, email: customer.email }),
      };
    },
    // Only ever this role: whatever the API makes of a customer's token, it is a customer's.
    extraTokenClaims: async () => ({ roles: ['customer'] }),
    // The shop's own pages: no consent screen.
    async loadExistingGrant(ctx) {
      const oidc = ctx.oidc;
      const clientId = oidc.client!.clientId;
      const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(clientId);
      if (grantId) {
        const existing = await oidc.provider.Grant.find(grantId);
        if (existing) return existing;
      }
      const grant = new oidc.provider.Grant({ clientId, accountId: oidc.session!.accountId! });
      grant.addOIDCScope('openid profile email');
      grant.addResourceScope(CUSTOMER_AUDIENCE, 'orders');
      await grant.save();
      return grant;
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) =>
          shopPage(
            ctx,
            'Sign out of the shop?',
            ['You will need your password to sign in again.'],
            `${form}<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Sign out</button> <button type="submit" form="op.logoutForm">Stay signed in</button>`,
          ),
        postLogoutSuccessSource: (ctx) =>
          shopPage(
            ctx,
            'You are signed out',
            ['Sign in again from the shop when you want to.'],
            `<p><a href="/account/">Your account</a></p>`,
          ),
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => CUSTOMER_AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== CUSTOMER_AUDIENCE) throw new errors.InvalidTarget();
          return {
            scope: 'orders',
            audience: CUSTOMER_AUDIENCE,
            accessTokenFormat: 'jwt',
            accessTokenTTL: CUSTOMER_ACCESS_TOKEN_SECONDS,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    ttl: {
      AccessToken: CUSTOMER_ACCESS_TOKEN_SECONDS,
      AuthorizationCode: 60,
      IdToken: 3_600,
      Interaction: 600,
      Session: 14 * 86_400,
      Grant: 14 * 86_400,
    },
    interactions: { url: (_ctx, interaction) => `${CUSTOMER_IDENTITY_PATH}/interaction/${interaction.uid}` },
    // The provider's own pages in the shop's words, under the same policy as its sign-in page (no
    // outside font, never framed).
    renderError(ctx, out) {
      shopPage(ctx, 'Sign-in did not work', [
        'Something in this sign-in was not right or has expired. Go back to the shop and sign in again.',
        `(${String(out.error)})`,
      ]);
    },
  };
  const provider = new Provider(customerIssuer(publicUrl), configuration);
  // Behind a TLS-terminating proxy in production (X-Forwarded-Proto); plain HTTP only on loopback.
  provider.proxy = publicUrl.startsWith('https:');
  return provider;
}

/** A page of the provider's, plain HTML under a strict policy. */
function shopPage(ctx: Oidc.KoaContextWithOIDC, title: string, lines: string[], html = ''): void {
  const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  ctx.set(
    'Content-Security-Policy',
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
  ctx.set('Cache-Control', 'no-store');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.type = 'html';
  ctx.body =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title>` +
    '<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f3ee;color:#1d2330}main{max-width:34rem;margin:12vh auto;padding:2rem;background:#fff;border-radius:12px}button{font:inherit;padding:.6rem 1rem;border-radius:8px;border:1px solid #0f766e;background:#0f766e;color:#fff}button+button{background:#fff;color:#0f766e}</style>' +
    `</head><body><main><h1>${escape(title)}</h1>${lines.map((l) => `<p>${escape(l)}</p>`).join('')}${html}</main></body></html>`;
}

export type CustomerProvider = Oidc.default;
export type ProviderCallback = (req: http.IncomingMessage, res: http.ServerResponse) => void;
