// What the watch page shows at a moment: the run's phase, one row per trial (state, progress,
// validation accuracy) and one chart of every trial's curves so far — the report's overlay chart
// (charts.ts), fed with stored curves for finished trials and progress points for running ones.
import type { CurvePoint } from '../engine/index.ts';
import { curveAxis, overlaySpec } from '../report/charts.ts';
import { interactiveVega } from '../report/interactive.ts';
import type { RunStore } from '../store/store.ts';
import type { LiveState, LiveTrial } from './live.ts';

/** waiting: no run of the experiment in progress yet; stopped: its process went away mid-run. */
export type Phase = 'waiting' | LiveState['state'] | 'stopped';

export interface TrialRow {
  id: string;
  hash: string;
  status: string;
  step: number | null;
  totalSteps: number | null;
  validationAccuracy: number | null;
}

export interface WatchView {
  experiment: string;
  file: string;
  phase: Phase;
  message: string;
  trials: TrialRow[];
  chart: unknown | null;
  /** The report is ready at /report. */
  report: boolean;
}

const MESSAGES: Record<Phase, (file: string) => string> = {
  waiting: (file) => `Waiting for a run: start it with nnlab run ${file}`,
  running: () => 'Running',
  finished: () => 'Finished',
  interrupted: () => 'Interrupted: finished trials are kept; run again to resume',
  failed: () => 'The run failed; its trials that finished are kept',
  stopped: () => 'The run stopped without finishing (its process is gone); run again to resume',
};

/** A progress point as a curve point: only the accuracies and η are known while a trial runs. */
function asCurve(p: NonNullable<LiveTrial['points']>[number]): CurvePoint {
  const m = (accuracy: number | undefined) => ({ accuracy: accuracy ?? NaN, loss: NaN, cost: NaN });
  return {
    step: p.step,
    epoch: NaN,
    eta: p.eta ?? NaN,
    train: m(p.train),
    ...(p.validation !== undefined ? { validation: m(p.validation) } : {}),
  } as CurvePoint;
}

export async function watchView(
  phase: Phase,
  experiment: string,
  file: string,
  live: LiveState | null,
  store: Pick<RunStore, 'read'>,
): Promise<WatchView> {
  const trials = live?.trials ?? [];
  const series: { variant: string; points: CurvePoint[] }[] = [];
  const rows: TrialRow[] = [];
  for (const t of trials) {
    const stored =
      t.status === 'trained' || t.status === 'cached' || t.status === 'diverged'
        ? store.read({ id: t.id, hash: t.hash })
        : null;
    const r = stored?.result;
    const done = r?.kind === 'train';
    rows.push({
      id: t.id,
      hash: t.hash,
      status: t.status,
      step: done ? r.steps : (t.step ?? null),
      totalSteps: done ? r.totalSteps : (t.totalSteps ?? null),
      validationAccuracy: done ? (r.final.validation?.accuracy ?? null) : (t.validationAccuracy ?? null),
    });
    const points = stored ? stored.curves() : (t.points ?? []).map(asCurve);
    if (points.length) series.push({ variant: t.id, points });
  }
  const chart = series.length ? await interactiveVega(overlaySpec(series, curveAxis('cyclic'))) : null;
  return {
    experiment,
    file,
    phase,
    message: MESSAGES[phase](file),
    trials: rows,
    chart,
    report: Boolean(live?.report) && phase === 'finished',
  };
}
