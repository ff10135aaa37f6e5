/**
 * The storefront's sign-in at the shop's customer identity provider, from the browser: the
 * authorization-code flow with PKCE (RFC 7636) for a public client, on this same origin. The
 * verifier and state wait in this tab's sessionStorage between the redirect and the return; the
 * access token lives in this tab only (sessionStorage), never in a cookie another site could send.
 */
const ISSUER_PATH = '/customer-identity';
const CLIENT_ID = 'storefront-web';
const RESOURCE = 'urn:temporal-commerce:customers';
const PENDING = 'account-sign-in';
const TOKENS = 'account-tokens';

export interface Tokens {
  accessToken: string;
  idToken?: string;
  /** ms */
  expiresAt: number;
}

const redirectUri = (): string => `${window.location.origin}/account/`;

function base64url(bytes: ArrayBuffer | Uint8Array): string {
  const array = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let text = '';
  for (const byte of array) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const random = (): string => base64url(crypto.getRandomValues(new Uint8Array(32)));

const SILENT_TRIED = 'account-silent-renewal';
/** This tab was signed in (its token may have run out since): a renewal may be tried. */
const HAD_SESSION = 'account-had-session';

/**
 * To the provider's sign-in page, and back to /account/ with a code. `silent`: without a page
 * (`prompt=none`), on the provider's session, when an access token ran out; once per tab until a
 * sign-in succeeds, so a provider that says no leads to the sign-in card, not a loop.
 */
export async function signIn(silent = false): Promise<void> {
  const verifier = random();
  const state = random();
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state }));
  if (silent) sessionStorage.setItem(SILENT_TRIED, '1');
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const url = new URL(`${ISSUER_PATH}/auth`, window.location.origin);
  url.search = new URLSearchParams({
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: redirectUri(),
    scope: 'openid profile email',
    resource: RESOURCE,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    ...(silent ? { prompt: 'none' } : {}),
  }).toString();
  window.location.assign(url.toString());
}

/** Whether an access token this tab had ran out, and a silent renewal was not tried yet. */
export function renewable(): boolean {
  return sessionStorage.getItem(HAD_SESSION) !== null && sessionStorage.getItem(SILENT_TRIED) === null;
}

/** Back from the provider: the code exchanged for tokens (once), the address cleaned. */
export async function finishSignIn(): Promise<Tokens | undefined> {
  const params = new URLSearchParams(window.location.search);
  const code = params.get('code');
  const pending = sessionStorage.getItem(PENDING);
  if (!code && !params.get('error')) return undefined;
  window.history.replaceState(null, '', '/account/');
  sessionStorage.removeItem(PENDING);
  const error = params.get('error');
  // A silent renewal the provider could not do (its session ended): the sign-in card, no message.
  if (error === 'login_required' || error === 'interaction_required' || error === 'consent_required')
    return undefined;
  if (error) throw new Error(params.get('error_description') ?? 'the sign-in did not finish');
  const { verifier, state } = pending
    ? (JSON.parse(pending) as { verifier: string; state: string })
    : { verifier: '', state: '' };
  if (!verifier || params.get('state') !== state)
    throw new Error('this sign-in was started elsewhere or used already; sign in again');
  const response = await fetch(`${ISSUER_PATH}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: code!,
      redirect_uri: redirectUri(),
      client_id: CLIENT_ID,
      code_verifier: verifier,
      resource: RESOURCE,
    }),
  });
  const body = (await response.json()) as {
    access_token?: string;
    id_token?: string;
    expires_in?: number;
    error_description?: string;
  };
  if (!response.ok || !body.access_token)
    throw new Error(body.error_description ?? 'the sign-in did not finish');
  const tokens = {
    accessToken: body.access_token,
    idToken: body.id_token,
    expiresAt: Date.now() + (body.expires_in ?? 900) * 1000,
  };
  sessionStorage.setItem(TOKENS, JSON.stringify(tokens));
  sessionStorage.setItem(HAD_SESSION, '1');
  sessionStorage.removeItem(SILENT_TRIED);
  return tokens;
}

export function currentTokens(): Tokens | undefined {
  const kept = sessionStorage.getItem(TOKENS);
  const tokens = kept ? (JSON.parse(kept) as Tokens) : undefined;
  return tokens && tokens.expiresAt > Date.now() + 5_000 ? tokens : undefined;
}

/** Signed out here, and at the provider (its page asks to confirm, then comes back). */
export function signOut(): void {
  const tokens = currentTokens();
  sessionStorage.removeItem(TOKENS);
  sessionStorage.removeItem(HAD_SESSION);
  const url = new URL(`${ISSUER_PATH}/session/end`, window.location.origin);
  url.search = new URLSearchParams({
    client_id: CLIENT_ID,
    post_logout_redirect_uri: redirectUri(),
    ...(tokens?.idToken ? { id_token_hint: tokens.idToken } : {}),
  }).toString();
  window.location.assign(url.toString());
}

export function forgetTokens(): void {
  sessionStorage.removeItem(TOKENS);
}
