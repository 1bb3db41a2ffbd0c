// Prints the report's HTML to PDF with headless Chromium driven by playwright-core: text stays
// text and charts stay vector (inline SVG). Chromium is Debian's /usr/bin/chromium (npm run setup).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WriteFix } from '../errors.ts';
import { writingFile } from '../writes.ts';

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

/** Chromium printed no PDF (its message, e.g. "Printing failed"): writeReport names the file and the likely cause. */
export class PrintFailed extends Error {
  constructor(readonly detail: string) {
    super(`Chromium could not print it (${detail})`);
    this.name = 'PrintFailed';
  }
}

/** Playwright's message without its call log: "page.pdf: Protocol error (Page.printToPDF): Printing failed" → from "Protocol". */
const firstLine = (err: unknown) =>
  (err instanceof Error ? err.message : String(err)).split('\n')[0].replace(/^[\w.]+: (?=[A-Z])/, '');

const PROFILE_FIX: WriteFix = {
  elsewhere: 'set TMPDIR to another folder, or skip the PDF (--no-pdf)',
  then: 'run nnlab report again; any previous report is kept as it was',
};

/**
 * This process's file size limit in bytes (ulimit -f), or null when there is none: a limit stops
 * Chromium's printing with only "Printing failed", so the message names it.
 */
export function fileSizeLimit(): number | null {
  try {
    const m = /^Max file size\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m && m[1] !== 'unlimited' ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The report's HTML printed to PDF: its bytes (the caller writes them, so a full disk is named as such). */
export async function printPdf(html: string, title: string): Promise<Buffer> {
  if (!existsSync(CHROMIUM)) throw new ChromiumMissing();
  const { chromium } = await import('playwright-core');
  const profile = writingFile(tmpdir(), PROFILE_FIX, () => mkdtempSync(join(tmpdir(), 'nnlab-chromium-')));
  try {
    let context: Awaited<ReturnType<typeof chromium.launchPersistentContext>>;
    try {
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        offline: true,
      });
    } catch (err) {
      throw new PrintFailed(firstLine(err));
    }
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.setContent(html, { waitUntil: 'load' });
      return await page.pdf({
        format: 'A4',
        printBackground: true,
        preferCSSPageSize: true,
        displayHeaderFooter: true,
        headerTemplate: '<span></span>',
        footerTemplate: `<div style="font-size:7pt;color:#777;width:100%;padding:0 14mm;display:flex;justify-content:space-between;font-family:sans-serif"><span>${title.replace(/[<&>"]/g, (c) => `&#${c.charCodeAt(0)};`)}</span><span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>`,
      });
    } catch (err) {
      throw new PrintFailed(firstLine(err));
    } finally {
      await context.close();
    }
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
