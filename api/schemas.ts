/**
 * Request bodies of the public contract (API.md), validated strictly: unknown fields, wrong types,
 * zero or negative amounts are refused with the field at fault in `details`.
 */
import { z } from 'zod';
import { badRequest } from './errors';

export const ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const positiveMinorUnits = z
  .number()
  .int('must be a whole number of minor units')
  .positive('must be more than 0')
  .max(Number.MAX_SAFE_INTEGER);

export const placeOrderBody = z.strictObject({
  orderId: z.string().regex(ORDER_ID_PATTERN, 'must match ^[A-Za-z0-9_-]{1,64}$').optional(),
  customer: z.strictObject({
    id: z.string().min(1).max(128),
    email: z.email().max(254),
  }),
  items: z
    .array(
      z.strictObject({
        sku: z.string().min(1).max(64),
        quantity: z.number().int('must be a whole number').positive('must be more than 0').max(10_000),
        unitPrice: positiveMinorUnits,
      }),
    )
    .min(1, 'an order needs at least one item')
    .max(100),
  currency: z.string().regex(/^[a-z]{3}$/, 'must be a lowercase ISO 4217 code such as "usd"'),
  paymentMethod: z.string().min(1).max(255),
});
export type PlaceOrderBody = z.infer<typeof placeOrderBody>;

export const cancelBody = z.strictObject({ reason: z.string().max(500).optional() });
export const paymentRetryBody = z.strictObject({ paymentMethod: z.string().min(1).max(255) });
export const shipmentBody = z.strictObject({ trackingNumber: z.string().min(1).max(128).optional() });
export const authorizationBody = z.strictObject({
  approved: z.boolean('must be true or false'),
  note: z.string().max(500).optional(),
});
export const returnBody = z.strictObject({ originalPackaging: z.boolean('must be true or false') });

/** Parses a body or throws a 400 naming each field at fault. A missing body counts as `{}`. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body === undefined ? {} : body);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    field: issue.path.length
      ? issue.path.join('.')
      : issue.code === 'unrecognized_keys'
        ? issue.keys.join(',')
        : 'body',
    message: issue.message,
  }));
  throw badRequest(
    `the request body is not valid: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`,
    details,
  );
}
