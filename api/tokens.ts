/**
 * Bearer tokens: who may call the API, decided by one of two verifiers.
 *
 * - From an issuer (AUTH_ISSUER): the company's identity provider signs tokens with an asymmetric
 *   key it publishes in its JWKS (found through OIDC discovery). The keys are cached and fetched
 *   again when a token names a key id the cache lacks, so a key rotation needs no restart; a key the
 *   provider removes stops being accepted when the cache is next refreshed (AUTH_JWKS_MAX_AGE).
 *   `iss`, `aud`, `exp` and `nbf` are checked with a small leeway; roles come from a configurable
 *   claim through the role map.
 * - A shared secret (AUTH_JWT_SECRET, HS256): for tests and single-service setups.
 *
 * Either answers the caller or an HttpError: 401 when the token does not prove who is calling,
 * 403 when it does but grants no role of this app, 503 when the issuer cannot be reached.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWK,
  type JWTPayload,
} from 'jose';
import { claimAt, isRole, rolesFromClaim, type Role } from '../domain/roles';
import type { IssuerSettings } from '../config/settings';
import { HttpError } from './errors';

export interface TokenCaller {
  sub: string;
  roles: Role[];
  name?: string;
  /** The token's `iat` (seconds): a customer's tokens from before their password changed are refused. */
  issuedAt?: number;
}

export interface TokenVerifier {
  /** In words, for the startup log: where tokens come from. */
  readonly describe: string;
  verify(token: string): Promise<TokenCaller>;
}

/** Only asymmetric signatures: `none` and HMAC (the algorithm-confusion attack) are refused. */
export const ISSUER_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];
/**
 * The least time between two fetches of the keys prompted by an unknown `kid`: a provider's new
 * key is picked up within seconds, and a flood of made-up key ids costs one fetch per interval.
 */
export const JWKS_COOLDOWN_MS = 5_000;
/** Clock difference tolerated between the provider and this server. */
export const CLOCK_LEEWAY_SECONDS = 30;

const invalid = (why: string): HttpError => new HttpError(401, 'unauthorized', why);

/**
 * The longest a shared-secret token may live, counted from now to its `exp`. Such a token cannot be
 * revoked but by changing the secret for everyone: one without `exp`, or with one far away, would
 * be a key that works for ever once it leaks.
 */
export const SHARED_SECRET_TOKEN_MAX_SECONDS = 24 * 3600;

export function sharedSecretVerifier(secret: string, now: () => number = Date.now): TokenVerifier {
  const key = new TextEncoder().encode(secret);
  return {
    describe: 'HS256 tokens signed with AUTH_JWT_SECRET',
    async verify(token) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          requiredClaims: ['exp'],
          clockTolerance: CLOCK_LEEWAY_SECONDS,
        }));
      } catch (err) {
        throw invalid(
          err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'exp'
            ? 'the token has no exp: tokens must expire (within 24 h)'
            : 'the token is invalid or expired',
        );
      }
      const lifetime = (payload.exp ?? 0) - Math.floor(now() / 1000);
      if (lifetime > SHARED_SECRET_TOKEN_MAX_SECONDS + CLOCK_LEEWAY_SECONDS) {
        throw invalid('the token expires more than 24 h from now; sign one that expires sooner');
      }
      const role = payload.role;
      if (typeof payload.sub !== 'string' || !payload.sub || !isRole(role) || payload.aud) {
        throw invalid('the token needs a sub and a known role');
      }
      // A name the caller signs in with, when it is one line of plain text (it reaches timelines).
      const name =
        typeof payload.name === 'string' &&
        payload.name.length <= 200 &&
        !/[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u.test(payload.name)
          ? payload.name.trim() || undefined
          : undefined;
      return {
        sub: payload.sub,
        roles: [role],
        ...(name ? { name } : {}),
        ...(typeof payload.iat === 'number' ? { issuedAt: payload.iat } : {}),
      };
    },
  };
}

export interface IssuerVerifierOptions {
  /** How long fetched keys are trusted before they are fetched again (default: the settings'). */
  jwksMaxAgeMs?: number;
  /** The least time between two fetches prompted by an unknown `kid` (default JWKS_COOLDOWN_MS). */
  jwksCooldownMs?: number;
  fetchTimeoutMs?: number;
}

interface Discovered {
  jwks: ReturnType<typeof createRemoteJWKSet>;
}

/** The issuer's discovery document, checked to be the issuer's own. */
export async function discover(
  issuer: string,
  timeoutMs = 5_000,
): Promise<{ issuer: string; jwks_uri: string; [key: string]: unknown }> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
  if (document.issuer !== issuer) {
    throw new Error(`${url} names the issuer ${String(document.issuer)}, not ${issuer}`);
  }
  if (typeof document.jwks_uri !== 'string') throw new Error(`${url} names no jwks_uri`);
  return document as { issuer: string; jwks_uri: string };
}

