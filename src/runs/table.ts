// The table of `nnlab runs`: one row per stored trial of one or more experiments, with the settings
// that vary among the rows (dotted paths of config.json), its metrics, time, status and hash;
// filtered (--where), sorted (--sort) and written as an aligned table, CSV or JSON.
// Reading the store is the run store's business; which trial is best is not decided here.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunStore, type StoredResult } from '../store/store.ts';
import { canonicalJson } from '../config/canonical.ts';
import { leafSettings } from '../config/walk.ts';
import { didYouMean } from '../config/messages.ts';
import { UsageError } from '../errors.ts';
import type { ResolvedExperiment } from '../config/resolve.ts';
import { planFromStore } from '../store/rank.ts';
import { storedLrBounds } from '../runner/lr-range.ts';

export type Cell = string | number | boolean | null | unknown[];
export type Row = Record<string, Cell>;

/** Columns before the settings and after them; settings sit between, in the order of config.json. */
const HEAD = ['experiment', 'trial'];
const METRICS = ['train.accuracy', 'validation.accuracy', 'test.accuracy', 'validation.loss', 'max_relative_error'];
const TAIL = ['seconds', 'status', 'hash'];
/** The other planned names of a stored trial that several share (same config, one computation); shown when some row has them. */
const SHARED = 'shared_with';

interface Trial {
  row: Row;
  /** Trials of one kind (train, gradient_check, failed) share a config shape; settings vary within a kind. */
  kind: string;
  settings: Map<string, Cell>;
  startedAt: string;
}

function metrics(r: StoredResult): Row {
  if (r.kind === 'gradient_check') return { max_relative_error: Math.max(...r.rows.map((x) => x.maxRel)) };
  return {
    'train.accuracy': r.final.train.accuracy,
    'validation.accuracy': r.final.validation?.accuracy ?? null,
    'test.accuracy': r.final.test?.accuracy ?? null,
    'validation.loss': r.final.validation?.loss ?? null,
  };
}

/**
 * Every stored trial of an experiment, once under each name its plan gives it (trials of the same
 * config share one stored result: each row names the others), and every failed one not stored since
 * (its log is all there is). The plan is the file's (`exp`) planned against the store, else the last
 * run's (plan.json); a stored trial it does not plan keeps the name it was trained under.
 */
export function readTrials(runsDir: string, experiment: string, exp?: ResolvedExperiment): Trial[] {
  const store = new RunStore(runsDir, experiment);
  const out: Trial[] = [];
  const planned = exp ? planFromStore(exp, store, { lrBounds: storedLrBounds(store) }) : store.readPlan();
  const names = new Map<string, string[]>();
  for (const t of planned?.trials ?? []) names.set(t.hash, [...(names.get(t.hash) ?? []), t.id]);
  const hashes = existsSync(store.trialsDir) ? readdirSync(store.trialsDir).filter((n) => /^[0-9a-f]+$/.test(n)) : [];
  for (const hash of hashes) {
    const s = store.read(store.ref(hash));
    if (!s) continue;
    const r = s.result;
    const ids = names.get(hash) ?? [r.id];
    for (const id of ids)
      out.push({
        kind: r.kind,
        settings: leafSettings(s.config) as Map<string, Cell>,
        startedAt: r.startedAt,
        row: {
          experiment,
          trial: id,
          ...metrics(r),
          seconds: Number(r.seconds.toFixed(2)),
          status: r.status,
          [SHARED]: ids.length > 1 ? ids.filter((x) => x !== id) : null,
          hash,
        },
      });
  }
  const failedDir = join(store.root, 'failed');
  for (const name of existsSync(failedDir) ? readdirSync(failedDir).sort() : []) {
    const hash = name.replace(/\.log$/, '');
    if (!name.endsWith('.log') || hashes.includes(hash)) continue;
    // The log's first line is "<trial id> (<hash>)" (RunStore.recordFailure).
    const first = readFileSync(join(failedDir, name), 'utf8').split('\n', 1)[0];
    out.push({ kind: 'failed', settings: new Map(), startedAt: '', row: { experiment, trial: first.replace(/ \([0-9a-f]+\)$/, ''), seconds: null, status: 'failed', hash } });
  }
  return out;
}

/** Experiments with a store under runsDir. */
export function storedExperiments(runsDir: string): string[] {
  if (!existsSync(runsDir)) return [];
  return readdirSync(runsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(runsDir, d.name, 'trials')))
    .map((d) => d.name)
    .sort();
}

const ABSENT = '\u0000absent';
const key = (v: Cell | undefined) => (v === undefined ? ABSENT : canonicalJson(v));

