/** stripe-mock, Stripe's own API simulator, started on a free loopback port for a test file. */
import { spawn } from 'node:child_process';
import { freePort } from './net';
import { resolveStripeMock, stripeMockSucceededFixtures } from './servers';

export { freePort };

export interface RunningStripeMock {
  url: string;
  stop(): Promise<void>;
}

/**
 * `payments: 'succeed'` loads stripe-mock's own fixtures with a succeeded PaymentIntent (what Stripe
 * answers for a good card); `'bundled'` keeps its bundled fixtures (`requires_payment_method`).
 */
export async function startStripeMock(
  payments: 'succeed' | 'bundled' = 'succeed',
): Promise<RunningStripeMock> {
  const binary = process.env.STRIPE_MOCK_PATH ?? resolveStripeMock().path;
  const [port, tlsPort] = [await freePort(), await freePort()];
  // Both listeners get a free port: left alone, HTTPS takes 12112 and a second instance fails.
  const args = ['-http-addr', `127.0.0.1:${port}`, '-https-addr', `127.0.0.1:${tlsPort}`];
  if (payments === 'succeed')
    args.push('-fixtures', process.env.STRIPE_MOCK_FIXTURES ?? stripeMockSucceededFixtures());
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`stripe-mock exited: ${output}`);
    const up = await fetch(`${url}/v1/charges`, { headers: { Authorization: 'Bearer sk_test_123' } }).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (i > 100) throw new Error(`stripe-mock did not answer on ${url}: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}
