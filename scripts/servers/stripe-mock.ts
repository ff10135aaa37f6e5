/**
 * stripe-mock, Stripe's own API simulator: STRIPE_MOCK_PATH, else built with `go install` into the
 * cache; and the fixtures that make it answer a good card's PaymentIntent as `succeeded`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheRoot, fromCache, goInstall, isExecutable, onPath, type ResolvedServer } from './cache';

export const STRIPE_MOCK_VERSION = 'v0.203.0';

export function resolveStripeMock(): ResolvedServer {
  fs.mkdirSync(cacheRoot(), { recursive: true });
  const fromEnv = process.env.STRIPE_MOCK_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`STRIPE_MOCK_PATH=${fromEnv} is not an executable file`);
    return { name: 'stripe-mock', path: fromEnv, how: 'env' };
  }
  const found = onPath('stripe-mock');
  if (found) return { name: 'stripe-mock', path: found, how: 'path' };
  const cached = fromCache('stripe-mock', STRIPE_MOCK_VERSION, 'stripe-mock');
  if (cached) return { name: 'stripe-mock', path: cached, how: 'cache' };
  return goInstall('stripe-mock', 'github.com/stripe/stripe-mock', STRIPE_MOCK_VERSION, 'stripe-mock');
}

/**
 * Records a class-data-sharing archive of one test-server start, so later JVM starts load their
 * classes from it: on two busy cores this takes the start from ~3-5 s to well under the SDK's 5 s.
 */

export function stripeMockSucceededFixtures(): string {
  const target = path.join(
    cacheRoot(),
    `stripe-mock-${STRIPE_MOCK_VERSION}`,
    'fixtures-payment-succeeded.json',
  );
  if (fs.existsSync(target)) return target;
  const goBinary = onPath('go');
  if (!goBinary) throw new Error("stripe-mock's fixtures need Go to fetch the stripe-mock module");
  const result = spawnSync(
    goBinary,
    ['mod', 'download', '-json', `github.com/stripe/stripe-mock@${STRIPE_MOCK_VERSION}`],
    {
      encoding: 'utf8',
      cwd: os.tmpdir(),
      env: { ...process.env, GOFLAGS: '-mod=mod' },
    },
  );
  if (result.status !== 0) throw new Error(`go mod download stripe-mock failed: ${result.stderr}`);
  const moduleDir = (JSON.parse(result.stdout) as { Dir: string }).Dir;
  const fixtures = JSON.parse(
    fs.readFileSync(path.join(moduleDir, 'embedded', 'openapi', 'fixtures3.json'), 'utf8'),
  ) as { resources: Record<string, Record<string, unknown>> };
  const intent = fixtures.resources.payment_intent;
  if (!intent) throw new Error("stripe-mock's fixtures have no payment_intent");
  intent.status = 'succeeded';
  intent.last_payment_error = null;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const staging = `${target}.${process.pid}`;
  fs.writeFileSync(staging, JSON.stringify(fixtures));
  fs.renameSync(staging, target);
  return target;
}
