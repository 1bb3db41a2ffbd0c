// What `nnlab run --only NAME…` runs: the names selected and everything they depend on (the LR range
// test a schedule.from names, the stage a stage or the final draws from), and which planned trials
// and pending entries belong to them. Planning is expand.ts's; the run loop is src/runner/run.ts's.
import { UsageError } from '../errors.ts';
import { didYouMean } from './messages.ts';
import { override, stageConfig, type ResolvedExperiment } from './resolve.ts';
import type { Plan, Trial } from './expand.ts';

/** A name the selection brings in: `also runs NAME: BY WHY`. */
export interface Brought {
  name: string;
  by: string;
  why: string;
}

export interface Selection {
  /** Every name that runs: those asked for and what they need; all names without --only. */
  names: Set<string>;
  /** The names brought in for others, in the order found (dependencies after what needs them). */
  brought: Brought[];
  has(trial: Trial): boolean;
  hasPending(entry: { id: string }): boolean;
}

/** The --only name a trial or a pending entry (`variant/NAME`, `search/NAME`, `final`) belongs to. */
export function selectorOf(x: Trial | { id: string }): string {
  if ('kind' in x) {
    if (x.kind === 'gradient_check') return 'gradient-check';
    if (x.role === 'search') return x.stage!;
    if (x.role === 'final') return 'final';
    return x.variant;
  }
  return x.id === 'final' ? 'final' : x.id.replace(/^(variant|search)\//, '');
}

/** The names --only accepts: variants, search stages, 'final', 'gradient-check'. */
export function selectableNames(exp: ResolvedExperiment): string[] {
  return [
    ...exp.variants.map((v) => v.name),
    ...exp.searches.map((s) => s.name),
    ...(exp.final ? ['final'] : []),
    ...(exp.gradientCheck ? ['gradient-check'] : []),
  ];
}

/** What a name needs planned and trained first, with why (the text after "NAME "). */
export function needs(exp: ResolvedExperiment, name: string): { name: string; why: string }[] {
  const out: { name: string; why: string }[] = [];
  const lrTest = (from: string | undefined) =>
    from !== undefined && out.push({ name: from, why: 'takes its η bounds from it' });
  const variant = exp.variants.find((v) => v.name === name);
  // An LR range test ignores schedule.from (expand.ts's handOver).
  if (variant && variant.config.schedule.kind !== 'lr_range') lrTest(variant.config.schedule.from);
  const stage = exp.searches.find((s) => s.name === name);
  if (stage) {
    const config = stageConfig(exp, stage);
    if (config.schedule.kind !== 'lr_range') lrTest(config.schedule.from);
    if (stage.from)
      out.push({
        name: stage.from.stage,
        why: `takes its range from its best ${stage.from.best} trial${stage.from.best === 1 ? '' : 's'}`,
      });
  }
  if (name === 'final' && exp.final) {
    const from = exp.final.from ?? exp.searches.at(-1)!.name;
    out.push({ name: from, why: 'retrains its best trial' });
    const stageOf = exp.searches.find((s) => s.name === from)!;
    const config = override(stageConfig(exp, stageOf), exp.final.set ?? {});
    if (config.schedule.kind !== 'lr_range' && config.schedule.from !== stageConfig(exp, stageOf).schedule.from)
      lrTest(config.schedule.from);
  }
  return out;
}

/** The selection of `--only` (every name when `only` is empty); a name the file does not define is a usage error. */
export function selectOnly(exp: ResolvedExperiment, only: string[] | undefined): Selection {
  const all = selectableNames(exp);
  for (const n of only ?? [])
    if (!all.includes(n))
      throw new UsageError(
        `run: --only ${n}: ${exp.file} has no variant or stage of that name${didYouMean(n, all)} (its names: ${all.join(', ')})`,
      );
  const names = new Set(only?.length ? only : all);
  const brought: Brought[] = [];
  // Breadth first, so each name brought in is named with the first selected name that needs it.
  const queue = [...names];
  while (queue.length) {
    const by = queue.shift()!;
    for (const d of needs(exp, by)) {
      if (names.has(d.name)) continue;
      names.add(d.name);
      brought.push({ name: d.name, by, why: d.why });
      queue.push(d.name);
    }
  }
  return {
    names,
    brought,
    has: (t) => names.has(selectorOf(t)),
    hasPending: (p) => names.has(selectorOf(p)),
  };
}

/** The line the plan prints for a name brought in. */
export function broughtLine(b: Brought): string {
  return `also runs ${b.name}: ${b.by} ${b.why}`;
}

/**
 * The selected pending entries that no training can plan any more: every name they need is planned
 * (not pending itself) and each of its trials `done` (stored; or, after a run, settled), and still
 * they wait; or a name they need is such an entry itself. `needs` lists what each needs (the reason
 * is the caller's, who knows the store).
 */
export function blocked(
  exp: ResolvedExperiment,
  plan: Plan,
  selection: Selection,
  done: (t: Trial) => boolean,
): { id: string; needs: string[] }[] {
  const pendingNames = new Set(plan.pending.map(selectorOf));
  const settled = (n: string) => {
    const trials = plan.trials.filter((t) => selectorOf(t) === n);
    return !pendingNames.has(n) && trials.length > 0 && trials.every(done);
  };
  const entries = plan.pending
    .filter((p) => selection.hasPending(p))
    .map((p) => ({ id: p.id, name: selectorOf(p), needs: needs(exp, selectorOf(p)).map((d) => d.name) }));
  const stuck = new Set<string>();
  // Until nothing changes: an entry waiting on settled names, or on an entry that cannot run.
  for (let size = -1; size !== stuck.size;) {
    size = stuck.size;
    for (const e of entries)
      if (e.needs.length && (e.needs.every(settled) || e.needs.some((n) => stuck.has(n)))) stuck.add(e.name);
  }
  return entries.filter((e) => stuck.has(e.name)).map(({ id, needs }) => ({ id, needs }));
}
