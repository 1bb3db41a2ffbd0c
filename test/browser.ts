// The real headless Chromium for page tests (Debian's /usr/bin/chromium through playwright-core,
// launched offline as src/report/pdf.ts does), with every console error, page error and request
// of a page recorded; requests that would leave `allowed` origins are aborted and recorded.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../src/report/pdf.ts';

export const NO_CHROMIUM = existsSync(CHROMIUM)
  ? false
  : `Chromium not installed at ${CHROMIUM} (npm run setup installs it)`;

export interface Watched {
  page: Page;
  errors: string[];
  /** Every URL the page asked for. */
  requests: string[];
  /** Requests to anywhere else than `allowed`: aborted, so nothing leaves the machine. */
  outside: string[];
}

let browser: Promise<Browser> | null = null;
export function launch(): Promise<Browser> {
  browser ??= chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
  });
  return browser;
}

export async function closeBrowser(): Promise<void> {
  if (browser) await (await browser).close();
  browser = null;
}

/** A new page; `allowed(url)` says which requests may go through (the page's own file or server). */
export async function newPage(
  allowed: (url: string) => boolean,
  opts: { colorScheme?: 'light' | 'dark' } = {},
): Promise<Watched> {
  const context = await (
    await launch()
  ).newContext({ colorScheme: opts.colorScheme ?? 'light', viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  // A loaded machine (CI, 2 shared cores) can take long to load a page of 0.6 MB of script.
  page.setDefaultTimeout(120_000);
  const w: Watched = { page, errors: [], requests: [], outside: [] };
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') w.errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => w.errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => w.requests.push(r.url()));
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (allowed(url)) return route.continue();
    w.outside.push(url);
    return route.abort();
  });
  return w;
}

/** Waits until every chart slot of the page has drawn (or failed); returns how each ended. */
export async function chartsSettled(
  page: Page,
): Promise<{ name: string; rendered: boolean; marks: number; error: string }[]> {
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll<HTMLElement>('.chart')].every(
        (c) => c.dataset.rendered || c.classList.contains('failed'),
      ),
    null,
    { timeout: 60_000 },
  );
  return page.$$eval('.chart', (cs) =>
    cs.map((c) => ({
      name: (c as HTMLElement).dataset.chart ?? c.id,
      rendered: (c as HTMLElement).dataset.rendered === 'true',
      marks: c.querySelectorAll('svg .mark-line path, svg .mark-symbol path').length,
      error: (c as HTMLElement).dataset.error ?? '',
    })),
  );
}

/**
 * Hovers a data point of a curve (a line chart's hover targets) and returns the tooltip's text, or
 * null when none shows. Retried: a live chart (the watch page) is redrawn as data comes in.
 */
export async function hoverCurve(page: Page, chart = '.chart'): Promise<string | null> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await page.mouse.move(0, 0);
      await page.locator(`${chart} .mark-symbol path`).first().hover({ force: true, timeout: 10_000 });
      await page.waitForSelector('#nnlab-tooltip:not([hidden])', { timeout: 5000 });
      return await page.$eval('#nnlab-tooltip', (t) => t.textContent);
    } catch {
      /* redrawn under the pointer, or no tooltip: try again */
    }
  }
  return null;
}
