// Prints a diff three ways: for a terminal (colour only on a TTY without NO_COLOR), as Markdown
// for a pull-request comment, and as JSON with a stable schema. What differs is compare.ts's job.
import type { FileDiff, Metric, ResultDelta, SettingChange, TrialEntry } from './compare.ts';
import { signed, verdictText, type Unit } from '../stats/verdict.ts';

export type Format = 'terminal' | 'md' | 'json';

/** The JSON printed by `nnlab diff --format json`. */
export interface DiffReport {
  /** Bumped when a field changes meaning or goes away. */
  version: 2;
  semanticChange: boolean;
  files: FileDiff[];
}

/** A value in one line: lists and maps in flow style, strings quoted. */
export function flow(v: unknown): string {
  if (v === undefined) return '–';
  if (Array.isArray(v)) return `[${v.map(flow).join(', ')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}: ${flow(x)}`)
      .join(', ')}}`;
  return JSON.stringify(v);
}

const clip = (s: string, n = 80) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function summary(d: FileDiff): string {
  if (d.status === 'added') return `new experiment; ${plural(d.trials.added.length, 'trial')}`;
  if (d.status === 'removed') return `experiment removed; ${plural(d.trials.removed.length, 'trial')}`;
  const t = d.trials;
  if (!d.semanticChange) return `no semantic change (${plural(t.unchanged.length, 'trial')} unchanged)`;
  const parts = [`${plural(d.settings.length, 'setting')} changed`];
  const trials = [
    t.added.length && `${t.added.length} added`,
    t.removed.length && `${t.removed.length} removed`,
    t.changed.length && `${t.changed.length} retrained`,
    `${t.unchanged.length} unchanged`,
  ].filter(Boolean);
  parts.push(`trials: ${trials.join(', ')}`);
  return parts.join('; ');
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const secs = (x: number) => `${x.toFixed(1)} s`;

const PP: Unit = { scale: 100, digits: 2, name: 'pp' };
const SECONDS: Unit = { scale: 1, digits: 1, name: 's' };
const NAMES = { a: 'on the old side', b: 'on the new side' };

function metricText(m: Metric | undefined, value: (x: number) => string, unit: Unit): string {
  if (!m) return '–';
  // The verdict of stats/t-test.ts when there is one: the delta, its CI, the test, p and n.
  const judged = m.comparison ? verdictText(m.comparison, unit, NAMES) : signed(m.delta, unit);
  if (m.repeats) {
    // Repeats: means ± sd (n).
    const side = (s: { mean: number; sd: number; n: number }) =>
      `${value(s.mean)} ± ${(s.sd * unit.scale).toFixed(unit.digits)} ${unit.name} (n = ${s.n})`;
    return `${side(m.repeats.old)} → ${side(m.repeats.new)}, ${judged}`;
  }
  return `${value(m.old)} → ${value(m.new)}, ${judged}`;
}

const resultCells = (r: ResultDelta) => [
  metricText(r.validationAccuracy, pct, PP),
  metricText(r.testAccuracy, pct, PP),
  metricText(r.seconds, secs, SECONDS),
];

const hashNote = (d: FileDiff) =>
  d.hashes.configOnly
    ? 'hashes are config-only: no stored run gives the engine version and data fingerprint, so they will not match the run store'
    : `hashes use engine ${d.hashes.engineVersion} and data ${d.hashes.dataFingerprint} of the last run`;

const trialValue = (t: TrialEntry) => (t.param ? `${t.param} = ${flow(t.value)}` : '');

// --- terminal ---------------------------------------------------------------------------------

export function useColour(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

export function terminal(files: FileDiff[], colour: boolean): string {
  const paint = (code: number) => (s: string) => (colour ? `\x1b[${code}m${s}\x1b[0m` : s);
  const [green, red, yellow, dim, bold] = [32, 31, 33, 2, 1].map(paint);
  const out: string[] = [];
  for (const d of files) {
    if (out.length) out.push('');
    out.push(`${bold(`${d.old} → ${d.new}`)}: ${summary(d)}`);
    if (!d.semanticChange) continue;
    if (d.settings.length) {
      out.push('', 'settings');
      for (const s of d.settings) {
        if (s.change === 'changed') {
          out.push(`  ${yellow('~')} ${s.path}: ${clip(flow(s.old))} → ${clip(flow(s.new))}`);
          out.push(dim(`      ${s.oldAt} → ${s.newAt}`));
        } else if (s.change === 'added')
          out.push(`  ${green('+')} ${s.path}: ${clip(flow(s.new))}  ${dim(`(${s.newAt})`)}`);
        else out.push(`  ${red('-')} ${s.path}: ${clip(flow(s.old))}  ${dim(`(${s.oldAt})`)}`);
      }
    }
    const t = d.trials;
    out.push('', `trials ${dim(`(${hashNote(d)})`)}`);
    const w = Math.max(0, ...[...t.added, ...t.removed, ...t.changed].map((x) => x.id.length));
    for (const x of t.removed) out.push(`  ${red('-')} ${x.id.padEnd(w)}  ${x.hash}  ${trialValue(x)}`.trimEnd());
    for (const x of t.added) out.push(`  ${green('+')} ${x.id.padEnd(w)}  ${x.hash}  ${trialValue(x)}`.trimEnd());
    for (const x of t.changed) out.push(`  ${yellow('~')} ${x.id.padEnd(w)}  ${x.oldHash} → ${x.newHash}`);
    if (t.unchanged.length)
      out.push(dim(`  = ${t.unchanged.length} unchanged: ${t.unchanged.map((x) => x.id).join(', ')}`));
    if (d.pending.new.length) out.push(dim(`  … planned once earlier stages finish: ${d.pending.new.join(', ')}`));
    if (d.results.length) {
      out.push('', 'results (stored runs of both sides)');
      for (const r of d.results) {
        const [v, te, s] = resultCells(r);
        out.push(
          `  ${r.id}`,
          `      validation accuracy ${v}`,
          `      test accuracy       ${te}`,
          `      time                ${s}`,
        );
      }
    }
  }
  return out.join('\n') + '\n';
}

// --- Markdown ---------------------------------------------------------------------------------

const code = (s: string) => `\`${s.replace(/`/g, 'ˋ')}\``;
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(head: string[], rows: string[][]): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

