/**
 * Temporal's production server, its SQL schema tool and its Web UI server, for the
 * production-shaped stack (scripts/production.ts): each TEMPORAL_*_PATH, else the cache, else
 * built with `go install` from the Go module proxy at the versions docker-compose.yml pins
 * (temporalio/server:1.29, temporalio/ui:2.42.1). The schema comes from the server module itself:
 * the SQL tool embeds it (`--schema-name postgresql/v12/temporal`); nothing is downloaded else.
 */
import fs from 'node:fs';
import { cacheRoot, fromCache, goInstall, isExecutable, onPath, type ResolvedServer } from './cache';

/** go.temporal.io/server: the release behind docker-compose.yml's `temporalio/server:1.29`. */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
/** github.com/temporalio/ui-server/v2: docker-compose.yml's `temporalio/ui:2.42.1`. */
export const TEMPORAL_UI_VERSION = 'v2.42.1';

interface Tool {
  name: string;
  env: string;
  module: string;
  version: string;
  binary: string;
}

const TOOLS = {
  server: {
    name: 'temporal-server',
    env: 'TEMPORAL_SERVER_PATH',
    module: 'go.temporal.io/server/cmd/server',
    version: TEMPORAL_SERVER_VERSION,
    binary: 'server',
  },
  sqlTool: {
    name: 'temporal-sql-tool',
    env: 'TEMPORAL_SQL_TOOL_PATH',
    module: 'go.temporal.io/server/cmd/tools/sql',
    version: TEMPORAL_SERVER_VERSION,
    binary: 'sql',
  },
  ui: {
    name: 'temporal-ui-server',
    env: 'TEMPORAL_UI_SERVER_PATH',
    module: 'github.com/temporalio/ui-server/v2/cmd/server',
    version: TEMPORAL_UI_VERSION,
    binary: 'server',
  },
} satisfies Record<string, Tool>;

export type ProductionTool = keyof typeof TOOLS;

/** One of the three: from its variable, the cache, or built now (undefined: no Go to build it). */
export function resolveProductionTool(which: ProductionTool): ResolvedServer | undefined {
  const tool: Tool = TOOLS[which];
  fs.mkdirSync(cacheRoot(), { recursive: true });
  const fromEnv = process.env[tool.env];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`${tool.env}=${fromEnv} is not an executable file`);
    return { name: tool.name, path: fromEnv, how: 'env' };
  }
  const cached = fromCache(tool.name, tool.version, tool.binary);
  if (cached) return { name: tool.name, path: cached, how: 'cache' };
  if (!onPath('go')) return undefined;
  return goInstall(tool.name, tool.module, tool.version, tool.binary);
}

/** All three, or an error naming what is missing. */
export function resolveProductionServers(): Record<ProductionTool, ResolvedServer> {
  const resolved = {} as Record<ProductionTool, ResolvedServer>;
  for (const which of Object.keys(TOOLS) as ProductionTool[]) {
    const found = resolveProductionTool(which);
    if (!found) throw new Error(`${TOOLS[which].name} is not cached and Go is not installed to build it`);
    resolved[which] = found;
  }
  return resolved;
}
