/**
 * What every part of the public contract shares: timestamps, notes, paging, the error shape, a
 * timeline step, and the shape of a route in the route table (api/contract/index.ts composes the
 * processes' routes into it). No Node built-ins: the browser bundle reads these types.
 */
import { z } from 'zod';

export const timestamp = z.string().describe('an ISO 8601 timestamp');
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
  detail: z.string().describe('the step in words'),
});
export type TimelineEventAnswer = z.infer<typeof timelineEvent>;

export interface Answer {
  description: string;
  schema?: z.ZodType;
  /** A page in words (`text/html`) rather than JSON. */
  page?: boolean;
}

export interface Route {
  method: 'get' | 'post';
  /** OpenAPI template: `/orders/{id}`. */
  path: string;
  /** Who may call it, in words; absent for the unauthenticated probes. */
  who?: string;
  summary?: string;
  /** JSON unless `mediaType` says otherwise (a page's form: `application/x-www-form-urlencoded`). */
  body?: { schema: z.ZodType; required: boolean; mediaType?: string };
  query?: z.ZodObject;
  headers?: { name: string; description: string; schema: z.ZodType }[];
  answers: Record<string, Answer>;
}

export const the = (description: string, schema?: z.ZodType): Answer => ({ description, schema });
/** An answer that is a page in words for a person's browser (`text/html`). */
export const page = (description: string): Answer => ({ description, page: true });
export const plain = z.looseObject({ status: z.string() });
export const readiness = z.looseObject({ status: z.string(), checks: z.record(z.string(), z.string()) });
