/**
 * Builds the back office into dist/ui: one esbuild bundle of ui/src (React, TanStack Query, the
 * contract's types), the tiny script the sign-in page runs, the stylesheet, the icon and the two
 * pages. Part of `npm run build`; `npm start` and the browser tests run it too, so a fresh clone
 * needs no separate step. Takes well under a second.
 *
 * Every asset is named by its content's hash (`app-3F2K….js`), so a browser may keep it for a year
 * and a new build is new names; the pages (`index.html`, `sign-in.html`) name them and are
 * revalidated on every load. Scripts, styles and the icon are written compressed beside themselves
 * (`.br`, `.gz`) for the server to send to a browser that takes them. Source maps go to
 * dist/ui-source-maps, which the server never serves: an engineer reads them from the build.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { build } from 'esbuild';

const root = path.resolve(__dirname, '..');

/** `name-<hash>.ext`: the hash of the content, so the name changes when the content does. */
function hashedName(name: string, content: Buffer): string {
  const hash = crypto.createHash('sha256').update(content).digest('base64url').slice(0, 12);
  const ext = path.extname(name);
  return `${path.basename(name, ext)}-${hash}${ext}`;
}

function compressBeside(file: string): void {
  const content = fs.readFileSync(file);
  fs.writeFileSync(
    `${file}.br`,
    zlib.brotliCompressSync(content, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }),
  );
  fs.writeFileSync(`${file}.gz`, zlib.gzipSync(content, { level: 9 }));
}

export async function buildUi(outDir = path.join(root, 'dist', 'ui')): Promise<{ bytes: number }> {
  const assets = path.join(outDir, 'assets');
  const maps = path.join(path.dirname(outDir), 'ui-source-maps');
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.rmSync(maps, { recursive: true, force: true });
  fs.mkdirSync(assets, { recursive: true });
  fs.mkdirSync(maps, { recursive: true });
  const result = await build({
    entryPoints: {
      app: path.join(root, 'ui', 'src', 'main.tsx'),
      'sign-in': path.join(root, 'ui', 'src', 'sign-in-redirect.ts'),
      account: path.join(root, 'ui', 'src', 'account', 'main.tsx'),
    },
    outdir: assets,
    absWorkingDir: root,
    entryNames: '[name]-[hash]',
    // The back office and the account pages share React and the rest: one chunk, loaded once.
    splitting: true,
    chunkNames: 'shared-[hash]',
    bundle: true,
    minify: true,
    sourcemap: 'external',
    format: 'esm',
    target: ['chrome120', 'firefox120', 'safari17'],
    jsx: 'automatic',
    // React's API on Preact's runtime: the pages are written against React's types and hooks, and
    // the browser runs preact/compat (about a tenth of react-dom's code to evaluate at each load,
    // which on a phone was most of the back office's blocking time).
    alias: {
      react: 'preact/compat',
      'react-dom': 'preact/compat',
      'react/jsx-runtime': 'preact/jsx-runtime',
    },
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
    logLevel: 'warning',
  });

  /** What the pages name: `app.js` → `/assets/app-<hash>.js`. */
  const names: Record<string, string> = {};
  for (const [output, meta] of Object.entries(result.metafile.outputs)) {
    const file = path.resolve(root, output);
    if (file.endsWith('.map')) {
      fs.renameSync(file, path.join(maps, path.basename(file)));
      continue;
    }
    if (!meta.entryPoint) continue; // a shared chunk: the entries import it by its name
    const entry = meta.entryPoint.endsWith('account/main.tsx')
      ? 'account.js'
      : meta.entryPoint.endsWith('main.tsx')
        ? 'app.js'
        : 'sign-in.js';
    names[entry] = `/assets/${path.basename(file)}`;
  }
  for (const source of ['styles.css', 'favicon.svg']) {
    const content = fs.readFileSync(path.join(root, 'ui', source));
    const name = hashedName(source === 'styles.css' ? 'app.css' : source, content);
    fs.writeFileSync(path.join(assets, name), content);
    names[source === 'styles.css' ? 'app.css' : source] = `/assets/${name}`;
  }
  for (const file of fs.readdirSync(assets)) compressBeside(path.join(assets, file));

  // The server's own pages (sign-in's errors) name the stylesheet from here.
  fs.writeFileSync(path.join(outDir, 'assets.json'), `${JSON.stringify(names, null, 2)}\n`);
  for (const page of ['index.html', 'sign-in.html', 'account.html']) {
    const template = fs.readFileSync(path.join(root, 'ui', page), 'utf8');
    const written = template.replace(/\{\{([\w.-]+)\}\}/g, (_, name: string) => {
      const found = names[name];
      if (!found) throw new Error(`${page} names ${name}, which the build did not make`);
      return found;
    });
    fs.writeFileSync(path.join(outDir, page), written);
  }
  const bytes = fs
    .readdirSync(assets)
    .filter((file) => !/\.(br|gz)$/.test(file))
    .reduce((sum, file) => sum + fs.statSync(path.join(assets, file)).size, 0);
  return { bytes };
}

if (require.main === module) {
  buildUi().then(
    ({ bytes }) =>
      console.log(`[build] back office dist/ui: ${(bytes / 1024).toFixed(0)} KiB (source maps apart)`),
    (err: unknown) => {
      console.error('[build] the back office failed to build:', err);
      process.exit(1);
    },
  );
}
