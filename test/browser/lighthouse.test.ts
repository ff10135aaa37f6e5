/**
 * Lighthouse 12 (Google's audit, run from npm with Debian's Chromium) on the pages a person meets
 * first, at phone size with its default mobile throttling: the sign-in (a visitor without a session
 * is sent from `/` to the identity provider's sign-in page) and a signed-in queue (support's).
 * Performance at least 95, accessibility and best practices 100. The reports are written to
 * test-output/lighthouse/ for whoever wants to read why.
 *
 * Performance is a timing: its blocking time moves with whatever else the machine runs (here the
 * whole stack shares two cores with the browser), one run read 94 and the next 99 on the same
 * build. So each page is audited three times and its median run is the one judged, as Lighthouse's
 * own guide to variability advises; accessibility and best practices must hold in every run.
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

  /** One Lighthouse run on `url`, its report written as `name`. */
  async function run(name: string, url: string, signedIn: boolean) {
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
    return result;
  }

  /**
   * The audit of `url` (signed in: with the browser's session): what fell short in any run's
   * accessibility or best practices, or in the median run's performance.
   */
  async function audit(name: string, url: string, signedIn = false) {
    const runs: Awaited<ReturnType<typeof run>>[] = [];
    for (const n of [1, 2, 3]) runs.push(await run(`${name}-${n}`, url, signedIn));
    const performance = (r: (typeof runs)[number]) => r.lhr.categories.performance?.score ?? 0;
    const median = [...runs].sort((a, b) => performance(a) - performance(b))[1]!;
    fs.copyFileSync(
      path.join(REPORTS, `${name}-${runs.indexOf(median) + 1}.json`),
      path.join(REPORTS, `${name}.json`),
    );
    const short = runs.flatMap((r) => shortOf(r.lhr, r === median ? GOALS : { ...GOALS, performance: 0 }));
    return { final: median.lhr.finalDisplayedUrl, short: [...new Set(short)] };
  }

  /** Each category of `lhr` below its goal, with the audits that cost it points. */
  function shortOf(lhr: { categories: unknown; audits: unknown }, goals: Record<string, number>): string[] {
    const categories = lhr.categories as Record<string, Category>;
    const audits = lhr.audits as Record<string, Audit>;
    const short: string[] = [];
    for (const [id, goal] of Object.entries(goals)) {
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
    return short;
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
