// The one walker over config trees: where two configs differ (leaf settings as dotted paths, with
// where each side holds them), every leaf of one config, and the value at a dotted path. The dry-run
// plan, `nnlab resolve`, `nnlab diff`, `nnlab runs` and the report's findings all read configs here.
import { canonicalJson } from './canonical.ts';
import { isPlainObject } from './load.ts';

/** A key of a config tree: a map key, or a list position. */
export type Key = string | number;

/** One side of a difference: the value there and its keys from the root (list positions as numbers). */
export interface At {
  value: unknown;
  at: Key[];
}

export interface Difference {
  /** Dotted path as shown: `model.hidden`, `searches[coarse].range` (an item matched by name), `variants[2].set`. */
  path: string;
  /** Absent where that side has no value (a key missing or undefined): the setting was added or removed. */
  a?: At;
  b?: At;
}

export interface DifferenceOptions {
  /**
   * Walk into lists of maps, matching items by their `name` when every item on both sides has a
   * unique one, else by position. Default false: a list is one setting, compared whole.
   */
  listItems?: boolean;
}

/**
 * The settings where `b` differs from `a`, in key order (byte order, the same on every machine).
 * Maps present on both sides are walked into; anything else (scalars, lists, a map on one side
 * only) is one setting. Equal subtrees are skipped whole.
 */
export function configDifferences(a: unknown, b: unknown, opts: DifferenceOptions = {}): Difference[] {
  const out: Difference[] = [];
  step(
    a === undefined ? undefined : { value: a, at: [] },
    b === undefined ? undefined : { value: b, at: [] },
    [],
    out,
    opts.listItems ?? false,
  );
  return out;
}

function step(a: At | undefined, b: At | undefined, shown: Key[], out: Difference[], listItems: boolean): void {
  if (!a && !b) return;
  const x = a?.value;
  const y = b?.value;
  if (a && b && canonicalJson(x) === canonicalJson(y)) return;
  const child = (side: At | undefined, key: Key, value: unknown): At | undefined =>
    side && value !== undefined ? { value, at: [...side.at, key] } : undefined;
  if (isPlainObject(x) && isPlainObject(y)) {
    for (const k of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort())
      step(child(a, k, x[k]), child(b, k, y[k]), [...shown, k], out, listItems);
    return;
  }
  if (listItems && Array.isArray(x) && Array.isArray(y) && [...x, ...y].some(isPlainObject)) {
    const na = byName(x);
    const nb = byName(y);
    if (na && nb) {
      // Items in the order of `a`, then the ones only `b` has.
      for (const n of [...na.keys(), ...[...nb.keys()].filter((n) => !na.has(n))]) {
        const ia = na.get(n);
        const ib = nb.get(n);
        step(
          ia === undefined ? undefined : child(a, ia, x[ia]),
          ib === undefined ? undefined : child(b, ib, y[ib]),
          [...shown, `[${n}]`],
          out,
          listItems,
        );
      }
      return;
    }
    for (let i = 0; i < Math.max(x.length, y.length); i++)
      step(child(a, i, x[i]), child(b, i, y[i]), [...shown, i], out, listItems);
    return;
  }
  out.push({ path: showPath(shown), ...(a ? { a } : {}), ...(b ? { b } : {}) });
}

/** Items matched by name: only when every item is a map with a name and the names are unique. */
function byName(list: unknown[]): Map<string, number> | null {
  if (!list.length || !list.every((x) => isPlainObject(x) && typeof x.name === 'string')) return null;
  const m = new Map<string, number>();
  list.forEach((x, i) => m.set((x as { name: string }).name, i));
  return m.size === list.length ? m : null;
}

/** `['searches', '[coarse]', 'range']` → `searches[coarse].range`; `['variants', 2]` → `variants[2]`. */
export function showPath(keys: Key[]): string {
  return keys.reduce<string>(
    (s, k) => (typeof k === 'number' ? `${s}[${k}]` : k.startsWith('[') ? s + k : s ? `${s}.${k}` : k),
    '',
  );
}

/** Every leaf setting of a config as dotted path → value, in the config's own key order (lists are leaves: [50, 50] is one setting). */
export function leafSettings(value: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const visit = (v: unknown, prefix: string): void => {
    if (isPlainObject(v)) for (const [k, x] of Object.entries(v)) visit(x, prefix ? `${prefix}.${k}` : k);
    else if (prefix) out.set(prefix, v);
  };
  visit(value, '');
  return out;
}

/** The value at a dotted path (`model.hidden`), or undefined where the path leads nowhere. */
export function valueAt(config: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((o, k) => (isPlainObject(o) ? o[k] : undefined), config);
}
