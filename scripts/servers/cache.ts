/**
 * What the three servers' resolution shares: the cache under XDG_CACHE_HOME (or ~/.cache), keyed by
 * version, a `go install` into it, and how a resolved server is described.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type Resolution = 'env' | 'path' | 'cache' | 'built';

export interface ResolvedServer {
  name: string;
  path: string;
  how: Resolution;
  buildSeconds?: number;
}

export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'temporal-commerce');
}

export function log(message: string): void {
  process.stderr.write(`[servers] ${message}\n`);
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
  if (result.error) throw new Error(`${command} could not run: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed with exit code ${result.status}`);
  }
}

/**
 * Builds a Go command into the cache with `go install`, atomically (build to a temp dir, rename).
 * `tags` are Go build tags, for a command whose unused parts can be left out of its build.
 */
export function goInstall(
  name: string,
  module: string,
  version: string,
  binary: string,
  tags: readonly string[] = [],
): ResolvedServer {
  const target = path.join(cacheRoot(), `${name}-${version}`);
  const goBinary = onPath('go');
  if (!goBinary) {
    throw new Error(
      `${name} is not cached and Go is not installed to build it (go install ${module}@${version}).`,
    );
  }
  const started = Date.now();
  const staging = fs.mkdtempSync(path.join(cacheRoot(), `.${name}-`));
  const args = ['install', ...(tags.length > 0 ? ['-tags', tags.join(',')] : []), `${module}@${version}`];
  log(`building ${name} with Go: go ${args.join(' ')} (the first build takes minutes)`);
  run(goBinary, args, {
    ...process.env,
    GOBIN: staging,
    CGO_ENABLED: process.env.CGO_ENABLED ?? '0',
  });
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(staging, target);
  const buildSeconds = (Date.now() - started) / 1000;
  log(`built ${name} in ${buildSeconds.toFixed(1)} s`);
  return { name, path: path.join(target, binary), how: 'built', buildSeconds };
}

export function fromCache(name: string, version: string, binary: string): string | undefined {
  const candidate = path.join(cacheRoot(), `${name}-${version}`, binary);
  return isExecutable(candidate) ? candidate : undefined;
}

/**
 * The Temporal CLI: TEMPORAL_CLI_PATH → `temporal` on PATH → the cache → built with Go.
 * Returns undefined only when none of those is possible, so the caller can fall back to the
 * SDK's own download (which needs the internet).
 */

export function describe(server: ResolvedServer): string {
  const how = {
    env: 'from the environment',
    path: 'found on PATH',
    cache: 'from the cache',
    built: `built now in ${server.buildSeconds?.toFixed(1)} s`,
  }[server.how];
  return `${server.name}: ${server.path} (${how})`;
}
