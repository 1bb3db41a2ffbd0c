// LaTeX escaping for report.tex: `tex` turns any text (a name, a description, a number with its
// unit) into LaTeX that pdflatex typesets as that text; `mdToTex` does the same for the report's
// Markdown strings (views.ts: already escaped for Markdown, with **bold**, *emphasis* and `code`).
import { Lexer, type Token } from 'marked';

/** The ten characters LaTeX gives a meaning to, and the three OT1 fonts would print wrongly. */
const SPECIAL: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '{': '\\{',
  '}': '\\}',
  $: '\\ensuremath{\\$}',
  '&': '\\&',
  '#': '\\#',
  '%': '\\%',
  _: '\\_',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
  '<': '\\textless{}',
  '>': '\\textgreater{}',
  '|': '\\textbar{}',
};

/** Characters beyond Latin-1 that reports use, as commands of LaTeX itself (no package needed). */
const SYMBOL: Record<string, string> = {
  '±': '\\ensuremath{\\pm}',
  '×': '\\ensuremath{\\times}',
  '−': '\\ensuremath{-}',
  '·': '\\ensuremath{\\cdot}',
  '²': '\\ensuremath{^2}',
  '³': '\\ensuremath{^3}',
  '√': '\\ensuremath{\\surd}',
  '‖': '\\ensuremath{\\|}',
  '→': '\\ensuremath{\\rightarrow}',
  '←': '\\ensuremath{\\leftarrow}',
  '≤': '\\ensuremath{\\leq}',
  '≥': '\\ensuremath{\\geq}',
  '≈': '\\ensuremath{\\approx}',
  '≠': '\\ensuremath{\\neq}',
  '∞': '\\ensuremath{\\infty}',
  '∈': '\\ensuremath{\\in}',
  '…': '\\ldots{}',
  '–': '--',
  '—': '---',
  '‘': '`',
  '’': "'",
  '“': '``',
  '”': "''",
  '°': '\\ensuremath{^\\circ}',
  α: '\\ensuremath{\\alpha}',
  β: '\\ensuremath{\\beta}',
  γ: '\\ensuremath{\\gamma}',
  δ: '\\ensuremath{\\delta}',
  ε: '\\ensuremath{\\varepsilon}',
  η: '\\ensuremath{\\eta}',
  θ: '\\ensuremath{\\theta}',
  λ: '\\ensuremath{\\lambda}',
  μ: '\\ensuremath{\\mu}',
  π: '\\ensuremath{\\pi}',
  σ: '\\ensuremath{\\sigma}',
  τ: '\\ensuremath{\\tau}',
  Δ: '\\ensuremath{\\Delta}',
  Σ: '\\ensuremath{\\Sigma}',
};

/**
 * Text as LaTeX: the specials escaped, the symbols above as commands, Latin-1 letters kept (the
 * preamble reads UTF-8 with T1 fonts), line breaks as spaces; any other character, which pdflatex
 * has no glyph for, becomes "?" so that the document still compiles.
 */
export function tex(text: unknown): string {
  const chars = [...String(text ?? '').replace(/\r?\n|\r/g, ' ')];
  let out = '';
  chars.forEach((ch, i) => {
    const code = ch.codePointAt(0)!;
    if (SPECIAL[ch]) out += SPECIAL[ch];
    else if (SYMBOL[ch]) out += SYMBOL[ch];
    // "--" and "``" are ligatures in text: keep two hyphens two hyphens.
    else if ((ch === '-' || ch === '`') && chars[i + 1] === ch) out += `${ch}{}`;
    // A dotted path (dataset.validation.holdout) or a trial id (variant/a/r2) may break after . or /.
    else if (
      (ch === '.' || ch === '/') &&
      /[A-Za-z]/.test(chars[i + 1] ?? '') &&
      /[A-Za-z0-9]/.test(chars[i - 1] ?? '')
    )
      out += `${ch}\\allowbreak{}`;
    else if (code < 0x20 || code === 0x7f) out += ' ';
    else if (code < 0x7f || (code >= 0xa0 && code <= 0xff)) out += ch;
    else out += '?';
  });
  return out;
}

/** Undoes md()'s HTML entities (format.ts): Markdown text keeps &, < and > as entities. */
const unentity = (s: string) =>
  s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);

function inline(tokens: Token[]): string {
  return tokens
    .map((t) => {
      switch (t.type) {
        case 'strong':
          return `\\textbf{${inline(t.tokens ?? [])}}`;
        case 'em':
          return `\\emph{${inline(t.tokens ?? [])}}`;
        case 'codespan':
          return `\\texttt{${tex(unentity(t.text as string))}}`;
        case 'del':
          return inline(t.tokens ?? []);
        case 'link':
          return inline(t.tokens ?? []);
        case 'br':
          return ' ';
        case 'escape':
        case 'text':
        case 'html':
          return tex(unentity(t.text as string));
        default:
          return tex(unentity(t.raw));
      }
    })
    .join('');
}

/** The report's plain-text subscripts (η_min, n_s, g_a) as math: η\\_min would print "η_min". */
function subscripts(latex: string): string {
  return latex
    .replace(/\\ensuremath\{\\(eta|lambda|sigma)\}\\_(min|max)\b/g, '\\ensuremath{\\$1_{\\$2}}')
    .replace(/\b(n|g)\\_(s|a|n)\b/g, '\\ensuremath{$1_$2}');
}

/** One line of the report's Markdown (a cell, a caption, a sentence) as LaTeX. */
export function mdToTex(markdown: string): string {
  return subscripts(inline(Lexer.lexInline(markdown, { gfm: true })));
}
