// The gradient-check section: per network and tensor, the largest and mean relative error of the
// analytic gradients against centred differences, and a summary naming the worst one and its bound.
import type { GradientCheckTrial } from '../../config/expand.ts';
import type { GradientCheckResult } from '../../store/types.ts';
import { md, num } from '../format.ts';
import type { GradientCheckView } from '../views.ts';
import { NOT_RUN, type SectionContext } from './context.ts';

/** 1.23e-7: three significant digits, no padded exponent. */
function sci(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const [m, e] = x.toExponential(2).split('e');
  return `${m}e${Number(e)}`;
}

export function gradientCheckSection({ g, exp, plan }: SectionContext): GradientCheckView | null {
  const gcTrials = plan.trials.filter((t): t is GradientCheckTrial => t.kind === 'gradient_check');
  if (!gcTrials.length) return null;
  const rows: string[][] = [];
  let worst: { v: number; where: string } | null = null;
  let kinks = 0;
  for (const t of gcTrials) {
    const r = g.result(t.hash) as GradientCheckResult | undefined;
    const net = `${t.config.network.hidden.length + 1}-layer${t.config.network.hidden.length ? ` [${t.config.network.hidden.join(', ')}]` : ''}${t.config.network.batch_norm ? ' with BN' : ''}`;
    if (!r) {
      rows.push([md(net), '–', NOT_RUN, '', '']);
      continue;
    }
    for (const row of r.rows) {
      rows.push([md(net), md(row.tensor), sci(row.maxRel), sci(row.meanRel), sci(row.maxAbs)]);
      kinks += row.kinks ?? 0;
      if (!worst || row.maxRel > worst.v) worst = { v: row.maxRel, where: `${row.tensor} of the ${net} network` };
    }
  }
  const gc = exp.gradientCheck!;
  const bound = worst
    ? 10 ** Math.ceil(Math.log10(Math.max(worst.v, 1e-300)) + (Number.isInteger(Math.log10(worst.v)) ? 1 : 0))
    : null;
  const summary = md(
    `Analytic gradients against centred differences (h = ${num(gc.h)}) on ${gc.samples} samples and the first ${gc.dims} input dimensions, λ = ${num(gc.lambda)}; relative error |g_a − g_n| / max(ε, |g_a| + |g_n|).` +
      (worst
        ? ` The largest relative error is ${sci(worst.v)} (${worst.where}): every relative error is below ${sci(bound!)}.`
        : '') +
      (kinks
        ? ` ${kinks} ${kinks === 1 ? 'entry was' : 'entries were'} not compared: a ReLU kink lies within ±h of ${kinks === 1 ? 'it' : 'them'}, so the difference quotient is not a derivative there.`
        : ''),
  );
  return {
    tables: [
      {
        title: '',
        table: {
          header: ['network', 'tensor', 'max relative error', 'mean relative error', 'max absolute error'],
          align: ['l', 'l', 'r', 'r', 'r'],
          rows,
        },
      },
    ],
    summary,
  };
}
