/**
 * Lighthouse 12 (Google's audit, run from npm with Debian's Chromium) on the pages a person meets
 * first, at phone size with its default mobile throttling: the sign-in (a visitor without a session
 * is sent from `/` to the identity provider's sign-in page) and a signed-in queue (support's).
 * Performance at least 95, accessibility and best practices 100. The reports are written to
 * test-output/lighthouse/ for whoever wants to read why.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { findChromium } from '../../scripts/chromium';
import { startBackOfficeStack, type BackOfficeStack } from '../helpers/back-office-stack';

const REPORTS = path.resolve(__dirname, '..', '..', 'test-output', 'lighthouse');
const GOALS = { performance: 0.95, accessibility: 1, 'best-practices': 1 } as const;

interface Category {
  score: number | null;
  auditRefs: { id: string; weight: number }[];
}
interface Audit {
  score: number | null;
  title: string;
  displayValue?: string;
}

describe('Lighthouse on the first pages a person meets', () => {
  let stack: BackOfficeStack;
  let chrome: { port: number; kill: () => void } | undefined;

  before(async () => {
    stack = await startBackOfficeStack({ name: 'lighthouse', identity: true });
    const launcher = await import('chrome-launcher');
    chrome = await launcher.launch({
      chromePath: findChromium(),
      chromeFlags: ['--headless=new', '--no-sandbox', '--disable-dev-shm-usage'],
    });
    fs.mkdirSync(REPORTS, { recursive: true });
  });

  after(async () => {
    chrome?.kill();
    await stack?.close();
  });

  /** The audit of `url` (with `cookie` when signed in): each category's score, and what fell short. */
  async function audit(name: string, url: string, signedIn = false) {
    const { default: lighthouse } = await import('lighthouse');
    const result = await lighthouse(url, {
      port: chrome!.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: Object.keys(GOALS),
      // Signed in: the session cookie the browser holds stays (Lighthouse clears storage otherwise).
      ...(signedIn ? { disableStorageReset: true } : {}),
    });
    assert.ok(result, `Lighthouse ran on ${url}`);
    fs.writeFileSync(path.join(REPORTS, `${name}.json`), result.report as string);
    const categories = result.lhr.categories as unknown as Record<string, Category>;
    const audits = result.lhr.audits as unknown as Record<string, Audit>;
    const short: string[] = [];
    for (const [id, goal] of Object.entries(GOALS)) {
      const score = categories[id]?.score ?? 0;
      if (score >= goal) continue;
      const failing = (categories[id]?.auditRefs ?? [])
        .filter((ref) => ref.weight > 0 && (audits[ref.id]?.score ?? 1) < 1)
        .map(
          (ref) =>
            `${ref.id} (${audits[ref.id]!.score}${audits[ref.id]!.displayValue ? `, ${audits[ref.id]!.displayValue}` : ''})`,
        );
      short.push(`${id} ${Math.round(score * 100)} < ${goal * 100}: ${failing.join(', ')}`);
    }
    return { final: result.lhr.finalDisplayedUrl, short };
  }

  it('the sign-in a visitor is sent to: performance ≥ 95, accessibility and best practices 100', async () => {
    const { final, short } = await audit('sign-in', `${stack.base}/`);
    assert.ok(final.startsWith(stack.identity!.issuer), `audited the provider's sign-in page: ${final}`);
    assert.deepEqual(short, []);
  });

  it("support's queue, signed in: performance ≥ 95, accessibility and best practices 100", async () => {
    // Sam signs in in the audited browser itself, as a person would.
    const cdp = await chromium.connectOverCDP(`http://127.0.0.1:${chrome!.port}`);
    const page = await cdp.contexts()[0]!.newPage();
    await page.goto(`${stack.base}/`);
    await page.getByRole('button', { name: /^Sam Sato/ }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.close();
    await cdp.close();
    const { final, short } = await audit('support-queue', `${stack.base}/#/support`, true);
    assert.equal(new URL(final).origin, stack.base);
    assert.deepEqual(short, []);
  });
});