export function issuerVerifier(settings: IssuerSettings, options: IssuerVerifierOptions = {}): TokenVerifier {
  let discovered: Promise<Discovered> | undefined;
  const timeoutDuration = options.fetchTimeoutMs ?? 5_000;

  function keys(): Promise<Discovered> {
    discovered ??= discover(settings.issuer, timeoutDuration).then(
      (document) => ({
        jwks: createRemoteJWKSet(new URL(document.jwks_uri), {
          timeoutDuration,
          cooldownDuration: options.jwksCooldownMs ?? JWKS_COOLDOWN_MS,
          cacheMaxAge: options.jwksMaxAgeMs ?? settings.jwksMaxAgeMs,
        }),
      }),
      (err: unknown) => {
        discovered = undefined; // tried again on the next request
        throw err;
      },
    );
    return discovered;
  }

  return {
    describe: `tokens from the issuer ${settings.issuer} for the audience ${settings.audience}`,
    async verify(token) {
      let jwks: Discovered['jwks'];
      try {
        ({ jwks } = await keys());
      } catch {
        throw new HttpError(
          503,
          'identity_provider_unreachable',
          'the identity provider cannot be reached; try again',
        );
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          issuer: settings.issuer,
          audience: settings.audience,
          algorithms: ISSUER_ALGORITHMS,
          clockTolerance: CLOCK_LEEWAY_SECONDS,
          requiredClaims: ['exp'],
        }));
      } catch (err) {
        // Not a verdict on the token (a JOSE error) but the keys could not be fetched: try again.
        if (err instanceof joseErrors.JWKSTimeout || !(err instanceof joseErrors.JOSEError)) {
          throw new HttpError(
            503,
            'identity_provider_unreachable',
            'the identity provider cannot be reached; try again',
          );
        }
        throw invalid(reasonFor(err));
      }
      return callerFromClaims(payload, settings);
    },
  };
}

/**
 * Who verified claims name (an access token's or an ID token's): the subject claim, and the app
 * roles the roles claim grants through the map. No subject: 401; no role of this app: 403.
 */
export function callerFromClaims(
  claims: Readonly<Record<string, unknown>>,
  settings: Pick<IssuerSettings, 'subjectClaim' | 'rolesClaim' | 'roleMap'>,
): TokenCaller {
  const sub = claimAt(claims, settings.subjectClaim);
  if (typeof sub !== 'string' || !sub) throw invalid(`the token has no ${settings.subjectClaim}`);
  const roles = rolesFromClaim(claimAt(claims, settings.rolesClaim), settings.roleMap);
  if (roles.length === 0) {
    throw new HttpError(
      403,
      'forbidden',
      `the token is valid but its ${settings.rolesClaim} claim grants no role of this app`,
    );
  }
  const name = typeof claims.name === 'string' ? claims.name : undefined;
  return { sub, roles, name, ...(typeof claims.iat === 'number' ? { issuedAt: claims.iat } : {}) };
}

/** Why a token was refused, in words that name no secret. */
function reasonFor(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'the token is not valid yet';
    if (err.claim === 'iss') return 'the token is from another issuer';
    if (err.claim === 'aud') return 'the token is for another audience';
    return `the token's ${err.claim} claim is not acceptable`;
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey)
    return 'the token is signed with a key the issuer does not publish';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return "the token's signature algorithm is not accepted";
  return 'the token is invalid';
}

/** How long customers' keys are trusted before they are read again: a retired key stops within it. */
export const CUSTOMER_KEYS_MAX_AGE_MS = 10 * 60_000;

/** A private JWK's public half. */
export function publicJwk(jwk: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...jwk };
  for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) delete rest[secret];
  return rest;
}

/**
 * Customers' tokens, from the shop's customer identity provider (identity-provider/customers.ts):
 * verified against the keys in the app's database (every API process shares them; a key made
 * since is found when a token names it, at most once every JWKS_COOLDOWN_MS), `iss` and `aud`
 * the provider's. The caller is the customer, with the role `customer` and no other, whatever the
 * token's claims say.
 */
export function customerIssuerVerifier(options: {
  issuer: string;
  audience: string;
  keys: () => Promise<Record<string, unknown>[]>;
  now?: () => number;
}): TokenVerifier {
  const now = options.now ?? Date.now;
  let cached: { jwks: ReturnType<typeof createLocalJWKSet>; kids: Set<string>; at: number } | undefined;
  async function jwksFor(kid: string | undefined) {
    const stale =
      !cached ||
      now() - cached.at > CUSTOMER_KEYS_MAX_AGE_MS ||
      (kid !== undefined && !cached.kids.has(kid) && now() - cached.at > JWKS_COOLDOWN_MS);
    if (stale) {
      const keys = (await options.keys()).map(publicJwk);
      cached = {
        jwks: createLocalJWKSet({ keys: keys as unknown as JWK[] }),
        kids: new Set(keys.map((k) => String(k.kid))),
        at: now(),
      };
    }
    return cached!.jwks;
  }
  return {
    describe: `customers' tokens from ${options.issuer}`,
    async verify(token) {
      let payload: JWTPayload;
      try {
        const { kid } = decodeProtectedHeader(token);
        ({ payload } = await jwtVerify(token, await jwksFor(kid), {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: ['RS256'],
          clockTolerance: CLOCK_LEEWAY_SECONDS,
          requiredClaims: ['exp', 'iat', 'sub'],
        }));
      } catch (err) {
        throw invalid(reasonFor(err));
      }
      return { sub: String(payload.sub), roles: ['customer'], issuedAt: payload.iat };
    },
  };
}

/** Staff's verifier, and the customers' for a token their provider issued (by its `iss`). */
export function withCustomers(
  staff: TokenVerifier,
  customers: TokenVerifier,
  customerIssuer: string,
): TokenVerifier {
  return {
    describe: `${staff.describe}; ${customers.describe}`,
    verify(token) {
      let iss: unknown;
      try {
        iss = decodeJwt(token).iss;
      } catch {
        throw invalid('the token is invalid');
      }
      return iss === customerIssuer ? customers.verify(token) : staff.verify(token);
    },
  };
}
