/**
 * What an order says of its goods and where they go (v1.2): the lines as the warehouse reads them
 * and the shipping address, as `POST /orders` takes them and as the order answers them.
 */
import { z } from 'zod';
import { plainLine } from '../contract/shared';

const REGIONS = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

/** A code ISO 3166-1 assigns (`DE`), not merely two capitals (`XX`). */
function isRegion(code: string): boolean {
  try {
    const name = REGIONS.of(code);
    return name !== undefined && name !== 'Unknown Region';
  } catch {
    return false;
  }
}

export const shippingAddress = z.strictObject({
  name: plainLine(200).describe('who receives it'),
  line1: plainLine(200),
  line2: z
    .string()
    .max(200)
    .optional()
    // A blank second line, as forms send it, is no second line.
    .transform((v) => (v?.trim() ? v.trim() : undefined))
    .pipe(plainLine(200).optional()),
  city: plainLine(100),
  postalCode: plainLine(20),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code in capitals, such as "DE"')
    .refine(isRegion, 'is not a country or territory ISO 3166-1 names')
    .describe('ISO 3166-1 alpha-2'),
});

export const orderItemAnswer = z.looseObject({
  sku: z.string(),
  quantity: z.number().int(),
  unitPrice: z.number().int(),
  name: z.string().optional(),
});
export const addressAnswer = z.looseObject({
  name: z.string(),
  line1: z.string(),
  line2: z.string().optional(),
  city: z.string(),
  postalCode: z.string(),
  country: z.string(),
});
