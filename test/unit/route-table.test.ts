/**
 * The route table is the one source of the router: the app, built with every part it can serve,
 * answers exactly the table's routes (each mounted by `mount()`, none written beside it), apart
 * from the back office's own page and assets and the Temporal UI's codec, which are not the
 * public contract.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { createApp } from '../../api/app';
import type { CustomerProvider } from '../../identity-provider/customers';
import { ROUTES } from '../../api/contract';
import { expressPath, MOUNTED_ROUTES } from '../../api/mount';
import {
  openLeaveStore,
  openBulkActionStore,
  openOrderStore,
  openRegistrationStore,
  openSessionStore,
} from '../../store';

/** What is not the public contract: the back office's page, and the codec the Temporal UI calls. */
const OUTSIDE_THE_CONTRACT = ['get /', 'get /account/', 'post /codec/decode', 'post /codec/encode'];

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every method and path the express app answers, read from its router's layers. */
function answered(stack: readonly Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      return Object.keys(layer.route.methods)
        .filter((method) => method !== '_all')
        .map((method) => `${method} ${layer.route!.path}`);
    }
    return layer.handle?.stack ? answered(layer.handle.stack) : [];
  });
}

describe('the route table drives the router', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'route-table-'));
  const codec: PayloadCodec = { encode: async (p) => p, decode: async (p) => p };
  const app = createApp({
    client: {} as Client,
    store: openOrderStore({ dataDir }),
    taskQueue: 'route-table',
    jwtSecret: 'a secret of at least thirty-two characters, for HS256',
    sessions: { store: openSessionStore({ dataDir }), ttlMs: 60_000, publicUrl: 'http://127.0.0.1' },
    codec: { codec, corsOrigins: [] },
    leave: { store: openLeaveStore({ dataDir }), yearStart: '01-01' },
    registrations: openRegistrationStore({ dataDir }),
    bulkActions: { store: openBulkActionStore({ dataDir }), ordersPerSecond: 25 },
    // Its sign-in pages are the table's; the provider's own endpoints are its (a mounted app).
    customerIdentity: {
      provider: { callback: () => () => undefined } as unknown as CustomerProvider,
      issuer: 'http://127.0.0.1/customer-identity',
    },
  });
  const router = (app as unknown as { router: { stack: Layer[] } }).router;
  const served = answered(router.stack).sort();
  const table = ROUTES.map((r) => `${r.method} ${expressPath(r.path)}`);

  it('answers every route of the table, and only those', () => {
    assert.ok(served.length > 30, String(served.length));
    assert.deepEqual(served, [...table, ...OUTSIDE_THE_CONTRACT].sort());
  });

  it('mounts every route of the table through mount(), each once', () => {
    assert.deepEqual([...MOUNTED_ROUTES].sort(), ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    assert.equal(new Set(served).size, served.length, 'no route mounted twice');
  });
});
