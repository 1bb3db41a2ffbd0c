// The final network: the best value of the last search stage retrained (or the stage's own trial
// when the configs are equal), its curves and its accuracy, loss and cost on every split.
import { trainingLength } from '../../config/expand.ts';
import { splitSizes } from '../../config/resolve.ts';
import { curveAxis, curvesSpec } from '../charts.ts';
import { dec, int, md, num, seconds } from '../format.ts';
import { accText, bandRows, PICK, repeatCurves, withBands } from '../repeats.ts';
import type { FinalView } from '../views.ts';
import { NOT_RUN, trainResult, type SectionContext } from './context.ts';
import { lengthText, PATH_LABELS } from './wording.ts';

export function finalSection({ g, exp, plan, finalTrial, addChart }: SectionContext): FinalView | null {
  if (!exp.final) return null;
  if (!finalTrial)
    return {
      run: false,
      text: md(`The final network retrains the best trial of the last search stage once it has finished; ${NOT_RUN}.`),
      figure: null,
      table: null,
    };
  const label = PATH_LABELS[finalTrial.param!] ?? finalTrial.param!;
  const r = trainResult(g, finalTrial);
  const c = finalTrial.config;
  const twin = plan.trials.find((t) => t.hash === finalTrial.hash && t !== finalTrial);
  const L = trainingLength(c);
  const { points: pts, runs } = repeatCurves(g, finalTrial);
  const axis = curveAxis(c.schedule.kind);
  const acc = (pick: (typeof PICK)['test']) => accText(g, finalTrial, pick);
  const text =
    `The best value of stage "${finalTrial.stage}", ${label} = ${num(finalTrial.value)}, retrained on ${int(L.n)} images (validation ${int(splitSizes(c).validation)}) for ${lengthText(c)}, ${int(L.totalSteps)} update steps` +
    (r
      ? ` (${seconds(r.seconds)}): test accuracy ${acc(PICK.test)}, validation ${acc(PICK.validation)}${finalTrial.repeats > 1 ? ` (mean ± sd over ${finalTrial.repeats} seeds)` : ''}.`
      : `; ${NOT_RUN}.`) +
    (twin
      ? ` Its configuration is that of ${twin.id} (the stage already trained the best value this long on these data), so that trial is the final network.`
      : '');
  return {
    run: !!r,
    text: md(text),
    figure: pts.length
      ? addChart(
          'curves-final',
          `Final network (${label} = ${num(finalTrial.value)}): cost, loss and accuracy on the training and validation sets${runs.length > 1 ? ` (mean of ${runs.length} seeds, band ±1 sd)` : ''}, and the learning rate, against the ${axis.title}.`,
          withBands(curvesSpec(pts, axis), bandRows(runs, axis)),
        )
      : null,
    table: r
      ? {
          header: ['', 'training', 'validation', 'test'],
          align: ['l', 'r', 'r', 'r'],
          rows: [
            ['accuracy', acc(PICK.train), acc(PICK.validation), acc(PICK.test)],
            ['loss', dec(r.final.train.loss), dec(r.final.validation?.loss), dec(r.final.test?.loss)],
            ['cost', dec(r.final.train.cost), dec(r.final.validation?.cost), dec(r.final.test?.cost)],
          ],
        }
      : null,
  };
}
