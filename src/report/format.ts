// Fixed number formats and Markdown escaping for the report. Every number in a report goes through
// one of these, so the same stored results always print the same text.

/** Escapes text from a config or a result so it cannot break a Markdown table or inject HTML. */
export function md(text: unknown): string {
  return String(text ?? '')
    .replace(/\r?\n|\r/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]#|~])/g, '\\$1')
    .replace(/^(\s*)([-+])(\s)/, '$1\\$2$3')
    .replace(/^(\s*\d+)\.(\s)/, '$1\\.$2');
}

/** Accuracy as a percentage with two decimals; '–' when absent. */
export function pct(x: number | undefined | null, digits = 2): string {
  return x === undefined || x === null || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)}%`;
}

/** A loss or cost: four significant digits. */
export function dec(x: number | undefined | null, digits = 4): string {
  if (x === undefined || x === null) return '–';
  if (!Number.isFinite(x)) return String(x);
  return x
    .toPrecision(digits)
    .replace(/(\.\d*?)0+(e|$)/, '$1$2')
    .replace(/\.(e|$)/, '$1');
}

/** A hyperparameter value (λ, η, σ): plain below 1e4 and above 1e-3, else scientific (1e-5, 2.5e-4). */
export function num(x: unknown): string {
  if (typeof x !== 'number') return String(x ?? '–');
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e5) return String(Number(x.toPrecision(4)));
  const [m, e] = x.toExponential(3).split('e');
  const mant = m.replace(/\.?0+$/, '');
  return `${mant}e${Number(e)}`;
}

/** Seconds of wall-clock time: 0.42 s, 12.3 s, 4 min 05 s. */
export function seconds(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '–';
  if (s < 10) return `${s.toFixed(2)} s`;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(Math.round(s - 60 * m)).padStart(2, '0')} s`;
}

/** A count, rounded. */
export function int(n: number | undefined | null): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return '–';
  return String(Math.round(n));
}

/** A file-name slug: lower case, [a-z0-9-] only. */
export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9.]+/g, '-')
      .replace(/\./g, '_')
      .replace(/^-+|-+$/g, '') || 'x'
  );
}

/** Byte-order string comparison (locale-independent, so every machine sorts alike). */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** "1 epoch", "2 epochs". */
export function plural(n: number, word: string, text = num(n)): string {
  return `${text} ${word}${n === 1 ? '' : 's'}`;
}
