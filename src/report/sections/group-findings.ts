// What a group of variants shows, read from the settings they differ in (config/walk.ts): sentences
// comparing variants that differ in one setting, and a pivot table when the group is a full grid of
// two settings (e.g. σ × BN).
import { canonicalJson } from '../../config/canonical.ts';
import type { Variant } from '../../config/resolve.ts';
import { configDifferences, valueAt } from '../../config/walk.ts';
import { byText, md } from '../format.ts';
import type { Gathered } from '../gather.ts';
import { comparisonsNote, comparisonText, compareRepeatsOf, headlineOf } from '../repeats.ts';
import type { Table } from '../views.ts';
import { NOT_RUN, variantTrial } from './context.ts';
import { capitalize, chance, joinList, layers, settingText } from './wording.ts';

/** Every setting in which some two of the variants differ, in the order first met (pairs in order, paths sorted within each). */
function differingSettings(variants: Variant[]): string[] {
  const paths = new Set<string>();
  for (const a of variants)
    for (const b of variants) for (const d of configDifferences(a.config, b.config)) paths.add(d.path);
  return [...paths];
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (Array.isArray(a) && Array.isArray(b)) return a.length - b.length || byText(canonicalJson(a), canonicalJson(b));
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return byText(canonicalJson(a), canonicalJson(b));
}

/** Variants alike in everything but `path`, each family sorted by its value of `path`. */
function families(variants: Variant[], path: string): Variant[][] {
  const out = new Map<string, Variant[]>();
  for (const v of variants) {
    const rest = structuredClone(v.config) as unknown as Record<string, unknown>;
    const keys = path.split('.');
    const parent = keys.length > 1 ? valueAt(rest, keys.slice(0, -1).join('.')) : rest;
    delete (parent as Record<string, unknown>)[keys.at(-1)!];
    const key = canonicalJson(rest);
    out.set(key, [...(out.get(key) ?? []), v]);
  }
  return [...out.values()].map((fam) =>
    fam.sort((a, b) => compareValues(valueAt(a.config, path), valueAt(b.config, path))),
  );
}

/**
 * Sentences comparing a group's variants that differ in one setting: batch normalization against
 * none, and chains of values (σ, λ, η) with the accuracy each reached. Two variants are also
 * judged against the noise of their repeats (stats/t-test.ts); the last sentence counts those tests.
 */
export function groupFindings(g: Gathered, variants: Variant[], classes: number): string[] {
  const done = variants.filter((v) => headlineOf(g, variantTrial(g, v.name)));
  if (done.length < 2) return [];
  const paths = differingSettings(done);
  const acc = (v: Variant) => headlineOf(g, variantTrial(g, v.name))!;
  const out: string[] = [];
  let tests = 0;
  for (const path of [...paths].sort(byText)) {
    for (const fam of families(done, path)) {
      if (fam.length < 2) continue;
      const split = acc(fam[0]).split;
      const others = paths.filter(
        (p) =>
          p !== path &&
          p !== 'model.init' &&
          fam.every((v) => canonicalJson(valueAt(v.config, p)) === canonicalJson(valueAt(fam[0].config, p))),
      );
      const context = others
        .filter((p) => p !== 'model.hidden' || path !== 'model.batch_norm')
        .filter((p) => !(p === 'model.init_sigma' && fam[0].config.model.init !== 'normal'))
        .map((p) => settingText(p, valueAt(fam[0].config, p)));
      const prefix = context.length
        ? `${joinList(context.map((c) => (/^(with|without|the) /.test(c) ? c : `with ${c}`)))}, `
        : '';
      const pair = fam.length === 2 ? comparePair(g, fam[0], fam[1], split) : null;
      if (pair?.result) tests++;
      if (path === 'model.batch_norm' && fam.length === 2) {
        const [off, on] = fam;
        const [ha, hb] = [acc(off), acc(on)];
        const [a, b] = [ha.value, hb.value];
        const verb = b > a ? 'raised' : b < a ? 'lowered' : 'left';
        const net = `the ${layers(fam[0].config)} network's ${split} accuracy`;
        const verdict = pair && comparisonText(pair, { a: 'without BN', b: 'with BN' });
        if (pair?.outcome === 'within' || pair?.outcome === 'identical')
          out.push(
            `${prefix}${net} was ${ha.text}${chance(a, classes)} without batch normalization and ${hb.text}${chance(b, classes)} with it: ${verdict}.`,
          );
        else
          out.push(
            verb === 'left'
              ? `${prefix}batch normalization left ${net} at ${ha.text}.`
              : `${prefix}batch normalization ${verb} ${net} from ${ha.text}${chance(a, classes)} to ${hb.text}${chance(b, classes)}${verdict ? `: ${verdict}` : ''}.`,
          );
      } else {
        const where = (v: Variant) =>
          path === 'model.hidden'
            ? `for ${settingText(path, valueAt(v.config, path))}`
            : `at ${settingText(path, valueAt(v.config, path))}`;
        const parts = fam.map((v) => {
          const a = acc(v);
          return `${a.text}${chance(a.value, classes)} ${where(v)}`;
        });
        const verdict = pair ? `: ${comparisonText(pair, { a: where(fam[0]), b: where(fam[1]) })}` : '';
        out.push(`${prefix}${split} accuracy was ${joinList(parts)}${verdict}.`);
      }
    }
  }
  const note = comparisonsNote(tests, g.exp.report.alpha);
  if (note) out.push(note);
  return out.map((s) => md(capitalize(s)));
}

