// What `nnlab run` prints from the store: the ranked table of each search stage and the final's
// accuracies after a run, and the plan of a dry run. The ranking rule is the store's (rank.ts).
import { trainingLength, type Plan, type TrainTrial } from '../config/expand.ts';
import type { ResolvedExperiment } from '../config/resolve.ts';
import { configDifferences } from '../config/walk.ts';
import { rankStage } from '../store/rank.ts';
import type { RunStore, TrainResult } from '../store/store.ts';
import { repeatsOf } from '../config/repeats.ts';
import { spread } from './repeat-stats.ts';
import { describeMemory, trialMemory, type memoryLimit } from './memory.ts';
import { formatBytes } from '../engine/memory.ts';

function pct(x: number | undefined): string {
  return x === undefined ? '–' : `${(x * 100).toFixed(2)}%`;
}

/** Ranked table of each search stage (planned trials without a result named as such), and the final trial's accuracies. */
export function printStageTables(plan: Plan, store: RunStore, log: (l: string) => void): void {
  const result = (t: TrainTrial) => store.read(t)?.result as TrainResult | undefined;
  for (const stage of plan.stages) {
    const trials = plan.trials.filter(
      (t): t is TrainTrial => t.kind === 'train' && t.role === 'search' && t.stage === stage.name,
    );
    if (!trials.length) continue;
    // One row per value: its first entry in the store's ranking (a scored repeat before a diverged
    // one), with the value's score (mean validation accuracy of its repeats) and mean test accuracy.
    const all = rankStage(trials, result);
    const ranked = all.filter((x, i) => all.findIndex((y) => y.trial.index === x.trial.index) === i);
    const meanTest = (t: TrainTrial) =>
      spread(
        repeatsOf(plan.trials, t)
          .map((x) => result(x as TrainTrial))
          .map((r) => (r?.kind === 'train' && r.status === 'ok' ? r.final.test?.accuracy : undefined)),
      )?.mean;
    const range = stage.range
      ? ` over [${stage.range[0]}, ${stage.range[1]}]${stage.from ? ` (from the best ${stage.from.best} of "${stage.from.stage}", widened ×${stage.from.widen})` : ''}`
      : '';
    log(
      `\nSearch "${stage.name}": ${stage.param}${range}${stage.repeats > 1 ? ` (accuracies: means of ${stage.repeats} repeats)` : ''}`,
    );
    log(`  rank  ${stage.param.padEnd(16)}  val acc   test acc  trial`);
    for (const { trial: t, result: r, rank, score } of ranked) {
      log(
        `  ${String(rank ?? '–').padStart(4)}  ${String(t.value).padEnd(16)}  ${pct(score ?? r.final.validation?.accuracy).padStart(7)}  ${pct(meanTest(t) ?? r.final.test?.accuracy).padStart(8)}  ${t.hash}${r.status === 'diverged' ? ' (diverged)' : ''}`,
      );
    }
    for (const t of trials.filter((t) => t.repeat === 1 && !ranked.some((x) => x.trial.index === t.index))) {
      log(
        `  ${'–'.padStart(4)}  ${String(t.value).padEnd(16)}  ${(store.failed(t.hash) ? 'failed' : 'not stored').padEnd(17)}  ${t.hash}`,
      );
    }
  }
  const final = plan.trials.find((t): t is TrainTrial => t.kind === 'train' && t.role === 'final');
  const r = final && result(final);
  if (final && r) {
    log(
      `\nFinal: ${final.param} = ${final.value}, trained ${trainingLength(final.config).totalSteps} steps: validation ${pct(r.final.validation?.accuracy)}, test ${pct(r.final.test?.accuracy)}`,
    );
  }
}

/** The dry run's list: every planned trial, whether the store holds it (cheap check, nothing moved), how it differs from the base. */
export function printPlan(
  exp: ResolvedExperiment,
  plan: Plan,
  store: RunStore,
  log: (l: string) => void,
  noData: boolean,
  limit: ReturnType<typeof memoryLimit>,
  notes: string[] = [],
  blocked: { id: string; reason: string }[] = [],
): void {
  log(
    `${exp.file}: ${plan.trials.length} trial${plan.trials.length === 1 ? '' : 's'} planned${plan.pending.length ? `, ${plan.pending.length} planned once earlier stages finish` : ''}${blocked.length ? `, ${blocked.length} cannot run` : ''}`,
  );
  for (const n of notes) log(n);
  if (noData) log('(data not installed: hashes computed without a data fingerprint, they will differ once it is)');
  log(`memory: each trial's estimated peak; the limit is ${limit.what}, ${formatBytes(limit.bytes)}`);
  for (const t of plan.trials) {
    const s = store.check(t.hash);
    const status =
      s.state === 'stored'
        ? 'cached'
        : s.state === 'absent'
          ? 'to train'
          : `damaged: ${s.problem}; the run quarantines and retrains it`;
    const diffs =
      t.kind === 'train' ? differences(exp.base, t.config) : [`network ${JSON.stringify(t.config.network)}`];
    const len = t.kind === 'train' ? ` (${trainingLength(t.config).totalSteps} steps)` : '';
    const m = trialMemory(t);
    const kernel = m.kernel ? `first-layer kernel ${m.kernel}, ` : '';
    log(
      `  ${t.hash}  ${t.id}${len}  [${status}]  ${kernel}memory ${describeMemory(m)}${diffs.length ? `\n      ${diffs.join('\n      ')}` : ''}`,
    );
  }
  for (const p of plan.pending) log(`  (later)           ${p.id}: ${p.reason}`);
  for (const b of blocked) log(`  (cannot run)      ${b.id}: ${b.reason}`);
}

/** Dotted paths where `b` differs from `a`, as `path: old → new`; a side without the setting says "unset". */
export function differences(a: unknown, b: unknown): string[] {
  const shown = (side: { value: unknown } | undefined) => (side ? JSON.stringify(side.value) : 'unset');
  return configDifferences(a, b).map((d) => `${d.path}: ${shown(d.a)} → ${shown(d.b)}`);
}
