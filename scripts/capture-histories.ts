/**
 * `npm run histories:capture`: runs the checkout scenarios on the time-skipping server and stores
 * each run's history under test/histories/, which the replay suite replays in CI.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const result = spawnSync('npx', ['tsx', path.join(__dirname, 'test.ts'), 'test/workflows/'], {
  stdio: 'inherit',
  env: { ...process.env, CAPTURE_HISTORIES: '1' },
  cwd: path.resolve(__dirname, '..'),
});
process.exit(result.status ?? 1);
