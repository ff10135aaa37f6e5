/**
 * The second half of `npm run build`: bundles the workflow code once, so a production worker
 * starts without webpack, and prints the bundle's size.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../infrastructure/workflow-code';

export async function buildWorkflowBundle(outFile: string): Promise<number> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: new DefaultLogger('WARN'),
  });
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, code);
  return Buffer.byteLength(code);
}

if (require.main === module) {
  const outFile = path.resolve(__dirname, '..', 'dist', 'workflow-bundle.js');
  buildWorkflowBundle(outFile).then(
    (bytes) =>
      console.log(
        `[build] workflow bundle ${path.relative(process.cwd(), outFile)}: ${(bytes / 1024).toFixed(0)} KiB`,
      ),
    (err: unknown) => {
      console.error('[build] the workflow bundle failed:', err);
      process.exit(1);
    },
  );
}
