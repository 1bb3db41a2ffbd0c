// The charts as files to hand in: each chart's SVG (the same bytes as assets/NAME.svg) printed by
// headless Chromium to a one-page vector PDF of the chart's size (for report.tex), and screenshot to
// a PNG of about 300 dpi at the size report.tex prints it (for Word, Google Docs, slides).
// Chromium, not vega-cli: vg2pdf and vg2png need node-canvas, which builds from source here and
// measures text unlike the SVGs; Chromium is already what prints report.pdf (pdf.ts).
import { existsSync } from 'node:fs';
import { CHROMIUM, CHROMIUM_ARGS } from './pdf.ts';
import { chunk } from './weights.ts';

/** Print resolution of the PNG figures, in dots per inch. */
export const PNG_DPI = 300;

export interface ChartFile {
  name: string;
  svg: string;
}

export interface FigureSize {
  /** CSS pixels of the SVG (1/96 in). */
  width: number;
  height: number;
  /** Printed width in cm (report.tex's \includegraphics width). */
  printedCm: number;
  /** Pixels of the PNG, when one was made. */
  png?: { width: number; height: number };
}

/** Chromium is absent: report.tex and the PNG figures are skipped with a warning. */
export class FiguresChromiumMissing extends Error {
  constructor(what: string) {
    super(
      `Chromium is not installed at ${CHROMIUM}, so ${what} not written; install it with \`npm run setup\` (Debian: apt-get install chromium)`,
    );
    this.name = 'FiguresChromiumMissing';
  }
}

/** The width and height attributes of an SVG's root element, in CSS pixels. */
export function svgSize(svg: string): { width: number; height: number } {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const attr = (n: string) => Number(new RegExp(`\\s${n}="([0-9.]+)"`).exec(root)?.[1]);
  const width = attr('width');
  const height = attr('height');
  if (!(width > 0 && height > 0)) throw new Error(`chart SVG without a width and height: ${root.slice(0, 80)}`);
  return { width, height };
}

/** A PNG with its resolution recorded (pHYs, pixels per metre), so that editors place it at its printed size. */
export function withDpi(png: Uint8Array, dpi: number): Buffer {
  const buf = Buffer.from(png);
  if (buf.toString('ascii', 12, 16) !== 'IHDR') throw new Error('not a PNG: no IHDR chunk first');
  const ihdrEnd = 8 + 12 + buf.readUInt32BE(8);
  const phys = Buffer.alloc(9);
  const perMetre = Math.round(dpi / 0.0254);
  phys.writeUInt32BE(perMetre, 0);
  phys.writeUInt32BE(perMetre, 4);
  phys[8] = 1; // unit: metre
  // Drop a pHYs Chromium may have written, so there is exactly one.
  const rest: Buffer[] = [];
  for (let at = ihdrEnd; at < buf.length;) {
    const len = buf.readUInt32BE(at);
    const end = at + 12 + len;
    if (buf.toString('ascii', at + 4, at + 8) !== 'pHYs') rest.push(buf.subarray(at, end));
    at = end;
  }
  return Buffer.concat([buf.subarray(0, ihdrEnd), chunk('pHYs', phys), ...rest]);
}

/** The page Chromium prints or photographs: the SVG alone, at its size, no margins. */
function page(svg: string, width: number, height: number): string {
  return `<!doctype html><html><head><meta charset="utf-8"><style>@page{size:${width}px ${height}px;margin:0}html,body{margin:0;padding:0;background:white}svg{display:block}</style></head><body>${svg.replace(/^<\?xml[^>]*>\s*/, '')}</body></html>`;
}

/**
 * Writes, for each chart, `pdf(name, bytes)` (a vector PDF page the size of the SVG) and/or
 * `png(name, bytes)` (PNG_DPI at `printedCm(width)`); returns every chart's sizes by name.
 */
export async function exportFigures(
  charts: ChartFile[],
  want: { pdf: boolean; png: boolean },
  printedCm: (widthPx: number) => number,
  write: { pdf: (name: string, bytes: Uint8Array) => void; png: (name: string, bytes: Uint8Array) => void },
): Promise<Map<string, FigureSize>> {
  const sizes = new Map<string, FigureSize>();
  for (const c of charts) {
    const { width, height } = svgSize(c.svg);
    sizes.set(c.name, { width, height, printedCm: printedCm(width) });
  }
  if (!charts.length || (!want.pdf && !want.png)) return sizes;
  if (!existsSync(CHROMIUM)) throw new FiguresChromiumMissing(want.pdf ? 'report.tex was' : 'the PNG figures were');
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    for (const c of charts) {
      const size = sizes.get(c.name)!;
      const { width, height } = size;
      // Pixels of the PNG: PNG_DPI over the printed width; the height keeps the aspect ratio.
      const pngWidth = Math.round((size.printedCm / 2.54) * PNG_DPI);
      const scale = pngWidth / width;
      const context = await browser.newContext({
        viewport: { width: Math.ceil(width), height: Math.ceil(height) },
        deviceScaleFactor: scale,
        offline: true,
      });
      try {
        const p = await context.newPage();
        await p.setContent(page(c.svg, width, height), { waitUntil: 'load' });
        if (want.pdf)
          write.pdf(
            c.name,
            await p.pdf({
              width: `${width}px`,
              height: `${height}px`,
              printBackground: true,
              pageRanges: '1',
              margin: { top: '0', right: '0', bottom: '0', left: '0' },
            }),
          );
        if (want.png) {
          const png = await p.screenshot({ type: 'png', clip: { x: 0, y: 0, width, height } });
          const w = png.readUInt32BE(16);
          const h = png.readUInt32BE(20);
          size.png = { width: w, height: h };
          write.png(c.name, withDpi(png, PNG_DPI));
        }
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }
  return sizes;
}
