/**
 * `npm run token -- <role> [sub]`: prints a bearer token the local API accepts.
 *
 * - By default (the stack `npm start` runs) from the embedded OpenID provider: the storefront's
 *   and the warehouse's tokens with the client-credentials grant (as those systems get theirs), a
 *   person's through the authorization-code flow, signed in as `sub` on its development login
 *   (default: someone in the sample organisation who holds the role).
 * - With AUTH_JWT_SECRET set: an HS256 token signed with it (`[expiry]` as a third argument).
 * - With AUTH_ISSUER set: tokens come from that provider, not from here.
 */
import { ROLES, signToken, type Role } from '../api/auth';
import { resolveJwtSecret } from '../config/jwt-secret';
import { loadConfig } from '../config/settings';
import { openLeaveStore, openRegistrationStore } from '../store';
import {
  CUSTOMER_AUDIENCE,
  CUSTOMER_CLI_CLIENT_ID,
  CUSTOMER_CLI_REDIRECT_URI,
  customerIssuer,
} from '../identity-provider/customers';
import {
  CLI_CLIENT_ID,
  DEFAULT_PERSON,
  DESK_PEOPLE,
  EMBEDDED_AUDIENCE,
  embeddedIssuer,
  embeddedPort,
  embeddedSecrets,
  systemClients,
} from '../identity-provider/embedded';
import { customerToken, personToken, systemToken } from '../identity-provider/token-client';

async function main(): Promise<void> {
  const [role, sub, expiry] = process.argv.slice(2);
  if (!role || !ROLES.includes(role as Role)) {
    console.error(`usage: npm run token -- <role> [sub]\n  role: one of ${ROLES.join(', ')}`);
    process.exit(2);
  }
  const config = loadConfig();
  if (config.auth.issuer) {
    console.error(
      `AUTH_ISSUER is set: get tokens from ${config.auth.issuer.issuer} (client credentials for a system; see docs/sign-in.md)`,
    );
    process.exit(2);
  }
  if (role === 'customer') return customer(config, sub);
  if (config.auth.jwtSecret) {
    const { secret } = resolveJwtSecret(config);
    console.log(await signToken(secret, { role: role as Role, sub: sub ?? `${role}-1` }, expiry ?? '12h'));
    return;
  }
  const issuer = embeddedIssuer(embeddedPort(process.env, config.port));
  const secrets = await embeddedSecrets(config.dataDir);
  // The storefront is a system: its token names its client, whatever `sub` says. The warehouse is a
  // system too, unless `sub` names a person at its desk (wes).
  const system = systemClients(secrets).find((c) => c.role === role);
  const people = (
    await openLeaveStore(config)
      .listEmployees()
      .catch(() => [])
  ).map((e) => e.id);
  const isPerson = (id: string): boolean => people.includes(id) || DESK_PEOPLE.some((p) => p.id === id);
  if (system && sub && !isPerson(sub)) {
    console.error(`(a ${role} token names its client, "${system.clientId}", not "${sub}")`);
  }
  const person = system && !(sub && isPerson(sub)) ? undefined : (sub ?? DEFAULT_PERSON[role as Role]);
  try {
    if (!person) {
      const client = systemClients(secrets).find((c) => c.role === role)!;
      console.log(
        await systemToken({
          issuer,
          clientId: client.clientId,
          clientSecret: client.clientSecret,
          audience: EMBEDDED_AUDIENCE,
        }),
      );
      return;
    }
    const token = await personToken({
      issuer,
      cliClientId: CLI_CLIENT_ID,
      personId: person,
      audience: EMBEDDED_AUDIENCE,
    });
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      roles?: string[];
    };
    if (!claims.roles?.includes(role)) {
      console.error(
        `${person} does not hold the role ${role} (their roles: ${claims.roles?.join(', ') ?? 'none'})`,
      );
      process.exit(2);
    }
    console.log(token);
  } catch (err) {
    const reason =
      err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    console.error(
      `could not get a token from the embedded identity provider at ${issuer} (${reason}); is \`npm start\` running?`,
    );
    process.exit(1);
  }
}

/**
 * A customer's token, for the customer `who` names (their address): from the shop's customer
 * identity provider with their password (CUSTOMER_PASSWORD, or typed in), as the storefront gets
 * one; with AUTH_JWT_SECRET set, signed with it for the customer's id.
 */
async function customer(config: ReturnType<typeof loadConfig>, who: string | undefined): Promise<void> {
  if (!who) {
    console.error('usage: npm run token -- customer <email>');
    process.exit(2);
  }
  const registrations = openRegistrationStore(config);
  const found = who.includes('@') ? await registrations.customerForSignIn(who) : undefined;
  await registrations.close();
  if (config.auth.jwtSecret) {
    const { secret } = resolveJwtSecret(config);
    console.log(await signToken(secret, { role: 'customer', sub: found?.customerId ?? who }, '12h'));
    return;
  }
  if (!found) {
    console.error(`no customer has the address ${who} (register and confirm first)`);
    process.exit(2);
  }
  const password = process.env.CUSTOMER_PASSWORD ?? (await ask(`password for ${who}: `));
  const publicUrl = config.auth.publicUrl ?? `http://127.0.0.1:${config.port}`;
  try {
    console.log(
      await customerToken({
        issuer: customerIssuer(publicUrl),
        clientId: CUSTOMER_CLI_CLIENT_ID,
        redirectUri: CUSTOMER_CLI_REDIRECT_URI,
        audience: CUSTOMER_AUDIENCE,
        email: who,
        password,
      }),
    );
  } catch (err) {
    console.error(
      `could not sign in ${who}: ${err instanceof Error ? err.message : String(err)}; is \`npm start\` running?`,
    );
    process.exit(1);
  }
}

/** A line typed at the terminal, not echoed (a password). */
async function ask(question: string): Promise<string> {
  const readline = await import('node:readline/promises');
  const { Writable } = await import('node:stream');
  process.stderr.write(question);
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = readline.createInterface({ input: process.stdin, output: muted, terminal: process.stdin.isTTY });
  const answer = await rl.question('');
  rl.close();
  process.stderr.write('\n');
  return answer;
}

void main();
