/**
 * schemathesis, an outside property-based client for OpenAPI documents (a Python package from
 * PyPI): SCHEMATHESIS_PATH, else `schemathesis` on the PATH, else installed with pip into a
 * virtual environment in the cache, keyed by version (the first run takes about a minute).
 */
import fs from 'node:fs';
import path from 'node:path';
import { cacheRoot, isExecutable, log, onPath, run, type ResolvedServer } from './cache';

export const SCHEMATHESIS_VERSION = '4.32.5';

export function resolveSchemathesis(): ResolvedServer {
  const fromEnv = process.env.SCHEMATHESIS_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`SCHEMATHESIS_PATH=${fromEnv} is not an executable file`);
    return { name: 'schemathesis', path: fromEnv, how: 'env' };
  }
  const found = onPath('schemathesis');
  if (found) return { name: 'schemathesis', path: found, how: 'path' };
  const target = path.join(cacheRoot(), `schemathesis-${SCHEMATHESIS_VERSION}`);
  const binary = path.join(target, 'venv', 'bin', 'schemathesis');
  // Written only once pip has finished: a half-done install is done again.
  const installed = path.join(target, 'installed');
  if (fs.existsSync(installed) && isExecutable(binary)) {
    return { name: 'schemathesis', path: binary, how: 'cache' };
  }
  const python = onPath('python3');
  if (!python) throw new Error('schemathesis is not cached and python3 is not installed to install it');
  const started = Date.now();
  log(`installing schemathesis ${SCHEMATHESIS_VERSION} from PyPI into ${target}`);
  // The venv's scripts name their interpreter by absolute path: made where it will live.
  fs.rmSync(target, { recursive: true, force: true });
  run(python, ['-m', 'venv', path.join(target, 'venv')]);
  run(path.join(target, 'venv', 'bin', 'pip'), [
    'install',
    '--quiet',
    '--disable-pip-version-check',
    `schemathesis==${SCHEMATHESIS_VERSION}`,
  ]);
  if (!isExecutable(binary)) throw new Error(`pip installed schemathesis, but ${binary} is not there`);
  fs.writeFileSync(installed, `${SCHEMATHESIS_VERSION}\n`);
  return { name: 'schemathesis', path: binary, how: 'built', buildSeconds: (Date.now() - started) / 1000 };
}
