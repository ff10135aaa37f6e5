/**
 * Resolves the three local servers this project runs against, without the internet:
 *
 *  - the Temporal dev server (Temporal CLI, `temporal server start-dev`);
 *  - Temporal's Java time-skipping test server, behind a launcher the SDK runs as an
 *    `existing-path` executable;
 *  - stripe-mock, Stripe's own API simulator;
 *  - Zipkin's server, the trace viewer (its exec jar from Maven Central);
 *  - promtool, Prometheus' checker for the alert rules in monitoring/, built from its Go module;
 *  - for the production shape (scripts/production/): Temporal's server, its temporal-sql-tool and
 *    its Web UI server, built from their Go modules.
 *
 * Each is looked up in a fixed order and whatever is built is cached under the user's cache
 * directory (XDG_CACHE_HOME or ~/.cache), keyed by version, so only the first run pays for it.
 *
 * One module per tool under scripts/servers/; run directly (`npm run servers`) this resolves all
 * three and prints what it found.
 */
import { describe, log } from './servers/cache';
import { resolvePromtool } from './servers/promtool';
import { resolveSchemathesis } from './servers/schemathesis';
import { resolveStripeMock } from './servers/stripe-mock';
import { resolveTemporalCli } from './servers/temporal-cli';
import { resolveTestServer } from './servers/test-server';
import { resolveProductionTool, type ProductionTool } from './servers/temporal-server';
import { resolveZipkin } from './servers/zipkin';

export { cacheRoot, describe, type Resolution, type ResolvedServer } from './servers/cache';
export { PROMTOOL_VERSION, resolvePromtool } from './servers/promtool';
export { resolveSchemathesis, SCHEMATHESIS_VERSION } from './servers/schemathesis';
export { stripeMockSucceededFixtures, resolveStripeMock, STRIPE_MOCK_VERSION } from './servers/stripe-mock';
export { devServerArgs, resolveTemporalCli, TEMPORAL_CLI_VERSION } from './servers/temporal-cli';
export { resolveTestServer, TEST_SERVER_VERSION } from './servers/test-server';
export { resolveZipkin, startZipkin, zipkinCommand, ZIPKIN_VERSION } from './servers/zipkin';
export {
  resolveProductionServers,
  resolveProductionTool,
  TEMPORAL_SERVER_VERSION,
  TEMPORAL_UI_VERSION,
} from './servers/temporal-server';

async function main(): Promise<void> {
  const cli = resolveTemporalCli();
  log(cli ? describe(cli) : "temporal-cli: not resolvable here; the SDK's own download would be used");
  log(describe(resolveStripeMock()));
  log(describe(await resolveTestServer()));
  // The trace viewer npm start runs and the tracing tests read (Zipkin's exec jar, from Maven).
  const zipkin = resolveZipkin();
  log(zipkin ? describe(zipkin) : 'zipkin: not resolvable here (no Java or Maven)');
  // The outside client the contract's conformance test runs (a Python package from PyPI).
  log(describe(resolveSchemathesis()));
  // The alert rules' checker and unit-test runner (test/monitoring/), built from its Go module.
  log(describe(resolvePromtool()));
  // The production shape's (npm run start:production): Temporal's server, its SQL tool, its UI.
  for (const tool of ['server', 'sqlTool', 'ui'] as ProductionTool[]) {
    const found = resolveProductionTool(tool);
    log(found ? describe(found) : `${tool}: not resolvable here (no Go to build it)`);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    log(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}

/**
 * stripe-mock answers every PaymentIntent with the status of its bundled fixture
 * (`requires_payment_method`). A checkout needs the answer Stripe gives a good card, so this
 * writes stripe-mock's own fixtures with the PaymentIntent's status set to `succeeded`, for
 * `stripe-mock -fixtures <file>`. The bundled fixtures come from the stripe-mock module itself.
 */
