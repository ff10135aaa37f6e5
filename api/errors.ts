/** API errors in the contract's shape: {"error": {"code", "message", "details"?}}. */
import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import { NamespaceNotFoundError } from '@temporalio/common';
import type { ErrorRequestHandler } from 'express';

/** gRPC status codes (numbers fixed by the gRPC spec). */
const RETRYABLE_GRPC_CODES: ReadonlySet<number> = new Set([4 /* DEADLINE_EXCEEDED */, 14 /* UNAVAILABLE */]);
/** Seconds a client is asked to wait before trying again while Temporal cannot be reached. */
export const RETRY_AFTER_SECONDS = 2;

/**
 * Temporal could not be reached (down, restarting, or too slow to answer): worth retrying. A
 * namespace it says it does not know counts too: a server whose database just came back answers so
 * for a few seconds while it reloads its namespaces (the production suite's PostgreSQL restart); a
 * namespace that is really missing (TEMPORAL_NAMESPACE wrong) answers 503 every time, and the log
 * names the error.
 */
export function isTemporalUnavailable(err: unknown): boolean {
  if (err instanceof NamespaceNotFoundError) return true;
  const grpc = err instanceof ServiceError ? err.cause : err;
  return isGrpcServiceError(grpc) && RETRYABLE_GRPC_CODES.has(grpc.code);
}

/** The app's database could not be reached (stopped, restarting, refusing connections): worth retrying. */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const { code, message, errors, cause } = err as {
    code?: string;
    message?: string;
    errors?: unknown[];
    cause?: unknown;
  };
  // Connection refused or reset, and PostgreSQL's admin-shutdown and cannot-connect-now classes.
  if (
    code &&
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', '57P01', '57P02', '57P03', 'SQLITE_BUSY'].includes(code)
  )
    return true;
  if (
    /Connection terminated|connection to the server|not queryable|shutting down|terminating connection|connect ECONN|timeout exceeded when trying to connect/i.test(
      message ?? '',
    )
  )
    return true;
  // A connection attempt to several addresses fails as one AggregateError; a wrapped one as its cause.
  return [...(errors ?? []), cause].some((inner) => isDatabaseUnavailable(inner, depth + 1));
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, details?: unknown): HttpError =>
  new HttpError(400, 'bad_request', message, details);
export const notFound = (what: string): HttpError => new HttpError(404, 'not_found', `${what} was not found`);
export const forbidden = (message: string, details?: unknown): HttpError =>
  new HttpError(403, 'forbidden', message, details);
export const conflict = (message: string, details?: unknown): HttpError =>
  new HttpError(409, 'conflict', message, details);

interface BodyParserError {
  type?: string;
  status?: number;
  message?: string;
}

/**
 * What the body parser refused, as the contract's answer: too large (413), a charset or encoding it
 * cannot read (415), anything else about the bytes (400). Undefined for an error that is not the
 * parser's. Every 4xx the parser can raise is covered, so no body's bytes can become a 500.
 */
export function bodyParserAnswer(
  err: BodyParserError | undefined,
): { status: number; error: { code: string; message: string } } | undefined {
  if (!err || typeof err.type !== 'string' || typeof err.status !== 'number') return undefined;
  if (err.status < 400 || err.status >= 500) return undefined;
  if (err.type === 'entity.too.large') {
    return { status: 413, error: { code: 'payload_too_large', message: 'the request body is over 64 KiB' } };
  }
  if (err.type === 'charset.unsupported' || err.type === 'encoding.unsupported') {
    return {
      status: 415,
      error: {
        code: 'unsupported_media_type',
        message: 'the request body must be JSON in UTF-8, without a content encoding',
      },
    };
  }
  return { status: 400, error: { code: 'bad_request', message: 'the request body is not valid JSON' } };
}

/** A 4xx raised by a library (http-errors' `status`), answered in our words: never its message. */
export function libraryRefusal(
  err: unknown,
): { status: number; error: { code: string; message: string } } | undefined {
  const status = (err as { status?: unknown; statusCode?: unknown } | undefined)?.status;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  if (status === 404)
    return { status, error: { code: 'not_found', message: 'there is nothing at this address' } };
  if (status === 403)
    return { status, error: { code: 'forbidden', message: 'this address may not be read' } };
  if (status === 405)
    return { status, error: { code: 'method_not_allowed', message: 'this address takes another method' } };
  return {
    status: 400,
    error: { code: 'bad_request', message: 'the request could not be read (its address or its body)' },
  };
}

export function errorHandler(log: (message: string, err: unknown) => void): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (err instanceof HttpError) {
      const retryAfter = (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
      if (err.status === 429 && typeof retryAfter === 'number') res.set('Retry-After', String(retryAfter));
      res.status(err.status).json({ error: { code: err.code, message: err.message, details: err.details } });
      return;
    }
    const parsing = bodyParserAnswer(err as BodyParserError);
    if (parsing) {
      res.status(parsing.status).json({ error: { ...parsing.error, details: [{ field: 'body' }] } });
      return;
    }
    // Any other refusal a library raised with a 4xx status (the router's bad percent-encoding, the
    // file server's missing or forbidden file): that status, in the error shape, in our words.
    const refused = libraryRefusal(err);
    if (refused) {
      res.status(refused.status).json({ error: refused.error });
      return;
    }
    // Temporal or the app's database away: nothing the request asked for is known to have happened,
    // and the same request may be sent again (a repeated order id finds the order if its start did
    // get through).
    const away = isTemporalUnavailable(err)
      ? 'the workflow service'
      : isDatabaseUnavailable(err)
        ? 'the database'
        : undefined;
    if (away) {
      log(`${away === 'the database' ? 'database' : 'Temporal'} unavailable`, err);
      res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      res.status(503).json({
        error: {
          code: 'unavailable',
          message: `${away} cannot be reached right now; try again in ${RETRY_AFTER_SECONDS} s`,
        },
      });
      return;
    }
    log('unexpected error', err);
    res
      .status(500)
      .json({ error: { code: 'internal', message: 'something went wrong; it has been logged' } });
  };
}
