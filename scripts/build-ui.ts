/**
 * Builds the back office into dist/ui: one esbuild bundle of ui/src (React, TanStack Query, the
 * contract's types), its stylesheet and its page. Part of `npm run build`; `npm start` and the
 * browser tests run it too, so a fresh clone needs no separate step. Takes well under a second.
 */
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(__dirname, '..');

export async function buildUi(outDir = path.join(root, 'dist', 'ui')): Promise<{ bytes: number }> {
  const assets = path.join(outDir, 'assets');
  fs.mkdirSync(assets, { recursive: true });
  const result = await build({
    entryPoints: [path.join(root, 'ui', 'src', 'main.tsx')],
    outfile: path.join(assets, 'app.js'),
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    target: ['chrome120', 'firefox120', 'safari17'],
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
    logLevel: 'warning',
  });
  fs.copyFileSync(path.join(root, 'ui', 'styles.css'), path.join(assets, 'app.css'));
  fs.copyFileSync(path.join(root, 'ui', 'index.html'), path.join(outDir, 'index.html'));
  const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
  return { bytes };
}

if (require.main === module) {
  buildUi().then(
    ({ bytes }) =>
      console.log(`[build] back office dist/ui: ${(bytes / 1024).toFixed(0)} KiB (with source map)`),
    (err: unknown) => {
      console.error('[build] the back office failed to build:', err);
      process.exit(1);
    },
  );
}
