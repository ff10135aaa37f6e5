/**
 * `npm run replay -- <workflowId> [runId]`: fetches one workflow's history from the configured
 * Temporal server (TEMPORAL_ADDRESS, or the local dev server on TEMPORAL_PORT) and replays it
 * against the workflow code in this checkout, so a change can be tried on a real order or leave
 * request before it is deployed. Exit 0: the code would carry the workflow on. Exit 1: it would
 * not (a determinism break), said in plain words. Exit 2: the history could not be fetched.
 */
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { dataConverterFor } from '../infrastructure/encryption';
import { loadConfig } from '../config/settings';
import { connectionOptions } from '../infrastructure/connection';
import { workflowCode } from '../infrastructure/workflow-code';

/** Replays one history against workflow code and says, in words, whether that code would carry it on. */
export async function replayVerdict(
  history: Parameters<typeof Worker.runReplayHistory>[1],
  workflowId: string,
  options: Parameters<typeof Worker.runReplayHistory>[0],
): Promise<{ carriesOn: boolean; words: string }> {
  try {
    await Worker.runReplayHistory(options, history, workflowId);
    return { carriesOn: true, words: 'replays cleanly; the current code would carry it on' };
  } catch (err) {
    // The replayer throws @temporalio/workflow's DeterminismViolationError; matched by name so this
    // script need not load the workflow runtime.
    if (!(err instanceof Error) || err.name !== 'DeterminismViolationError') throw err;
    return {
      carriesOn: false,
      words:
        'the current code would NOT carry this workflow on. Replaying its history, the code asked for ' +
        `different steps than the ones recorded:\n  ${err.message}\n` +
        'Guard the change with patched() so running workflows keep the old path (docs/architecture.md: Versioning).',
    };
  }
}

async function main(): Promise<number> {
  const [workflowId, runId] = process.argv.slice(2);
  if (!workflowId) {
    console.error(
      'usage: npm run replay -- <workflowId> [runId]   (for example order-o-1 or leave-<requestId>)',
    );
    return 2;
  }
  const config = loadConfig();
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const connection = await Connection.connect(connectionOptions(config.temporal));
  try {
    const dataConverter = dataConverterFor(config.encryptionKeys);
    const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter });
    let history;
    try {
      history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    } catch (err) {
      // fetchHistory passes the server's gRPC NOT_FOUND (5) through as it is.
      if (err instanceof WorkflowNotFoundError || (err as { code?: unknown }).code === 5) {
        console.error(
          `[replay] no workflow ${workflowId}${runId ? ` run ${runId}` : ''} on ${connectionOptions(config.temporal).address}`,
        );
        return 2;
      }
      throw err;
    }
    const code = workflowCode();
    console.log(
      `[replay] ${workflowId}: ${history.events?.length ?? 0} events, replayed against ${code.description}`,
    );
    const verdict = await replayVerdict(history, workflowId, { ...code.options, dataConverter });
    if (verdict.carriesOn) console.log(`[replay] ${workflowId}: ${verdict.words}`);
    else console.error(`[replay] ${workflowId}: ${verdict.words}`);
    return verdict.carriesOn ? 0 : 1;
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error('[replay] failed:', err);
      process.exit(2);
    },
  );
}
