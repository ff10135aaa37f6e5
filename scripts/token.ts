/**
 * `npm run token -- <role> [sub] [expiry]`: prints a bearer token the API accepts, signed with
 * AUTH_JWT_SECRET or the local development secret in DATA_DIR.
 */
import { ROLES, signToken, type Role } from '../api/auth';
import { resolveJwtSecret } from '../config/jwt-secret';
import { loadConfig } from '../config/settings';

async function main(): Promise<void> {
  const [role, sub, expiry] = process.argv.slice(2);
  if (!role || !ROLES.includes(role as Role)) {
    console.error(`usage: npm run token -- <role> [sub] [expiry]\n  role: one of ${ROLES.join(', ')}`);
    process.exit(2);
  }
  const { secret } = resolveJwtSecret(loadConfig());
  console.log(await signToken(secret, { role: role as Role, sub: sub ?? `${role}-1` }, expiry ?? '12h'));
}

void main();
