// Takes the README's screenshots with the headless Chromium of the tests (test/browser.ts):
// docs/report-html.png (a report.html with a tooltip showing) and docs/nnlab-runs.png (the output
// of `nnlab runs` in a terminal-like page). Usage, with a stored quickstart run in $NNLAB_RUNS:
//   node --import tsx docs/screenshots.ts reports/quickstart/report.html
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { chartsSettled, closeBrowser, newPage } from '../test/browser.ts';

const docs = dirname(fileURLToPath(import.meta.url));
const report = pathToFileURL(resolve(process.argv[2])).href;

// The report: its first overlay chart with a tooltip, and the section around it.
{
  const w = await newPage((u) => u === report);
  await w.page.setViewportSize({ width: 1000, height: 760 });
  await w.page.goto(report);
  await chartsSettled(w.page);
  const chart = w.page.locator('.chart[data-chart^="group-"]').first();
  await chart.evaluate((el) => el.closest('p')!.previousElementSibling?.scrollIntoView());
  await w.page.evaluate(() => window.scrollBy(0, -20));
  const point = chart.locator('.mark-symbol path').nth(12);
  const box = (await point.boundingBox())!;
  await w.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await w.page.waitForSelector('#nnlab-tooltip:not([hidden])');
  await w.page.screenshot({ path: join(docs, 'report-html.png') });
}

// `nnlab runs`, as a terminal shows it.
{
  const cli = join(docs, '..', 'src', 'cli', 'main.ts');
  const args = ['runs', '--where', 'trial=search/*', '--sort', '-validation.accuracy'];
  const text = execFileSync(process.execPath, ['--import', 'tsx', cli, ...args], { encoding: 'utf8' });
  const html = `<!doctype html><meta charset="utf-8"><body style="margin:0;background:#1e1f22"><pre style="margin:0;padding:14px 16px;color:#e6e6e6;font:13px/1.45 'DejaVu Sans Mono',monospace;display:inline-block"><span style="color:#8ae234">$</span> npm exec --no -- nnlab ${args.map((a) => (a.includes('*') ? `'${a}'` : a)).join(' ')}\n${text.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</pre></body>`;
  const w = await newPage((u) => u.startsWith('data:') || u === 'about:blank');
  await w.page.setContent(html);
  await w.page.locator('pre').screenshot({ path: join(docs, 'nnlab-runs.png') });
}
await closeBrowser();
