// Renders the report document (views.ts) with nunjucks: Markdown from templates/kinds/<kind>.md.njk (which extends
// templates/report.md.njk and includes one partial per section), and the printable HTML from that
// Markdown (marked), with charts inlined as SVG and weight images as data URLs.
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';
import { Marked } from 'marked';
import type { ReportDocument } from './views.ts';

export const TEMPLATES = fileURLToPath(new URL('../../templates', import.meta.url));

let mdEnv: nunjucks.Environment | null = null;
let htmlEnv: nunjucks.Environment | null = null;

/** Normalizes whitespace so template layout never shows in the output: no trailing spaces, at most one blank line. */
export function tidy(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.replace(/\s+$/, ''))
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim() + '\n'
  );
}

export function renderMarkdown(doc: ReportDocument): string {
  // Markdown is not HTML: autoescape is off and every string in the document is escaped for Markdown
  // (format.ts md) when the document is built.
  mdEnv ??= new nunjucks.Environment(new nunjucks.FileSystemLoader(TEMPLATES), {
    autoescape: false,
    throwOnUndefined: true,
    trimBlocks: true,
    lstripBlocks: true,
  });
  return tidy(mdEnv.render(`kinds/${doc.kind}.md.njk`, { r: doc }));
}

export const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Turns an image reference of the Markdown into HTML (null: no such asset). */
export type ImageHtml = (href: string, text: string) => string | null;

/** The report's Markdown as HTML; `image` places charts and weight images. Raw HTML never passes through. */
export function markdownToHtml(markdown: string, image: ImageHtml): string {
  const marked = new Marked({
    gfm: true,
    renderer: {
      image({ href, text }) {
        return image(href, text) ?? `<em>[missing image ${escapeHtml(href)}]</em>`;
      },
      // The document escapes everything, so no raw HTML should reach here; if it does, show it as text.
      html({ text }) {
        return escapeHtml(text);
      },
    },
  });
  return marked.parse(markdown, { async: false }) as string;
}

/** A weight image (PNG bytes) as an <img> with a data URL. */
export const pngImg = (png: Uint8Array, alt: string) =>
  `<img class="weights" alt="${escapeHtml(alt)}" src="data:image/png;base64,${Buffer.from(png).toString('base64')}">`;

/** HTML for printing: `assets` maps a Markdown image path to its SVG text or PNG bytes. */
export function renderHtml(markdown: string, title: string, assets: Map<string, string | Uint8Array>): string {
  const html = markdownToHtml(markdown, (href, text) => {
    const a = assets.get(href);
    if (typeof a === 'string')
      return `<span class="figure" role="img" aria-label="${escapeHtml(text)}">${a.replace(/^<\?xml[^>]*>\s*/, '')}</span>`;
    return a ? pngImg(a, text) : null;
  });
  // A table too long for one page (more than 30 rows) may break across pages (its header repeats);
  // shorter ones are kept whole.
  const body = html.replace(/<table>([\s\S]*?)<\/table>/g, (t, inner: string) =>
    (inner.match(/<tr>/g)?.length ?? 0) > 31 ? `<table class="long">${inner}</table>` : t,
  );
  return renderHtmlTemplate('report.html.njk', { title, body });
}

/** Renders an HTML template of templates/ (autoescaped; `| safe` marks what is already HTML). */
export function renderHtmlTemplate(name: string, context: object): string {
  htmlEnv ??= new nunjucks.Environment(new nunjucks.FileSystemLoader(TEMPLATES), {
    autoescape: true,
    throwOnUndefined: true,
  });
  return htmlEnv.render(name, context);
}
