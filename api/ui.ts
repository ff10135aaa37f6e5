/**
 * Serves the back office (built by `npm run build` into dist/ui) at `/`, with a
 * Content-Security-Policy that lets the page load nothing but this server's own files.
 *
 * - `/` with a live session (or with no sign-in at all: bearer tokens only): the back office's
 *   page, revalidated on every load. Without a session: a small page that sends the browser to sign
 *   in and back to the page its address names, without downloading the back office first.
 * - `/assets/…`: files named by their content's hash, kept by the browser for a year (`immutable`),
 *   sent brotli- or gzip-compressed to a browser that takes it. No source map is served.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import { HttpError } from './errors';

/** dist/ui beside the compiled API (dist/api), or under the project when run from source. */
export const UI_DIR =
  path.basename(path.dirname(__dirname)) === 'dist'
    ? path.resolve(__dirname, '..', 'ui')
    : path.resolve(__dirname, '..', 'dist', 'ui');

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

const YEAR_SECONDS = 365 * 24 * 3600;

/** Where the build put an asset (`app.css` → `/assets/app-<hash>.css`), for the server's own pages. */
export function assetHref(name: string, dir = UI_DIR): string | undefined {
  try {
    const names = JSON.parse(fs.readFileSync(path.join(dir, 'assets.json'), 'utf8')) as Record<
      string,
      string
    >;
    return names[name];
  } catch {
    return undefined;
  }
}

/** The precompressed file a browser takes (brotli first), or the file itself. */
function compressed(req: Request, file: string): { file: string; encoding?: 'br' | 'gzip' } {
  // Asked one by one: with equal weights, `acceptsEncodings(list)` keeps the header's order, and
  // browsers send `gzip, deflate, br`; brotli is the smaller.
  if (req.acceptsEncodings('br') === 'br' && fs.existsSync(`${file}.br`)) {
    return { file: `${file}.br`, encoding: 'br' };
  }
  if (req.acceptsEncodings('gzip') === 'gzip' && fs.existsSync(`${file}.gz`)) {
    return { file: `${file}.gz`, encoding: 'gzip' };
  }
  return { file };
}

export interface UiOptions {
  dir?: string;
  /** Whether the request carries a live session; unset: no sign-in here (bearer tokens only). */
  signedIn?: (req: Request) => Promise<boolean>;
}

export function uiRouter({ dir = UI_DIR, signedIn }: UiOptions = {}): Router {
  const router = Router();
  const assets = path.join(dir, 'assets');

  router.get('/', async (req, res) => {
    res.set(SECURITY_HEADERS).set('cache-control', 'no-cache').set('vary', 'cookie');
    let live: boolean;
    try {
      live = signedIn ? await signedIn(req) : true;
    } catch {
      // The sessions cannot be read (the database away): a page in words, not JSON.
      res
        .status(503)
        .type('text/plain')
        .send('The back office cannot reach its database right now. Try again in a moment.');
      return;
    }
    const page = live ? 'index.html' : 'sign-in.html';
    const file = path.join(dir, page);
    if (!fs.existsSync(file)) {
      res
        .status(503)
        .type('text/plain')
        .send('The back office has not been built yet: run `npm run build` (npm start builds it for you).');
      return;
    }
    res.sendFile(file);
  });

  // The customer's account: its own page of the same build; sign-in is the page's own (PKCE).
  router.get('/account/', (_req, res) => {
    res.set(SECURITY_HEADERS).set('cache-control', 'no-cache');
    const file = path.join(dir, 'account.html');
    if (!fs.existsSync(file)) {
      res
        .status(503)
        .type('text/plain')
        .send('The shop’s pages have not been built yet: run `npm run build`.');
      return;
    }
    res.sendFile(file);
  });

  router.use('/assets', (req: Request, res: Response, next) => {
    res.set(SECURITY_HEADERS);
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const name = path.basename(req.path);
    // Only the build's own files: a name with a hash, no folders, never a source map or a
    // precompressed copy asked for by name.
    if (name !== req.path.slice(1) || !/^[\w-]+\.(js|css|svg)$/.test(name)) return next();
    const file = path.join(assets, name);
    if (!fs.existsSync(file)) return next();
    const chosen = compressed(req, file);
    res.set('cache-control', `public, max-age=${YEAR_SECONDS}, immutable`).set('vary', 'accept-encoding');
    if (chosen.encoding) res.set('content-encoding', chosen.encoding);
    res.type(path.extname(name)).sendFile(chosen.file, { cacheControl: false });
  });
  router.use('/assets', () => {
    throw new HttpError(404, 'not_found', 'there is nothing at this address');
  });
  return router;
}
