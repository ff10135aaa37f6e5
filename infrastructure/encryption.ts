/**
 * Encryption of workflow and activity payloads (orders carry emails and payment methods, leave
 * requests names): an AES-256-GCM payload codec. Each payload is encrypted whole with a random
 * 96-bit IV under the current key; the key's id travels in the payload's metadata, so after a
 * rotation (a new key listed first) payloads written under older keys still decode. Payloads that
 * were never encrypted (histories from before encryption was configured) pass through unchanged.
 */
import crypto from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const ProtoPayload = temporal.api.common.v1.Payload;

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/**
 * `PAYLOAD_ENCRYPTION_KEYS`: `id:base64key` pairs separated by commas, the current key first, e.g.
 * `k2:…,k1:…`. Each key is 32 bytes (`openssl rand -base64 32`).
 */
export function parseEncryptionKeys(text: string): EncryptionKey[] {
  const keys = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const match = /^([A-Za-z0-9_.-]{1,64}):([A-Za-z0-9+/=]+)$/.exec(part);
      if (!match) throw new Error('each key is written id:base64key');
      const key = Buffer.from(match[2]!, 'base64');
      if (key.length !== 32) throw new Error(`key ${match[1]} is ${key.length} bytes; AES-256 needs 32`);
      return { id: match[1]!, key };
    });
  if (keys.length === 0) throw new Error('no key given');
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new Error('two keys share an id');
  return keys;
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null | undefined) =>
  bytes ? Buffer.from(bytes).toString('utf8') : undefined;

export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: readonly EncryptionKey[]) {
    if (keys.length === 0) throw new Error('the encryption codec needs at least one key');
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const current = this.keys[0]!;
    return payloads.map((payload) => {
      const plain = ProtoPayload.encode(payload).finish();
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', current.key, iv);
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID]: utf8(current.id) }, data: sealed };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
      const id = text(payload.metadata?.[KEY_ID]) ?? '';
      const key = this.byId.get(id);
      if (!key) throw new Error(`payload encrypted with key "${id}", which is not configured`);
      const sealed = Buffer.from(payload.data ?? new Uint8Array());
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      const plain = Buffer.concat([
        decipher.update(sealed.subarray(12, sealed.length - 16)),
        decipher.final(),
      ]);
      return ProtoPayload.decode(plain);
    });
  }
}

/** The data converter the worker, the API and the replay tool share; plain JSON without keys. */
export function dataConverterFor(keys: readonly EncryptionKey[] | undefined): {
  payloadCodecs?: PayloadCodec[];
} {
  return keys?.length ? { payloadCodecs: [new EncryptionCodec(keys)] } : {};
}
