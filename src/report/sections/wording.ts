// Phrases several report sections share: a setting named the way the report names it (λ, η_min,
// "with batch normalization"), a network's depth, a training length, lists joined in prose.
import { trainingLength } from '../../config/expand.ts';
import type { TrialConfig } from '../../config/resolve.ts';
import { num, plural } from '../format.ts';

/** Short names of the settings a report talks about; any other setting shows its dotted path. */
export const PATH_LABELS: Record<string, string> = {
  'training.lambda': 'λ',
  'schedule.eta': 'η',
  'schedule.eta_min': 'η_min',
  'schedule.eta_max': 'η_max',
  'schedule.step_size': 'n_s',
  'model.init_sigma': 'σ',
  'training.cycles': 'cycles',
  'training.epochs': 'epochs',
  'training.batch_size': 'batch size',
  'model.dropout': 'dropout',
};

/** "λ = 0.1", "with batch normalization", "the 9-layer network". */
export function settingText(path: string, value: unknown): string {
  if (path === 'model.batch_norm') return value ? 'with batch normalization' : 'without batch normalization';
  if (path === 'model.hidden') return `the ${(value as number[]).length + 1}-layer network`;
  if (path === 'schedule.from') return value ? `η bounds from the LR range test ${value}` : 'η bounds as written';
  const label = PATH_LABELS[path] ?? path;
  // A setting one of the compared trials does not have (holdout against named parts) is unset.
  if (value === undefined || value === null) return `${label} unset`;
  return `${label} = ${typeof value === 'number' ? num(value) : Array.isArray(value) ? `[${value.join(', ')}]` : String(value)}`;
}

export function layers(c: TrialConfig): string {
  return `${c.model.hidden.length + 1}-layer`;
}

/** "2 cycles with n_s = 2250", or "40 epochs". */
export function lengthText(c: TrialConfig): string {
  const L = trainingLength(c);
  return L.stepSize
    ? `${plural(Number((L.totalSteps / (2 * L.stepSize)).toFixed(2)), 'cycle')} with n_s = ${L.stepSize}`
    : plural(Number(L.epochs.toFixed(2)), 'epoch');
}

export function joinList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** " (chance level)" after an accuracy within 2 points of guessing. */
export function chance(acc: number, classes: number): string {
  return acc < 1 / classes + 0.02 ? ' (chance level)' : '';
}

/** Upper-cases a leading ASCII letter only (σ stays σ). */
export function capitalize(s: string): string {
  return /^[a-z]/.test(s) ? s[0].toUpperCase() + s.slice(1) : s;
}
