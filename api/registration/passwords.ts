/**
 * Customers' passwords, hashed with scrypt (Node's own, memory-hard) before anything else sees
 * them: the workflow, the logs and the answers never hold the password, and only the store holds
 * the hash. Parameters as OWASP's password storage cheat sheet lists for scrypt (N=2^15, r=8,
 * p=3: about 32 MiB per hash), written into each hash so they can be raised later.
 */
import crypto from 'node:crypto';

const PARAMETERS = { N: 2 ** 15, r: 8, p: 3 } as const;
const KEY_LENGTH = 32;

function scrypt(
  password: string,
  salt: Buffer,
  params: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    crypto.scrypt(
      password.normalize('NFKC'),
      salt,
      KEY_LENGTH,
      { ...params, maxmem: 256 * params.N * params.r },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

/** `scrypt$N=32768,r=8,p=3$<salt>$<hash>`, base64url, with a fresh 16-byte salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const key = await scrypt(password, salt, PARAMETERS);
  const { N, r, p } = PARAMETERS;
  return `scrypt$N=${N},r=${r},p=${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Whether `password` is the one `hash` was made from (in constant time). */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const match = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([\w-]+)\$([\w-]+)$/.exec(hash);
  if (!match) return false;
  const [, N, r, p, salt, expected] = match;
  const key = await scrypt(password, Buffer.from(salt!, 'base64url'), { N: +N!, r: +r!, p: +p! });
  const want = Buffer.from(expected!, 'base64url');
  return want.length === key.length && crypto.timingSafeEqual(want, key);
}

/** Whether `hash` was made with other parameters than today's: rehashed at the next sign-in. */
export function needsRehash(hash: string): boolean {
  const { N, r, p } = PARAMETERS;
  return !hash.startsWith(`scrypt$N=${N},r=${r},p=${p}$`);
}

/**
 * A hash no password matches, checked for an address no customer has: an unknown address costs
 * the same time as a wrong password.
 */
export const UNKNOWN_ACCOUNT_HASH = `scrypt$N=${PARAMETERS.N},r=${PARAMETERS.r},p=${PARAMETERS.p}$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