/** The t-test of two variants' repeats on `split`, when both have repeats (null: nothing to judge). */
function comparePair(g: Gathered, a: Variant, b: Variant, split: 'test' | 'validation') {
  const [ta, tb] = [variantTrial(g, a.name), variantTrial(g, b.name)];
  if (!ta || !tb) return null;
  return compareRepeatsOf(g, ta, tb, split);
}

/** A table of the headline accuracy over two settings of a group (e.g. σ × BN), when the group is a full grid of them. */
export function pivotTable(g: Gathered, variants: Variant[]): Table | null {
  if (variants.length < 4) return null;
  const list = differingSettings(variants)
    .filter((p) => p !== 'model.init')
    .sort(byText);
  if (list.length !== 2) return null;
  let [rowPath, colPath] = list;
  if (rowPath === 'model.batch_norm') [rowPath, colPath] = [colPath, rowPath];
  const distinct = (p: string) =>
    [...new Map(variants.map((v) => [canonicalJson(valueAt(v.config, p)), valueAt(v.config, p)])).values()].sort(
      compareValues,
    );
  const rowsV = distinct(rowPath);
  const colsV = distinct(colPath);
  if (colPath === 'model.batch_norm') colsV.reverse();
  if (rowsV.length * colsV.length !== variants.length) return null;
  const label = (p: string, v: unknown) =>
    p === 'model.batch_norm'
      ? v
        ? 'with BN'
        : 'without BN'
      : p === 'model.hidden'
        ? `${(v as number[]).length + 1}-layer [${(v as number[]).join(', ')}]`
        : settingText(p, v);
  let split = 'test';
  const rows = rowsV.map((rv) => [
    md(label(rowPath, rv)),
    ...colsV.map((cv) => {
      const v = variants.find(
        (x) =>
          canonicalJson(valueAt(x.config, rowPath)) === canonicalJson(rv) &&
          canonicalJson(valueAt(x.config, colPath)) === canonicalJson(cv),
      );
      const h = v ? headlineOf(g, variantTrial(g, v.name)) : null;
      if (h?.split === 'validation') split = 'validation';
      return h ? h.text : NOT_RUN;
    }),
  ]);
  return {
    header: ['', ...colsV.map((cv) => md(`${label(colPath, cv)} (${split} acc.)`))],
    align: ['l', ...colsV.map(() => 'r')],
    rows,
  };
}
