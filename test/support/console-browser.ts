import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, ensureChromium } from './chromium';
import { buildConsoleOnce } from './console-build';
import { PAGE_WAIT_MS } from './eventually';
import { noteOnFailure } from './failure-notes';
import { startListeningSystem, type ListeningSystem } from './listening-system';
import { screenshotDir } from './screenshots';

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface OpenTab {
  context: BrowserContext;
  page: Page;
  /** Every console error and page error so far, except those `expectErrors` allowed. */
  errors: string[];
  /** A console error the step provokes on purpose (a refused call the page shows), not to be counted. */
  expectErrors: (text: RegExp) => void;
}

/**
 * The console as `npm run build` builds it, served by the real stack (API listening on loopback, worker, SMTP
 * capture) started with `overrides`, and a headless Chromium to open it in.
 */
export async function startConsoleSystem(
  overrides: Record<string, string> = {},
): Promise<{ system: ListeningSystem; browser: Browser }> {
  const build = buildConsoleOnce();
  const executablePath = await ensureChromium((line) => process.stderr.write(`[chromium] ${line}\n`));
  await build;
  const system = await startListeningSystem(overrides);
  try {
    return { system, browser: await chromium.launch({ executablePath, args: CHROMIUM_ARGS }) };
  } catch (err) {
    await system.stop();
    throw err;
  }
}

/**
 * A new browser tab with its own sessionStorage, recording every console error and page error; `locale` sets the
 * browser's language and formats (the portal speaks the browser's language until it knows the customer's).
 */
export async function openTab(browser: Browser, width = 1280, locale?: string): Promise<OpenTab> {
  const context = await browser.newContext({
    viewport: { width, height: 900 },
    timezoneId: 'Europe/Amsterdam',
    acceptDownloads: true,
    locale,
  });
  // Playwright's default is 30 s. A full `npm test` runs three lanes beside the fault suite and the benches on two
  // cores, and there a page has been seen to take longer than that to show what it shows within a second alone: a wait
  // that gives up then fails a test for the machine's load, not for the page. What a test claims is unchanged.
  context.setDefaultTimeout(PAGE_WAIT_MS);
  const page = await context.newPage();
  const allowed: RegExp[] = [];
  const errors = recordErrors(page, allowed);
  // A test closes its tab's context, before its failure is reported.
  noteShown(page, errors, context);
  return { context, page, errors, expectErrors: (text) => allowed.push(text) };
}

/** The page's console errors and page errors, except those `allowed` matches, as they come. */
function recordErrors(page: Page, allowed: RegExp[] = []): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !allowed.some((a) => a.test(m.text()))) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/**
 * Should the test fail, its error says what `page` showed: as it was when `closing` (the page, or its context) was
 * closed, or as it is now.
 */
function noteShown(page: Page, errors: string[], closing: Page | BrowserContext): void {
  let closed: string | undefined;
  const close = closing.close.bind(closing) as (options?: { reason?: string }) => Promise<void>;
  closing.close = async (options?: { reason?: string }) => {
    if (closed === undefined) closed = await tabState(page, errors);
    await close(options);
  };
  noteOnFailure(async () => closed ?? (await tabState(page, errors)));
}

/**
 * A context a test made itself (not with openTab) waits as a tab does (PAGE_WAIT_MS), and each page opened in it
 * records its errors and says what it showed should the test fail: as it was closed, or as it is now.
 */
export function watchPages(context: BrowserContext): void {
  context.setDefaultTimeout(PAGE_WAIT_MS);
  context.on('page', (page) => noteShown(page, recordErrors(page), page));
}

/** TEXT_MAX characters of a tab's text, with its address and errors: what a failure says of it. */
const TEXT_MAX = 2_000;

async function tabState(page: Page, errors: string[]): Promise<string> {
  let text: string;
  try {
    text = page.isClosed()
      ? '(the page is closed)'
      : (await page.locator('body').innerText({ timeout: 2_000 })).replace(/\s+/g, ' ').trim();
  } catch (err) {
    text = `(unreadable: ${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
  if (text.length > TEXT_MAX) text = `${text.slice(0, TEXT_MAX)}…`;
  return [`a tab at ${page.url()}`, `  its errors: ${JSON.stringify(errors)}`, `  its text: ${text}`].join(
    '\n',
  );
}

/** axe-core in the page (evaluated, not injected as a script: the CSP allows no inline script); none serious. */
export async function checkAccessibility(page: Page, name: string): Promise<void> {
  await page.evaluate(AXE);
  const violations = (await page.evaluate(`axe.run().then((r) => r.violations.map((v) => ({
    id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target) })))`)) as {
    id: string;
    impact: string;
    targets: string[][];
  }[];
  expect({
    page: name,
    serious: violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
  }).toEqual({ page: name, serious: [] });
}

const SCREENSHOTS = screenshotDir();

/** The page at 1280 and 390 px wide, full length (docs/screenshots with `npm run console:screenshots`). */
export async function screenshots(page: Page, name: string): Promise<void> {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    // The navigation slides away below 48em (a 200 ms transition): the screenshot fast-forwards it to its end
    // instead of waiting it out.
    await page.screenshot({
      path: path.join(SCREENSHOTS, `${name}-${width}.png`),
      fullPage: true,
      animations: 'disabled',
    });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** Signs in on the console's sign-in page with an API token; resolves once the console left that page. */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/console/`);
  await page.waitForURL(/\/console\/sign-in$/);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.endsWith('/sign-in'));
}