function settingRow(s: SettingChange): string[] {
  return [
    code(s.path),
    s.change,
    s.old === undefined ? '' : code(clip(flow(s.old))),
    s.new === undefined ? '' : code(clip(flow(s.new))),
    s.oldAt ? code(s.oldAt) : '',
    s.newAt ? code(s.newAt) : '',
  ];
}

/** Tables of more than this many rows fold into <details>, so a comment stays short. */
const FOLD = 10;

export function markdown(files: FileDiff[], title: string): string {
  const changed = files.filter((d) => d.semanticChange);
  const out: string[] = [];
  if (files.length === 1) out.push(`**${title}** ${code(files[0].old)} → ${code(files[0].new)}: ${summary(files[0])}.`);
  else
    out.push(
      `**${title}**: ${changed.length ? `${plural(changed.length, 'experiment')} of ${files.length} changed` : `no semantic change in ${plural(files.length, 'experiment')}`}.`,
    );
  for (const d of files) {
    if (files.length > 1) out.push('', `### ${code(d.old)} → ${code(d.new)}`, '', `${summary(d)}.`);
    if (!d.semanticChange) continue;
    if (d.settings.length)
      out.push(
        '',
        ...table(['Setting', 'Change', 'Old', 'New', 'Old source', 'New source'], d.settings.map(settingRow)),
      );
    const t = d.trials;
    const rows = [
      ...t.removed.map((x) => [code(x.id), 'removed', code(x.hash), trialValue(x)]),
      ...t.added.map((x) => [code(x.id), 'added', code(x.hash), trialValue(x)]),
      ...t.changed.map((x) => [code(x.id), 'retrained', `${code(x.oldHash)} → ${code(x.newHash)}`, '']),
    ];
    const trialTable = table(['Trial', 'Change', 'Hash', 'Value'], rows);
    const caption = `Trials: ${[t.added.length && `${t.added.length} added`, t.removed.length && `${t.removed.length} removed`, t.changed.length && `${t.changed.length} retrained`, `${t.unchanged.length} unchanged`].filter(Boolean).join(', ')}`;
    out.push('');
    if (rows.length > FOLD) out.push(`<details><summary>${caption}</summary>`, '', ...trialTable, '', '</details>');
    else if (rows.length) out.push(`${caption}:`, '', ...trialTable);
    else out.push(`${caption}.`);
    const notes = [];
    if (t.unchanged.length) notes.push(`Unchanged: ${t.unchanged.map((x) => code(x.id)).join(', ')}.`);
    if (d.pending.new.length) notes.push(`Planned once earlier stages finish: ${d.pending.new.map(code).join(', ')}.`);
    notes.push(`${hashNote(d).replace(/^./, (c) => c.toUpperCase())}.`);
    out.push('', notes.join(' '));
    if (d.results.length)
      out.push(
        '',
        ...table(
          ['Result', 'Validation accuracy', 'Test accuracy', 'Time'],
          d.results.map((r) => [code(r.id), ...resultCells(r)]),
        ),
      );
  }
  return out.join('\n') + '\n';
}

// --- JSON -------------------------------------------------------------------------------------

export function json(files: FileDiff[]): string {
  const report: DiffReport = { version: 2, semanticChange: files.some((d) => d.semanticChange), files };
  return JSON.stringify(report, null, 2) + '\n';
}
