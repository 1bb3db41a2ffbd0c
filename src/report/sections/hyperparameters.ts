// The hyperparameter table: one row per variant (with the η bounds its LR range test chose, where
// it takes them), per search stage (its first trial's config) and for the final network.
import { trainingLength, type TrainTrial } from '../../config/expand.ts';
import { splitSizes, type TrialConfig } from '../../config/resolve.ts';
import { int, md, num } from '../format.ts';
import type { Table } from '../views.ts';
import { variantTrial, type SectionContext } from './context.ts';

const HYPER_HEADER = [
  'run',
  'hidden',
  'BN',
  'init',
  'λ',
  'batch',
  'schedule',
  'η',
  'n_s',
  'steps',
  'cycles',
  'epochs',
  'train / val images',
];

function initText(c: TrialConfig): string {
  return c.model.init === 'normal'
    ? `N(0, ${num(c.model.init_sigma)}²)`
    : c.model.init === 'he'
      ? 'He'
      : c.model.init === 'fan_in'
        ? '1/√fan-in'
        : c.model.init;
}

function scheduleText(c: TrialConfig): { kind: string; eta: string } {
  const s = c.schedule;
  switch (s.kind) {
    case 'constant':
      return { kind: 'constant', eta: num(s.eta) };
    case 'step':
      return { kind: `step ×${num(s.factor)} every ${num(s.every)} epochs`, eta: num(s.eta) };
    case 'cyclic':
      return { kind: `cyclic (${s.policy})`, eta: `${num(s.eta_min)} – ${num(s.eta_max)}` };
    case 'lr_range':
      return { kind: `LR range test (${s.curve})`, eta: `${num(s.eta_min)} → ${num(s.eta_max)}` };
  }
}

/** One row of the hyperparameter table. */
function hyperRow(label: string, c: TrialConfig, searched?: string): string[] {
  const L = trainingLength(c);
  const sizes = splitSizes(c);
  const sch = scheduleText(c);
  const cycles = L.stepSize ? num(Number((L.totalSteps / (2 * L.stepSize)).toFixed(2))) : '–';
  const lambda = searched === 'training.lambda' ? 'searched' : num(c.training.lambda);
  return [
    label,
    c.model.hidden.length ? md(c.model.hidden.join(', ')) : 'none',
    c.model.batch_norm ? 'yes' : 'no',
    md(initText(c)),
    lambda,
    String(c.training.batch_size),
    md(sch.kind),
    md(sch.eta),
    L.stepSize ? int(L.stepSize) : '–',
    int(L.totalSteps),
    cycles,
    num(Number(L.epochs.toFixed(2))),
    `${int(sizes.train)} / ${int(sizes.validation)}`,
  ];
}

export function hyperparameterTable({ g, exp, plan, finalTrial }: SectionContext): Table {
  const rows: string[][] = exp.variants.map((v) => hyperRow(md(v.name), variantTrial(g, v.name)?.config ?? v.config));
  for (const s of plan.stages) {
    const first = plan.trials.find(
      (t): t is TrainTrial => t.kind === 'train' && t.role === 'search' && t.stage === s.name,
    );
    if (first) rows.push(hyperRow(md(`search ${s.name}`), first.config, s.param));
  }
  if (finalTrial) rows.push(hyperRow('final', finalTrial.config));
  return { header: HYPER_HEADER, align: ['l', 'l', 'l', 'l', 'r', 'r', 'l', 'l', 'r', 'r', 'r', 'r', 'r'], rows };
}
