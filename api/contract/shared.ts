/**
 * What every part of the public contract shares: timestamps, notes, paging, the error shape, a
 * timeline step, and the shape of a route in the route table (api/contract/index.ts composes the
 * processes' routes into it). No Node built-ins: the browser bundle reads these types.
 */
import { z } from 'zod';
import type { Role } from '../../domain/roles';

export const timestamp = z.string().describe('an ISO 8601 timestamp');

/** One line of plain text people read (a name, an address line): no line breaks or control characters. */
export function plainLine(max: number) {
  return z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max)
    .refine(
      // Line breaks, control and format characters (bidi overrides, zero-width), lone surrogates.
      (text) => !/[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u.test(text),
      'must be one line of plain text (no line breaks, control or invisible formatting characters)',
    );
}
export const note = z.string().max(500).optional();

export const limit = z
  .string()
  .regex(/^\d{1,3}$/, 'must be a whole number from 1 to 100')
  .transform(Number)
  .pipe(z.number().min(1, 'must be at least 1').max(100, 'must be at most 100'))
  .optional()
  .describe('1–100, default 25');
export const cursor = z.string().min(1).max(400).optional().describe("the previous page's nextCursor");

export const errorAnswer = z.looseObject({
  error: z.looseObject({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

export const timelineEvent = z.looseObject({
  at: timestamp,
  kind: z.string(),
  actor: z.string().optional().describe('who acted: role:id, a manager id, system'),
  actorName: z.string().optional().describe('who acted, in words: a name, "the customer", "the warehouse"'),
  detail: z.string().describe('the step in words'),
});
export type TimelineEventAnswer = z.infer<typeof timelineEvent>;

/**
 * The one pattern every resource id in a path follows (orders, leave requests, employees): what a
 * storefront may choose for an order id, and what the API makes.
 */
export const RESOURCE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const resourceId = z.string().regex(RESOURCE_ID_PATTERN, 'must match ^[A-Za-z0-9_-]{1,64}$');

export interface Answer<S extends z.ZodType | undefined = z.ZodType | undefined> {
  readonly description: string;
  readonly schema?: S;
  /** A page in words (`text/html`) rather than JSON. */
  readonly page?: boolean;
}

export interface HeaderParameter {
  readonly name: string;
  readonly description: string;
  readonly schema: z.ZodType;
}

/**
 * One route of the table: where it is, who may call it at all, what it takes and what it answers.
 * The router is mounted from the table (api/mount.ts) and the OpenAPI document generated from it,
 * so the two cannot drift. Finer rules (one's own resource, the manager chain) are the handler's.
 */
export interface Route {
  readonly method: 'get' | 'post';
  /** OpenAPI template: `/orders/{id}`. */
  readonly path: string;
  /** Who may call it, in words; absent for the unauthenticated probes. */
  readonly who?: string;
  /** The roles let in at the door (any of them); the handler decides the rest. */
  readonly roles?: readonly Role[];
  readonly summary?: string;
  /** JSON unless `mediaType` says otherwise (a page's form: `application/x-www-form-urlencoded`). */
  readonly body?: { readonly schema: z.ZodType; readonly required: boolean; readonly mediaType?: string };
  readonly query?: z.ZodObject;
  readonly headers?: readonly HeaderParameter[];
  readonly answers: Readonly<Record<string, Answer>>;
}

/** A route of the table, its schemas' types kept for the handler mounted on it. */
export const route = <const R extends Route>(definition: R): R => definition;

export function the(description: string): Answer<undefined>;
export function the<S extends z.ZodType>(description: string, schema: S): Answer<S> & { readonly schema: S };
export function the(description: string, schema?: z.ZodType): Answer {
  return schema ? { description, schema } : { description };
}
/** An answer that is a page in words for a person's browser (`text/html`). */
export const page = (description: string): Answer<undefined> => ({ description, page: true });
export const plain = z.looseObject({ status: z.string() });
export const readiness = z.looseObject({ status: z.string(), checks: z.record(z.string(), z.string()) });

/** A type without its index signatures, all the way down: the fields the contract names, no others. */
export type Exact<T> = T extends readonly (infer E)[]
  ? Exact<E>[]
  : T extends (...args: never[]) => unknown
    ? T
    : T extends object
      ? { [K in keyof T as string extends K ? never : number extends K ? never : K]: Exact<T[K]> }
      : T;

/**
 * `true` when A and B are the same type, else `false`: each assignable to the other, and the same
 * field names at every depth (assignability alone lets either have an extra optional field).
 */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? SameFields<A, B> : false) : false;
type SameFields<A, B> = [A] extends [readonly (infer E)[]]
  ? [B] extends [readonly (infer F)[]]
    ? Same<E, F>
    : false
  : [A] extends [object]
    ? [B] extends [object]
      ? [keyof A] extends [keyof B]
        ? [keyof B] extends [keyof A]
          ? false extends {
              [K in keyof A & keyof B]-?: Same<NonNullable<A[K]>, NonNullable<B[K]>>;
            }[keyof A & keyof B]
            ? false
            : true
          : false
        : false
      : false
    : true;
