/**
 * A value sealed for the browser to carry and give back: AES-256-GCM under a key the server keeps,
 * so the browser can neither read it nor change it, bound to its purpose (a value sealed for one
 * cookie is refused as another) and to an expiry inside the seal.
 */
import crypto from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function seal(key: Buffer, purpose: string, value: unknown, expiresAt: number): string {
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(purpose));
  const body = Buffer.concat([cipher.update(JSON.stringify({ value, expiresAt })), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The sealed value, or undefined when it is not one of ours, was sealed for another purpose, or has expired. */
export function unseal<T>(key: Buffer, purpose: string, sealed: string, now: number): T | undefined {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const text = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    const { value, expiresAt } = JSON.parse(text.toString('utf8')) as { value: T; expiresAt: number };
    return typeof expiresAt === 'number' && expiresAt > now ? value : undefined;
  } catch {
    return undefined; // altered, another key's, or not a seal at all
  }
}
