// Prints the report's HTML to PDF with headless Chromium driven by playwright-core: text stays
// text and charts stay vector (inline SVG). Chromium is Debian's /usr/bin/chromium (npm run setup).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.NNLAB_CHROMIUM ?? '/usr/bin/chromium';
/** Headless, no GPU, nothing fetched in the background: how nnlab (and its browser tests) start Chromium. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

export class ChromiumMissing extends Error {
  constructor() {
    super(
      `Chromium is not installed at ${CHROMIUM}, so report.pdf was not printed; install it with \`npm run setup\` (Debian: apt-get install chromium)`,
    );
    this.name = 'ChromiumMissing';
  }
}

export async function printPdf(html: string, out: string, title: string): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new ChromiumMissing();
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'nnlab-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      offline: true,
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.setContent(html, { waitUntil: 'load' });
      await page.pdf({
        path: out,
        format: 'A4',
        printBackground: true,
        preferCSSPageSize: true,
        displayHeaderFooter: true,
        headerTemplate: '<span></span>',
        footerTemplate: `<div style="font-size:7pt;color:#777;width:100%;padding:0 14mm;display:flex;justify-content:space-between;font-family:sans-serif"><span>${title.replace(/[<&>"]/g, (c) => `&#${c.charCodeAt(0)};`)}</span><span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>`,
      });
    } finally {
      await context.close();
    }
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
