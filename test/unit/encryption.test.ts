/** The payload codec on its own: round trip, rotation, tampering, and payloads from before it. */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec, ENCRYPTED_ENCODING, parseEncryptionKeys } from '../../infrastructure/encryption';
import { loadConfig } from '../../config/settings';

const key = (id: string) => ({ id, key: crypto.randomBytes(32) });
const plain = defaultPayloadConverter.toPayload({ email: 'ada@example.com', paymentMethod: 'pm_card_visa' });

describe('payload encryption', () => {
  it('round-trips, and the encrypted payload shows neither the data nor its encoding', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const [sealed] = await codec.encode([plain]);
    assert.equal(Buffer.from(sealed!.metadata!.encoding!).toString(), ENCRYPTED_ENCODING);
    assert.equal(Buffer.from(sealed!.metadata!['encryption-key-id']!).toString(), 'k1');
    assert.ok(!Buffer.from(sealed!.data!).toString('latin1').includes('ada@example.com'));
    assert.ok(!Buffer.from(sealed!.data!).toString('latin1').includes('json/plain'));
    const [opened] = await codec.decode([sealed!]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(opened!), {
      email: 'ada@example.com',
      paymentMethod: 'pm_card_visa',
    });
  });

  it('a fresh IV each time: the same value never encrypts the same way twice', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const [a, b] = await codec.encode([plain, plain]);
    assert.notDeepEqual(Buffer.from(a!.data!), Buffer.from(b!.data!));
  });

  it('rotation: a new current key encrypts, the old one still decrypts; a retired key is named when missing', async () => {
    const k1 = key('k1');
    const k2 = key('k2');
    const [old] = await new EncryptionCodec([k1]).encode([plain]);
    const rotated = new EncryptionCodec([k2, k1]);
    const [fresh] = await rotated.encode([plain]);
    assert.equal(Buffer.from(fresh!.metadata!['encryption-key-id']!).toString(), 'k2');
    for (const sealed of [old!, fresh!]) {
      assert.deepEqual(
        defaultPayloadConverter.fromPayload((await rotated.decode([sealed]))[0]!),
        defaultPayloadConverter.fromPayload(plain),
      );
    }
    await assert.rejects(new EncryptionCodec([k2]).decode([old!]), /key "k1", which is not configured/);
  });

  it('refuses a payload altered in transit', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const [sealed] = await codec.encode([plain]);
    const data = Buffer.from(sealed!.data!);
    data[20]! ^= 1;
    await assert.rejects(codec.decode([{ ...sealed!, data }]));
  });

  it('lets payloads from before encryption through unchanged', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    assert.deepEqual(await codec.decode([plain]), [plain]);
  });

  it('reads PAYLOAD_ENCRYPTION_KEYS, refusing bad keys by name', () => {
    const k = crypto.randomBytes(32).toString('base64');
    assert.deepEqual(
      parseEncryptionKeys(`k2:${k}, k1:${k}`).map((e) => e.id),
      ['k2', 'k1'],
    );
    assert.equal(loadConfig({}).encryptionKeys, undefined);
    assert.throws(
      () => loadConfig({ PAYLOAD_ENCRYPTION_KEYS: 'k1:c2hvcnQ=' }),
      /PAYLOAD_ENCRYPTION_KEYS: .*needs 32/,
    );
    assert.throws(() => loadConfig({ PAYLOAD_ENCRYPTION_KEYS: `k1:${k},k1:${k}` }), /share an id/);
    assert.throws(() => loadConfig({ PAYLOAD_ENCRYPTION_KEYS: 'nonsense' }), /PAYLOAD_ENCRYPTION_KEYS/);
  });
});
