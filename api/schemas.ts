/**
 * Request bodies of the public contract (API.md), validated strictly: unknown fields, wrong types,
 * zero or negative amounts are refused with the field at fault in `details`.
 */
import { z } from 'zod';
import { MAX_ORDER_TOTAL } from '../domain/order';
import { badRequest } from './errors';

export const ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const positiveMinorUnits = z
  .number()
  .int('must be a whole number of minor units')
  .positive('must be more than 0')
  .max(MAX_ORDER_TOTAL, `must be at most ${MAX_ORDER_TOTAL} minor units, the most one payment can take`);

/** Upper bounds a storefront never needs to pass; they keep every total an exact integer. */
export const MAX_QUANTITY = 10_000;
export const MAX_ORDER_LINES = 100;

export const placeOrderBody = z
  .strictObject({
    orderId: z.string().regex(ORDER_ID_PATTERN, 'must match ^[A-Za-z0-9_-]{1,64}$').optional(),
    customer: z.strictObject({
      id: z.string().min(1).max(128),
      email: z.email().max(254),
    }),
    items: z
      .array(
        z.strictObject({
          sku: z.string().min(1).max(64),
          quantity: z
            .number()
            .int('must be a whole number')
            .positive('must be more than 0')
            .max(MAX_QUANTITY),
          unitPrice: positiveMinorUnits,
        }),
      )
      .min(1, 'an order needs at least one item')
      .max(MAX_ORDER_LINES),
    currency: z.string().regex(/^[a-z]{3}$/, 'must be a lowercase ISO 4217 code such as "usd"'),
    paymentMethod: z.string().min(1).max(255),
  })
  .superRefine((body, ctx) => {
    // Each line is within bounds; their sum must be one payment Stripe can take.
    const total = body.items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
    if (total > MAX_ORDER_TOTAL) {
      ctx.addIssue({
        code: 'custom',
        path: ['items'],
        message: `the order total (quantity × unitPrice summed) is ${total}; the most one payment can take is ${MAX_ORDER_TOTAL} minor units`,
      });
    }
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
