/**
 * Driving the back office in Debian's Chromium through Playwright's library (playwright-core: no
 * browser download), with axe-core's accessibility check and a screenshot of every page a test
 * looks at, written to test-output/screenshots/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { findChromium } from '../../scripts/chromium';

export const SCREENSHOTS = path.resolve(__dirname, '..', '..', 'test-output', 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath)
    throw new Error('chromium is not installed: run the tests with `npm test`, which installs it');
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

/**
 * A fresh browser profile (its own cookies): one person. The pages' Content-Security-Policies are
 * enforced as for a user (a policy that blocks the sign-in fails the tests); axe is evaluated
 * through the DevTools protocol, which a page's policy does not govern.
 */
export async function personIn(browser: Browser, viewport = DESKTOP): Promise<BrowserContext> {
  return browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'UTC' });
}

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact?: string;
  help: string;
  nodes: { target: unknown[] }[];
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  type WithAxe = {
    axe?: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> };
    document: unknown;
  };
  const loaded = await page.evaluate(() => (globalThis as unknown as WithAxe).axe !== undefined);
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    const w = globalThis as unknown as Required<WithAxe>;
    return w.axe.run(w.document, { resultTypes: ['violations'] });
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
}

/** Writes the page's screenshot and returns its path. */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

/** Signs a fresh page in at the identity provider's development login, by the person's name on its button. */
export async function signIn(context: BrowserContext, base: string, name: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.getByRole('button', { name: new RegExp(`^${name}`) }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return page;
}

/** Waits (at most 2 s) until the element `locator` finds holds the keyboard focus; fails with `why`. */
export async function assertFocused(locator: Locator, why: string): Promise<void> {
  await locator.waitFor();
  type WithDocument = { document: { activeElement: unknown } };
  for (let waited = 0; waited <= 2_000; waited += 50) {
    const focused = await locator.evaluate(
      (element) => (globalThis as unknown as WithDocument).document.activeElement === element,
    );
    if (focused) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`not focused: ${why}`);
}
