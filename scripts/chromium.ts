/**
 * The browser the back office's tests drive: Debian's `chromium` package, installed from the test
 * script when missing (as RabbitMQ and PostgreSQL are), because a test framework's own browser
 * download cannot reach the internet here. CHROMIUM_PATH names another executable.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/** The real binary first: /usr/bin/chromium is a shell wrapper around it. */
const CANDIDATES = ['/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function findChromium(): string | undefined {
  const named = process.env.CHROMIUM_PATH;
  if (named) return fs.existsSync(named) ? named : undefined;
  return CANDIDATES.find((candidate) => fs.existsSync(candidate));
}

/** Chromium's executable, installing Debian's package when it is missing and the machine allows it. */
export function ensureChromium(log: (line: string) => void = (l) => console.log(`[test] ${l}`)): string {
  const found = findChromium();
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !fs.existsSync('/usr/bin/apt-get')) {
    throw new Error('chromium is not installed: run `sudo apt-get install chromium`, or set CHROMIUM_PATH');
  }
  log('chromium is missing; installing it from Debian (apt-get install chromium)');
  const started = Date.now();
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync(
      'apt-get',
      ['install', '-y', '-q', '--no-install-recommends', 'chromium', 'fonts-dejavu-core'],
      {
        stdio: 'inherit',
        env,
      },
    );
  let result = install();
  if (result.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
    result = install();
  }
  const installed = findChromium();
  if (result.status !== 0 || !installed) throw new Error('apt-get could not install chromium');
  log(`chromium installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return installed;
}
