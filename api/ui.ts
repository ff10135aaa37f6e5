/**
 * Serves the back office (built by `npm run build` into dist/ui) at `/`: its page and its assets,
 * with a Content-Security-Policy that lets the page load nothing but this server's own files.
 */
import fs from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';

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

export function uiRouter(dir = UI_DIR): Router {
  const router = Router();
  const page = path.join(dir, 'index.html');
  router.get('/', (_req, res) => {
    res.set(SECURITY_HEADERS);
    if (!fs.existsSync(page)) {
      res
        .status(503)
        .type('text/plain')
        .send('The back office has not been built yet: run `npm run build` (npm start builds it for you).');
      return;
    }
    res.set('cache-control', 'no-cache').sendFile(page);
  });
  router.use(
    '/assets',
    (_req, res, next) => {
      res.set(SECURITY_HEADERS);
      next();
    },
    express.static(path.join(dir, 'assets'), { fallthrough: false, index: false }),
  );
  return router;
}