/** Setting paths whose values differ among trials of the same kind (a path missing in some counts). */
export function varyingSettings(trials: Trial[]): string[] {
  // Columns in config order, trained trials' settings before gradient checks'.
  const order: string[] = [];
  const kinds = ['train', 'gradient_check'];
  for (const kind of kinds) for (const t of trials) if (t.kind === kind) for (const k of t.settings.keys()) if (!order.includes(k)) order.push(k);
  return order.filter((path) => {
    const byKind = new Map<string, Set<string>>();
    for (const t of trials) {
      if (t.kind === 'failed') continue;
      if (!byKind.has(t.kind)) byKind.set(t.kind, new Set());
      byKind.get(t.kind)!.add(key(t.settings.get(path)));
    }
    // A path only some kinds have (network.hidden of gradient checks) does not vary by that alone.
    return [...byKind.values()].some((values) => values.size > 1);
  });
}

export interface Query {
  where?: string[];
  sort?: string;
}

function parseWhere(w: string): { path: string; value: string } {
  const i = w.indexOf('=');
  if (i <= 0) throw new UsageError(`runs: --where takes KEY=VALUE, e.g. --where training.lambda=0.001; got "${w}"`);
  return { path: w.slice(0, i), value: w.slice(i + 1) };
}

/** Does a cell equal what was typed? Numbers compare as numbers (1e-3 = 0.001), lists as JSON, `*` matches any text. */
export function matches(cell: Cell | undefined, typed: string): boolean {
  if (cell === undefined || cell === null) return typed === '' || typed === 'null';
  if (typeof cell === 'number') return typed.trim() !== '' && Number(typed) === cell;
  if (typeof cell === 'boolean') return typed === String(cell);
  if (Array.isArray(cell)) return canonicalJson(cell) === typed.replace(/\s+/g, '');
  const re = new RegExp(`^${typed.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return re.test(cell);
}

function compare(a: Cell | undefined, b: Cell | undefined): number {
  const missing = (v: Cell | undefined) => v === undefined || v === null;
  if (missing(a) || missing(b)) return Number(missing(a)) - Number(missing(b));
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(typeof a === 'object' ? canonicalJson(a) : a).localeCompare(String(typeof b === 'object' ? canonicalJson(b) : b), undefined, { numeric: true });
}

export interface RunsTable {
  columns: string[];
  rows: Row[];
}

/**
 * The rows that pass every --where (ANDed; any setting path or column), sorted by --sort KEY
 * (-KEY descending; missing values last; default: when the trial started), with the settings that
 * vary among them.
 */
export function runsTable(trials: Trial[], query: Query = {}): RunsTable {
  const known = [
    ...new Set([...HEAD, ...trials.flatMap((t) => [...t.settings.keys()]), ...METRICS, ...TAIL, SHARED]),
  ];
  const check = (path: string, option: string) => {
    if (!known.includes(path)) throw new UsageError(`runs: ${option} ${path}: no stored trial has a setting or column of that name${didYouMean(path, known)}`);
  };
  const cell = (t: Trial, path: string) => (t.settings.has(path) ? t.settings.get(path) : t.row[path]);
  let selected = trials;
  for (const w of query.where ?? []) {
    const { path, value } = parseWhere(w);
    check(path, '--where');
    selected = selected.filter((t) => matches(cell(t, path), value));
  }
  const sortKey = query.sort?.replace(/^-/, '');
  if (sortKey !== undefined) check(sortKey, '--sort');
  const dir = query.sort?.startsWith('-') ? -1 : 1;
  selected = [...selected].sort((a, b) => {
    if (sortKey) {
      const c = compare(cell(a, sortKey), cell(b, sortKey));
      const missing = (t: Trial) => cell(t, sortKey) === undefined || cell(t, sortKey) === null;
      if (c) return missing(a) || missing(b) ? c : c * dir;
    }
    return compare(a.row.experiment, b.row.experiment) || compare(a.startedAt, b.startedAt) || compare(a.row.trial, b.row.trial);
  });
  const settings = varyingSettings(selected);
  const metricColumns = METRICS.filter((m) => selected.some((t) => t.row[m] !== undefined && t.row[m] !== null));
  const shared = selected.some((t) => t.row[SHARED] !== undefined && t.row[SHARED] !== null) ? [SHARED] : [];
  const columns = [...HEAD, ...settings, ...metricColumns, ...TAIL.slice(0, -1), ...shared, ...TAIL.slice(-1)];
  const rows = selected.map((t) => Object.fromEntries(columns.map((c) => [c, cell(t, c) ?? null])) as Row);
  return { columns, rows };
}
