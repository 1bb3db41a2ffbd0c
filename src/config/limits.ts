// What an experiment file may not hold even where its YAML parses: bytes that are not UTF-8,
// numbers that overflow to ±Infinity, underflow to 0 or are NaN, and aliases that refer to nothing,
// contain themselves or expand into a huge value (an "alias bomb"). Each message is a function here
// so tests can compare exact text; load.ts places them at the offending node.
import { isAlias, isCollection, isPair, type Document, type Node as YamlNode } from 'yaml';

/** Variants one matrix may make: its axes multiply, and each variant is a trial to plan and train. */
export const MAX_MATRIX_VARIANTS = 1000;

/** Values an experiment's aliases may expand to, in all; a real experiment has a few hundred. */
export const MAX_EXPANDED_VALUES = 100_000;

export const messages = {
  notUtf8: (byte: number) =>
    `the file is not valid UTF-8 (byte 0x${byte.toString(16).padStart(2, '0')} here); save it as UTF-8`,
  overflow: (where: string, source: string) =>
    `${where}: ${source} is too large (overflows to ${source.trim().startsWith('-') ? '-' : ''}Infinity); the largest number is about 1.8e308`,
  underflow: (where: string, source: string) =>
    `${where}: ${source} is too small (underflows to 0); write 0 if you mean 0`,
  infinite: (where: string, source: string) => `${where}: ${source} is infinite; give a finite number`,
  notANumber: (where: string, source: string) => `${where}: ${source} is not a number (NaN); give a finite number`,
  unknownAlias: (name: string) =>
    `invalid YAML: the alias *${name} refers to no anchor before it; define &${name} first`,
  recursiveAlias: (name: string) =>
    `invalid YAML: the alias *${name} is inside its own anchor &${name}, so the value would contain itself`,
  matrixTooLarge: (where: string, sizes: number[]) =>
    `${where} makes ${sizes.reduce((a, b) => a * b, 1)} variants (${sizes.join(' × ')}); at most ${MAX_MATRIX_VARIANTS}: split it into several matrices or drop an axis`,
  aliasBomb: (name: string, count: number) =>
    `invalid YAML: the aliases expand to more than ${MAX_EXPANDED_VALUES} values (*${name} alone stands for ${count > MAX_EXPANDED_VALUES ? `over ${MAX_EXPANDED_VALUES}` : count}); write the values out or nest fewer aliases`,
};

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (!len) return i;
    for (let k = 1; k < len; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    // Overlong forms, UTF-16 surrogates and code points above U+10FFFF.
    const c1 = bytes[i + 1];
    if (
      (b === 0xe0 && c1 < 0xa0) ||
      (b === 0xed && c1 >= 0xa0) ||
      (b === 0xf0 && c1 < 0x90) ||
      (b === 0xf4 && c1 >= 0x90)
    )
      return i;
    i += len;
  }
  return -1;
}

/** What is wrong with a number as written, or null: `source` is its text in the file. */
export function numberProblem(value: number, source: string, where: string): string | null {
  if (Number.isNaN(value)) return messages.notANumber(where, source);
  if (!Number.isFinite(value))
    return /^[-+]?\.inf$/i.test(source.trim()) ? messages.infinite(where, source) : messages.overflow(where, source);
  // A literal with a non-zero digit that reads as 0 (1e-400): the value written is not the value used.
  const decimal = /^[-+]?([0-9._]+)(e[-+]?\d+)?$/i.exec(source.trim());
  if (value === 0 && decimal && /[1-9]/.test(decimal[1])) return messages.underflow(where, source);
  return null;
}

export interface AliasProblem {
  node: YamlNode;
  text: string;
}

/**
 * Aliases that resolve to nothing, sit inside their own anchor, or make the value larger than
 * MAX_EXPANDED_VALUES. yaml's own guard (maxAliasCount) throws a ReferenceError with no position;
 * this finds the alias to point at before the document is turned into a value.
 */
export function aliasProblem(doc: Document): AliasProblem | null {
  const anchors = new Map<string, YamlNode>();
  const open: string[] = [];
  const size = new Map<YamlNode, number>();
  let found: AliasProblem | null = null;
  // Values `node` expands to (capped just above the limit so nested aliases cannot overflow).
  const measure = (node: unknown): number => {
    if (found || !node) return 1;
    const n = node as YamlNode;
    const known = size.get(n);
    if (known !== undefined) return known;
    let total = 1;
    if (isAlias(n)) {
      const target = anchors.get(n.source);
      if (open.includes(n.source)) found = { node: n, text: messages.recursiveAlias(n.source) };
      else if (!target) found = { node: n, text: messages.unknownAlias(n.source) };
      else total = size.get(target) ?? 1;
      return total;
    }
    const anchor = (n as { anchor?: string }).anchor;
    if (anchor) open.push(anchor);
    if (isCollection(n)) {
      for (const item of n.items) {
        if (isPair(item)) total += measure(item.key) + measure(item.value);
        else total += measure(item);
        total = Math.min(total, MAX_EXPANDED_VALUES + 1);
      }
    }
    if (anchor) {
      open.pop();
      anchors.set(anchor, n);
    }
    size.set(n, total);
    return total;
  };
  // Measured in document order, so an anchor is known before the aliases after it.
  measure(doc.contents);
  if (found) return found;
  if ((size.get(doc.contents as YamlNode) ?? 1) <= MAX_EXPANDED_VALUES) return null;
  // Point at the alias that stands for the most values.
  let worst: { node: YamlNode; name: string; count: number } | null = null;
  const visitAliases = (node: unknown): void => {
    if (!node) return;
    if (isAlias(node)) {
      const count = size.get(anchors.get(node.source)!) ?? 1;
      if (!worst || count > worst.count) worst = { node, name: node.source, count };
    } else if (isCollection(node)) {
      for (const item of node.items) {
        if (isPair(item)) {
          visitAliases(item.key);
          visitAliases(item.value);
        } else visitAliases(item);
      }
    }
  };
  visitAliases(doc.contents);
  const w = worst as { node: YamlNode; name: string; count: number } | null;
  return w ? { node: w.node, text: messages.aliasBomb(w.name, w.count) } : null;
}
