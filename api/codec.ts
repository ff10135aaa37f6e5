/**
 * The codec server for the Temporal UI and CLI: POST /codec/decode (and /codec/encode) in the
 * remote-codec format (`{"payloads":[{"metadata":{…base64},"data":base64}]}`), so that authorised
 * engineers read encrypted histories in the UI. Authorised means a valid token with the support
 * role; the browser calls it cross-origin, from the origins in CODEC_CORS_ORIGINS.
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import cors from 'cors';
import express, { Router } from 'express';
import { z } from 'zod';
import { authenticate, requireRole, type Authentication } from './auth';
import { parseBody } from './schemas';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const payloadsBody = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() }))
    .max(1000),
});

const fromBase64 = (value: string) => new Uint8Array(Buffer.from(value, 'base64'));
const toBase64 = (value: Uint8Array | null | undefined) =>
  Buffer.from(value ?? new Uint8Array()).toString('base64');

function toJson(payloads: Payload[]) {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, toBase64(v)])),
      data: toBase64(p.data),
    })),
  };
}

export function codecRouter(options: {
  codec: PayloadCodec;
  authentication: Authentication;
  corsOrigins: string[];
}): Router {
  const router = Router();
  // Only the listed origins (the Temporal UI's) get CORS headers; a preflight is answered 204.
  router.use(
    '/codec',
    cors({
      origin: (origin, allow) => allow(null, origin !== undefined && options.corsOrigins.includes(origin)),
      credentials: true,
      methods: ['POST', 'OPTIONS'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Namespace'],
      optionsSuccessStatus: 204,
    }),
  );
  router.use(
    '/codec',
    express.json({ limit: '4mb', type: () => true }),
    authenticate(options.authentication),
    requireRole('support'),
  );
  for (const direction of ['decode', 'encode'] as const) {
    router.post(`/codec/${direction}`, async (req, res) => {
      const { payloads } = parseBody(payloadsBody, req.body);
      const input: Payload[] = payloads.map((p) => ({
        metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, fromBase64(v)])),
        data: fromBase64(p.data ?? ''),
      }));
      res.json(toJson(await options.codec[direction](input)));
    });
  }
  return router;
}
