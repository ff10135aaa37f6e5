/**
 * Parsing what a request carries against the contract's schemas (api/contract/): a body or a
 * query that does not fit is refused with a 400 naming each field at fault.
 */
import type { z } from 'zod';
import { badRequest } from './errors';

function refuse(what: string, error: z.ZodError): never {
  const details = error.issues.map((issue) => ({
    field: issue.path.length
      ? issue.path.join('.')
      : issue.code === 'unrecognized_keys'
        ? issue.keys.join(',')
        : what,
    message: issue.message,
  }));
  throw badRequest(
    `the request ${what} is not valid: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`,
    details,
  );
}

/** Parses a body or throws a 400 naming each field at fault. A missing body counts as `{}`. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body === undefined ? {} : body);
  if (result.success) return result.data;
  return refuse('body', result.error);
}

/** Parses a query string (unknown parameters, repeated ones and bad values are refused). */
export function parseQuery<T>(schema: z.ZodType<T>, query: unknown): T {
  const result = schema.safeParse(query ?? {});
  if (result.success) return result.data;
  return refuse('query', result.error);
}
