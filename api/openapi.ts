/**
 * The OpenAPI 3.1 document served at GET /openapi.json, generated from the contract's zod schemas
 * and route table (api/contract.ts): the schemas the server parses with and types its answers
 * with are the ones published, so the document cannot drift from what the server does. The API
 * test suites check every answer they receive against it.
 */
import { z } from 'zod';
import { errorAnswer, ROUTES, type Route } from './contract';

type JsonSchema = Record<string, unknown>;

/** JSON Schema 2020-12 (what OpenAPI 3.1 uses) for what a client sends or receives. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const generated = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
  delete generated.$schema;
  return generated;
}

const json = (schema: JsonSchema) => ({ content: { 'application/json': { schema } } });

/** The answers every authenticated route may give besides its own. */
const COMMON_ERRORS: Record<string, string> = {
  '400': 'the body or query is not valid; `details` names each field at fault',
  '401': 'no token or session, or an invalid one',
  '403': 'the wrong role, or not your resource; the message says why',
  '404': 'unknown',
  '503':
    'the workflow service or the database cannot be reached right now; send the same request again after `Retry-After` seconds',
};

function pathParameters(path: string): object[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
}

function queryParameters(query: z.ZodObject | undefined): object[] {
  if (!query) return [];
  return Object.entries(query.shape).map(([name, schema]) => {
    const generated = jsonSchema(schema as z.ZodType, 'input');
    const { description, ...rest } = generated;
    return {
      name,
      in: 'query',
      required: !(schema as z.ZodType).safeParse(undefined).success,
      description,
      schema: rest,
    };
  });
}

/**
 * What the HTTP server itself answers on any route, before the app sees the request: a request
 * line or header it cannot parse (400, no body) and headers over its 16 KiB limit (431, no body).
 */
const SERVER_ANSWERS: Record<string, string> = {
  '400':
    'the request could not be read: a malformed request line or header (answered by the HTTP server, with no body) or a path that is not valid percent-encoding (with the error shape)',
  '431': 'the request line or headers are over 16 KiB in all; answered by the HTTP server, with no body',
};

/** What the app answers on any route that takes a query or a body, whoever calls it. */
const INPUT_ERRORS = {
  query: { '400': 'a query parameter is not valid; `details` names each one at fault' },
  body: {
    '400': 'the body is not valid JSON, or a field is not valid; `details` names each field at fault',
    '413': 'the body is over 64 KiB',
    '415': 'the body is in a charset other than UTF-8, or content-encoded (gzip, …)',
  },
} as const;

function requestBody(body: NonNullable<Route['body']>): object {
  const schema = jsonSchema(body.schema, 'input');
  return {
    required: body.required,
    content: { [body.mediaType ?? 'application/json']: { schema } },
  };
}

function operation(route: Route): object {
  const responses: Record<string, object> = {};
  for (const [status, answer] of Object.entries(route.answers)) {
    responses[status] = {
      description: answer.description,
      ...(answer.schema ? json(jsonSchema(answer.schema, 'output')) : {}),
      ...(answer.page ? { content: { 'text/html': { schema: { type: 'string' } } } } : {}),
    };
  }
  const errors = {
    ...(route.who ? COMMON_ERRORS : {}),
    ...(route.query ? INPUT_ERRORS.query : {}),
    ...(route.body ? INPUT_ERRORS.body : {}),
  };
  for (const [status, description] of Object.entries(errors)) {
    responses[status] ??= { description, ...json(jsonSchema(errorAnswer, 'output')) };
  }
  responses['400'] ??= { description: SERVER_ANSWERS['400']!, ...json(jsonSchema(errorAnswer, 'output')) };
  responses['431'] ??= { description: SERVER_ANSWERS['431']! };
  return {
    ...(route.summary ? { summary: route.summary } : {}),
    ...(route.who ? { description: `who: ${route.who}`, security: [{ bearer: [] }, { session: [] }] } : {}),
    parameters: [
      ...pathParameters(route.path),
      ...queryParameters(route.query),
      ...(route.headers ?? []).map((h) => ({
        name: h.name,
        in: 'header',
        required: false,
        description: h.description,
        schema: jsonSchema(h.schema, 'input'),
      })),
    ],
    ...(route.body ? { requestBody: requestBody(route.body) } : {}),
    responses,
  };
}

function buildDocument() {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of ROUTES) (paths[route.path] ??= {})[route.method] = operation(route);
  return {
    openapi: '3.1.0',
    info: {
      title: 'temporal-commerce',
      version: '1.1',
      description:
        'Checkout, order acceptance and annual leave as durable processes, and the work queues of the people in them. Amounts are integers in minor units.',
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'a JWT with `sub`, the role and `exp`: from the identity provider (AUTH_ISSUER), or HS256 signed with AUTH_JWT_SECRET, whose `exp` must be at most 24 h ahead',
        },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'tc_session',
          description: 'the back office in the browser; POSTs also carry the X-CSRF-Token header',
        },
      },
      schemas: { Error: jsonSchema(errorAnswer, 'output') },
    },
    paths,
  };
}

export const OPENAPI_DOCUMENT = buildDocument();
