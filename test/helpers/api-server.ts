/**
 * The pieces every HTTP-level suite needs: the API served on a free loopback port, a worker run in
 * the background, and a call that checks each answer against the OpenAPI document.
 */
import type { AddressInfo } from 'node:net';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { createApp, type AppDeps } from '../../api/app';
import { signToken } from '../../api/auth';
import type { Role } from '../../domain/roles';
import { assertMatchesContract } from './openapi';

export interface RunningApi {
  base: string;
  close: () => Promise<void>;
}

/** createApp(deps) listening on 127.0.0.1 (any free port); its errors are not logged unless asked. */
export async function serveApi(deps: AppDeps, port = 0): Promise<RunningApi> {
  const server = createApp({ log: () => undefined, ...deps }).listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface RunningWorker {
  worker: Worker;
  stop: () => Promise<void>;
}

/** A worker polling in the background until `stop`. */
export async function runWorker(options: WorkerOptions): Promise<RunningWorker> {
  const worker = await Worker.create(options);
  const done = worker.run();
  return {
    worker,
    stop: async () => {
      worker.shutdown();
      await done;
    },
  };
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** One HTTP call, its answer checked against the OpenAPI document. */
export async function callApi(
  base: string,
  method: string,
  url: string,
  options: { token?: string; body?: unknown; raw?: string; contentType?: string } = {},
): Promise<Answer> {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: {
      'content-type': options.contentType ?? 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  const answer = { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  assertMatchesContract(method, url, answer.status, answer.body);
  return answer;
}

/** Someone calling: `role:sub`, e.g. `employee:ella`; none, no token. */
export type Caller = `${Role}:${string}`;

/** A call as `role:sub`, with a token signed by the API's shared secret, its answer checked. */
export function callerOf(
  api: () => string,
  secret: string,
): (method: string, url: string, as?: Caller, body?: unknown) => Promise<Answer> {
  return async (method, url, as, body) => {
    const [role, sub] = (as?.split(':') ?? []) as [Role?, string?];
    const token = role && sub ? await signToken(secret, { role, sub }) : undefined;
    return callApi(api(), method, url, { token, body });
  };
}
