/**
 * promtool, Prometheus' own checker, for the alert rules in monitoring/ (`promtool check rules`,
 * `promtool test rules`): PROMTOOL_PATH, else `promtool` on PATH, else the cache, else built with
 * `go install` from the Go module proxy into the cache (minutes the first time; Prometheus' Go
 * module versions are v0.<3xx>, one per release).
 *
 * Built without Prometheus' service-discovery plugins (its `remove_all_sd` tag: the Kubernetes,
 * AWS, Azure, GCE... clients), which checking and testing rules never use; DNS discovery stays,
 * as monitoring/prometheus.yml (docker-compose's Prometheus) uses it and `promtool check config`
 * reads it. That halves the first build on a fresh machine.
 */
import fs from 'node:fs';
import { cacheRoot, fromCache, goInstall, isExecutable, onPath, type ResolvedServer } from './cache';

export const PROMTOOL_VERSION = 'v0.316.0';
const PROMTOOL_MODULE = 'github.com/prometheus/prometheus/cmd/promtool';
const PROMTOOL_TAGS = ['remove_all_sd', 'enable_dns_sd'];

export function resolvePromtool(): ResolvedServer {
  fs.mkdirSync(cacheRoot(), { recursive: true });
  const fromEnv = process.env.PROMTOOL_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`PROMTOOL_PATH=${fromEnv} is not an executable file`);
    return { name: 'promtool', path: fromEnv, how: 'env' };
  }
  const found = onPath('promtool');
  if (found) return { name: 'promtool', path: found, how: 'path' };
  const cached = fromCache('promtool', PROMTOOL_VERSION, 'promtool');
  if (cached) return { name: 'promtool', path: cached, how: 'cache' };
  return goInstall('promtool', PROMTOOL_MODULE, PROMTOOL_VERSION, 'promtool', PROMTOOL_TAGS);
}
