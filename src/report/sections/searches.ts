// The searches, one view per searched parameter: per stage the range it sampled, how each value
// trained, a table of the values in the store's ranking (store/rank.ts) and the best one; and one
// chart of validation accuracy against the parameter across the stages.
import { trainingLength, type TrainTrial } from '../../config/expand.ts';
import { splitSizes } from '../../config/resolve.ts';
import { rankStage } from '../../store/rank.ts';
import { searchSpec } from '../charts.ts';
import { int, md, num, seconds, slug } from '../format.ts';
import { accText, PICK, repeatSpread, spreadText } from '../repeats.ts';
import type { SearchView, StageView } from '../views.ts';
import { NOT_RUN, trainResult, type SectionContext } from './context.ts';
import { layers, lengthText, PATH_LABELS } from './wording.ts';

type Stage = SectionContext['plan']['stages'][number];
type Point = { stage: string; value: number; accuracy: number };

function rangeText(s: Stage, label: string): string {
  const how =
    s.kind === 'grid'
      ? `a grid of ${s.trials} values`
      : `${s.trials} values drawn ${s.distribution === 'log_uniform' ? 'log-uniformly' : s.distribution === 'uniform' ? 'uniformly' : 'from a list'}`;
  if (s.pending)
    return `${label}: range derived from the best ${s.from!.best} trials of stage "${s.from!.stage}" once that stage has finished.`;
  if (s.from)
    return `${label}: ${how} from [${num(s.range![0])}, ${num(s.range![1])}], the range spanned by the best ${s.from.best} values of stage "${s.from.stage}" (${s.from.bestValues.map(num).join(', ')})${s.from.widen !== 1 ? `, widened ×${num(s.from.widen)}` : ''}.`;
  if (s.range) return `${label}: ${how} from [${num(s.range[0])}, ${num(s.range[1])}].`;
  return `${label}: ${how}: ${(s.values ?? []).map(num).join(', ')}.`;
}

/** One stage's view; the values it ranked are added to `points` for the search's chart. */
function stageView({ g, plan }: SectionContext, s: Stage, label: string, points: Point[]): StageView {
  const trials = plan.trials.filter(
    (t): t is TrainTrial => t.kind === 'train' && t.role === 'search' && t.stage === s.name,
  );
  // One row per value: its first repeat stands for it, in the store's ranking (by the mean of its repeats).
  const ranking = rankStage(trials, (t) => trainResult(g, t));
  const rankOf = (t: TrainTrial) => ranking.find((x) => x.trial.index === t.index);
  const rows = trials
    .filter((t) => t.repeat === 1)
    .map((t) => ({ t, r: trainResult(g, t), val: repeatSpread(g, t, PICK.validation), rank: rankOf(t) }));
  const position = (x: (typeof rows)[number]) => (x.rank ? ranking.indexOf(x.rank) : ranking.length);
  const ranked = rows.filter((x) => x.r).sort((a, b) => position(a) - position(b));
  for (const { t, val, rank } of ranked)
    if (typeof t.value === 'number' && val && rank?.rank)
      points.push({ stage: s.name, value: t.value, accuracy: val.mean });
  const tableRows = ranked.map(({ t, r, val, rank }) => [
    rank?.rank ? String(rank.rank) : '–',
    md(num(t.value)),
    spreadText(val, t.repeats),
    accText(g, t, PICK.test),
    seconds(repeatSpread(g, t, PICK.seconds)?.mean),
    r!.status === 'ok' ? '' : 'diverged',
  ]);
  for (const { t } of rows.filter((x) => !x.r)) tableRows.push(['–', md(num(t.value)), NOT_RUN, '', '', '']);
  let training = '';
  if (trials[0]) {
    const c = trials[0].config;
    const L = trainingLength(c);
    training = `Each value of the ${layers(c)} network${c.model.batch_norm ? ' with BN' : ''} trained for ${lengthText(c)} (${int(L.totalSteps)} update steps) on ${int(L.n)} images, validated on ${int(splitSizes(c).validation)}.`;
  }
  const top = ranked[0]?.rank?.rank === 1 ? ranked[0] : undefined;
  const best =
    top && top.val
      ? `Best: ${label} = ${num(top.t.value)} with ${spreadText(top.val, top.t.repeats)} validation accuracy${top.t.repeats > 1 ? ' (mean ± sd of its repeats)' : ''}.`
      : '';
  return {
    name: md(s.name),
    param: md(label),
    range: md(rangeText(s, label)),
    training: md(training),
    pending: s.pending
      ? md(`Stage "${s.name}" is planned once stage "${s.from!.stage}" has finished; ${NOT_RUN}.`)
      : '',
    table: {
      header: ['rank', md(label), 'validation acc.', 'test acc.', 'time', ''],
      align: ['r', 'r', 'r', 'r', 'r', 'l'],
      rows: tableRows,
    },
    best: md(best),
  };
}

export function searchSections(ctx: SectionContext): SearchView[] {
  const { plan, addChart } = ctx;
  return [...new Set(plan.stages.map((s) => s.param))].map((param) => {
    const stages = plan.stages.filter((s) => s.param === param);
    const label = PATH_LABELS[param] ?? param;
    const points: Point[] = [];
    const views = stages.map((s) => stageView(ctx, s, label, points));
    const log = stages.some((s) => s.distribution === 'log_uniform');
    const figure = points.length
      ? addChart(
          `search-${slug(param)}`,
          `The ${label} search: validation accuracy against ${label}${log ? ' (log scale)' : ''}, one colour and shape per stage.`,
          searchSpec(
            points,
            label,
            log,
            stages.map((s) => s.name),
          ),
        )
      : null;
    return { param: md(label), stages: views, figure };
  });
}
