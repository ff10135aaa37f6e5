/**
 * The route table drives the router. Each route of the contract (api/contract/) is mounted with its
 * handler by `mount()`, which does what every route needs in one place: the caller (authenticated
 * before), the roles let in at the door, the query, body and headers parsed with the route's own
 * schemas (400 naming each field at fault), and the answer sent as JSON with the status the
 * handler chose. A handler's answer is typed by the route's 2xx answer schemas, exact: a field the
 * handler answers that the contract lacks, or one the contract requires that the handler leaves
 * out, is a type error, so the document cannot drift from the server.
 */
import type { Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import { holds, type Caller } from './auth';
import type { Exact, Route } from './contract';
import { badRequest, HttpError } from './errors';
import { parseBody, parseQuery } from './schemas';

type SchemaOf<A> = A extends { readonly schema: infer S extends z.ZodType } ? S : undefined;
type AnswerBody<A> = SchemaOf<A> extends z.ZodType ? Exact<z.output<SchemaOf<A>>> : undefined;
type SuccessStatus<R extends Route> = keyof R['answers'] & `2${string}`;
type StatusNumber<S> = S extends `${infer N extends number}` ? N : never;

/** What a handler answers: one of the route's 2xx statuses, with its body. */
export type Reply<R extends Route> = {
  [S in SuccessStatus<R>]: { status: StatusNumber<S>; body: AnswerBody<R['answers'][S]> };
}[SuccessStatus<R>];

type PathParameters<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? Name | PathParameters<Rest>
  : never;
type QueryOf<R extends Route> = R['query'] extends z.ZodType ? z.output<R['query']> : undefined;
type BodyOf<R extends Route> = R['body'] extends { schema: infer S extends z.ZodType }
  ? z.output<S>
  : undefined;
type HeadersOf<R extends Route> = R['headers'] extends readonly (infer H)[]
  ? {
      [N in H extends { name: infer Name extends string } ? Name : never]?: z.output<
        Extract<H, { name: N; schema: z.ZodType }>['schema']
      >;
    }
  : Record<string, never>;

/** What a handler is given: the request parsed by its route's schemas. */
export interface Call<R extends Route> {
  req: Request;
  caller: Caller;
  params: { [K in PathParameters<R['path']>]: string };
  query: QueryOf<R>;
  body: BodyOf<R>;
  headers: HeadersOf<R>;
}

export type Handler<R extends Route> = (call: Call<R>) => Promise<Reply<R>>;

/** A handler as the router holds it, its types checked where it was written (`handle`). */
interface AnyCall {
  req: Request;
  caller: Caller;
  params: Record<string, string>;
  query: unknown;
  body: unknown;
  headers: unknown;
}

export type Mounted =
  | { kind: 'json'; route: Route; handler: (call: AnyCall) => Promise<{ status: number; body: unknown }> }
  | {
      kind: 'page';
      route: Route;
      before: readonly RequestHandler[];
      handler: (call: AnyPageCall) => Promise<void>;
    };

/** A route of the table with its handler, typed by the route. */
export function handle<R extends Route>(route: R, handler: NoInfer<Handler<R>>): Mounted {
  return {
    kind: 'json',
    route,
    handler: handler as unknown as Extract<Mounted, { kind: 'json' }>['handler'],
  };
}

/**
 * What a route that writes its own answer is given: a page in words, a redirect, a cookie set or
 * cleared (sign-in, the emailed link's page). Nobody is signed in to reach it, so no caller; the
 * query is the route's schema's reading of it, or undefined when it does not hold (the page says
 * why in words, not in JSON).
 */
export interface PageCall<R extends Route> {
  req: Request;
  res: Response;
  params: { [K in PathParameters<R['path']>]: string };
  query: QueryOf<R> | undefined;
}

interface AnyPageCall {
  req: Request;
  res: Response;
  params: Record<string, string>;
  query: unknown;
}

/**
 * A route of the table whose handler writes its own answer (a page, a redirect, cookies): the
 * sign-in's routes and the emailed link's page. Such a route lets anyone in (it has no roles: a
 * table that gave it some would be refused when mounted); `before` reads what it needs first (the
 * link's form).
 */
export function handlePage<R extends Route>(
  route: R,
  handler: NoInfer<(call: PageCall<R>) => Promise<void>>,
  before: readonly RequestHandler[] = [],
): Mounted {
  return { kind: 'page', route, before, handler: handler as unknown as (call: AnyPageCall) => Promise<void> };
}

/** `/orders/{id}` → `/orders/:id`. */
export function expressPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1');
}

function parseHeaders(route: Route, req: Request): Record<string, unknown> {
  const parsed: Record<string, unknown> = {};
  for (const header of route.headers ?? []) {
    const value = req.get(header.name);
    if (value === undefined) continue;
    const result = header.schema.safeParse(value);
    if (!result.success) {
      const message = result.error.issues[0]?.message ?? 'is not valid';
      throw badRequest(`the ${header.name} header ${message}`, [{ field: header.name, message }]);
    }
    parsed[header.name] = result.data;
  }
  return parsed;
}

function caller(req: Request): Caller {
  if (!req.caller) throw new HttpError(401, 'unauthorized', 'a bearer token is required');
  return req.caller;
}

/** The door: one of the route's roles, or a 403 that says which were needed. */
export function admit(route: Pick<Route, 'roles'>, who: Caller): void {
  if (!route.roles || holds(who, ...route.roles)) return;
  throw new HttpError(
    403,
    'forbidden',
    `this needs the role ${route.roles.join(' or ')}; ${who.via === 'session' ? 'you are signed in as' : 'the token has'} ${who.roles.join(', ')}`,
  );
}

function endpoint({ route, handler }: Extract<Mounted, { kind: 'json' }>): RequestHandler {
  return async (req, res) => {
    const who = caller(req);
    admit(route, who);
    const reply = await handler({
      req,
      caller: who,
      params: req.params as Record<string, string>,
      query: route.query ? parseQuery(route.query, req.query) : undefined,
      body: route.body ? parseBody(route.body.schema, req.body) : undefined,
      headers: parseHeaders(route, req),
    });
    res.status(reply.status).json(reply.body);
  };
}

function pageEndpoint({ route, handler }: Extract<Mounted, { kind: 'page' }>): RequestHandler {
  if (route.roles)
    throw new Error(`${route.method} ${route.path} writes its own answer and cannot hold roles`);
  return async (req, res) => {
    const query = route.query?.safeParse(req.query);
    await handler({
      req,
      res,
      params: req.params as Record<string, string>,
      query: query?.success ? query.data : undefined,
    });
  };
}

/** Every route mounted so far, as `get /orders/{id}`: a test holds it against the table. */
export const MOUNTED_ROUTES = new Set<string>();

/** Mounts each route's handler on the router, in the table's order. */
export function mount(router: Router, routes: readonly Mounted[]): Router {
  for (const mounted of routes) {
    const path = expressPath(mounted.route.path);
    if (mounted.kind === 'json') router[mounted.route.method](path, endpoint(mounted));
    else router[mounted.route.method](path, ...mounted.before, pageEndpoint(mounted));
    MOUNTED_ROUTES.add(`${mounted.route.method} ${mounted.route.path}`);
  }
  return router;
}
