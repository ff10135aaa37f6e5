/**
 * How the back office reaches a browser: a visitor without a session gets a small page that sends
 * them to sign in (not the whole app); the app's files are named by their content, compressed, and
 * kept for a year; its page is revalidated on every load; no source map is served.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { SESSION_COOKIE } from '../../api/auth';
import { openOrderStore, openSessionStore } from '../../store';
import { buildUi } from '../../scripts/build-ui';
import { serveApi, type RunningApi } from '../helpers/api-server';

describe('the back office as delivered', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'delivery-'));
  const uiDir = path.join(dir, 'ui');
  const sessions = openSessionStore({ dataDir: dir });
  let api: RunningApi;
  let cookie: string;

  before(async () => {
    await buildUi(uiDir);
    api = await serveApi({
      client: {} as Client,
      store: openOrderStore({ dataDir: dir }),
      taskQueue: 'delivery',
      jwtSecret: 'a secret of at least thirty-two characters, for HS256',
      sessions: { store: sessions, ttlMs: 60_000, publicUrl: 'http://127.0.0.1' },
      uiDir,
    });
    const id = crypto.randomBytes(32).toString('base64url');
    await sessions.saveSession(crypto.createHash('sha256').update(id).digest('base64url'), {
      sub: 'sam',
      name: 'Sam Sato',
      roles: ['support'],
      csrfToken: 'csrf',
      expiresAt: Date.now() + 60_000,
    });
    cookie = `${SESSION_COOKIE}=${id}`;
  });

  after(async () => {
    await api?.close();
  });

  /** The asset a page names, by its kind (`app-….js`). */
  function named(html: string, pattern: RegExp): string {
    const found = pattern.exec(html);
    assert.ok(found, `the page names ${String(pattern)}`);
    return found[1]!;
  }

  it('a visitor without a session gets the sign-in page, which loads a few hundred bytes, not the app', async () => {
    const answer = await fetch(`${api.base}/`);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('cache-control'), 'no-cache');
    const html = await answer.text();
    assert.match(html, /Signing you in/);
    assert.doesNotMatch(html, /app-[\w-]+\.js/, 'the app is not loaded');
    const script = named(html, /src="(\/assets\/sign-in-[\w-]+\.js)"/);
    const body = await (await fetch(`${api.base}${script}`)).arrayBuffer();
    assert.ok(body.byteLength < 2_048, `the sign-in script is ${body.byteLength} bytes`);
  });

  it('a signed-in person gets the app, revalidated on every load, its files named by content and kept a year', async () => {
    const answer = await fetch(`${api.base}/`, { headers: { cookie } });
    assert.equal(answer.headers.get('cache-control'), 'no-cache');
    const html = await answer.text();
    const app = named(html, /src="(\/assets\/app-[\w-]+\.js)"/);
    const css = named(html, /href="(\/assets\/app-[\w-]+\.css)"/);
    const icon = named(html, /rel="icon" type="image\/svg\+xml" href="(\/assets\/favicon-[\w-]+\.svg)"/);
    for (const asset of [app, css, icon]) {
      const file = await fetch(`${api.base}${asset}`, { headers: { 'accept-encoding': 'identity' } });
      assert.equal(file.status, 200, asset);
      assert.equal(file.headers.get('cache-control'), 'public, max-age=31536000, immutable', asset);
    }
  });

  it('sends the app brotli- or gzip-compressed to a browser that takes it, and plain to one that does not', async () => {
    const html = await (await fetch(`${api.base}/`, { headers: { cookie } })).text();
    const app = named(html, /src="(\/assets\/app-[\w-]+\.js)"/);
    const plain = Buffer.from(
      await (await fetch(`${api.base}${app}`, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer(),
    );
    // fetch (undici) decodes what it is sent; node:http shows the bytes on the wire.
    const raw = async (encoding: string) => {
      const http = await import('node:http');
      return new Promise<{ encoding?: string; body: Buffer }>((resolve, reject) => {
        http
          .get(`${api.base}${app}`, { headers: { 'accept-encoding': encoding } }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }),
            );
          })
          .on('error', reject);
      });
    };
    const br = await raw('br, gzip');
    assert.equal(br.encoding, 'br');
    assert.ok(br.body.length < plain.length / 3, `brotli: ${br.body.length} of ${plain.length} bytes`);
    assert.deepEqual(zlib.brotliDecompressSync(br.body), plain);
    const gz = await raw('gzip');
    assert.equal(gz.encoding, 'gzip');
    assert.deepEqual(zlib.gunzipSync(gz.body), plain);
    const none = await raw('identity');
    assert.equal(none.encoding, undefined);
    assert.deepEqual(none.body, plain);
  });

  it('serves no source map, no precompressed copy by name and nothing outside the build', async () => {
    const html = await (await fetch(`${api.base}/`, { headers: { cookie } })).text();
    const app = named(html, /src="(\/assets\/app-[\w-]+\.js)"/);
    const js = await (await fetch(`${api.base}${app}`)).text();
    assert.doesNotMatch(js, /sourceMappingURL/, 'the bundle names no map');
    for (const path of [
      `${app}.map`,
      `${app}.br`,
      `${app}.gz`,
      '/assets/sub%2Fapp.js',
      '/assets/x/index.html',
      '/assets/app.js',
    ]) {
      const answer = await fetch(`${api.base}${path}`);
      assert.equal(answer.status, 404, path);
      assert.equal(((await answer.json()) as { error: { code: string } }).error.code, 'not_found');
    }
  });
});
