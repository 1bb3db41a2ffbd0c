// Checks the verdicts of rendered reports against scipy.stats on the stored per-seed values (issue 22):
//   node --import tsx test/stats/check-report-verdicts.ts RUNS_DIR OUT_DIR experiments/a.yaml …
// For each experiment it reads the store as the report does, sends every pair of variants' stored
// per-seed test/validation accuracies to scipy (ttest_rel when the stored seeds match one to one,
// else ttest_ind(equal_var=False); CIs from t.ppf), words scipy's numbers as the report would, and
// requires every verdict in OUT_DIR/<name>/report.md to be one of them. Needs /usr/bin/python3 with
// scipy; not part of `npm test` (it needs a trained store). Exit 1 on any verdict scipy disagrees with.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainTrial } from '../../src/config/expand.ts';
import { gather } from '../../src/report/gather.ts';
import { compareRepeatsOf, PICK, repeatValues } from '../../src/report/repeats.ts';
import { describe, pairBySeed, type Comparison } from '../../src/stats/t-test.ts';
import { POINTS, verdictText } from '../../src/stats/verdict.ts';

const SCIPY = `
import json, math, sys
from scipy import stats
out = []
for c in json.load(sys.stdin):
    a, b, alpha = c["a"], c["b"], c["alpha"]
    if c["paired"]:
        r = stats.ttest_rel(b, a)
        ci = r.confidence_interval(1 - alpha)
        out.append({"t": float(r.statistic), "p": float(r.pvalue), "df": float(r.df), "ci": [float(ci.low), float(ci.high)]})
    else:
        r = stats.ttest_ind(b, a, equal_var=False)
        va, vb = stats.tvar(a) / len(a), stats.tvar(b) / len(b)
        se = math.sqrt(va + vb)
        df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
        d = sum(b) / len(b) - sum(a) / len(a)
        h = stats.t.ppf(1 - alpha / 2, df) * se
        out.append({"t": float(r.statistic), "p": float(r.pvalue), "df": df, "ci": [d - h, d + h]})
json.dump(out, sys.stdout)
`;

const [runsDir, outDir, ...files] = process.argv.slice(2);
if (!runsDir || !outDir || !files.length) {
  console.error('usage: node --import tsx test/stats/check-report-verdicts.ts RUNS_DIR OUT_DIR experiments/a.yaml …');
  process.exit(2);
}

let failures = 0;
for (const file of files) {
  const g = gather(file, { runsDir });
  const alpha = g.exp.report.alpha;
  const variants = g.plan.trials.filter(
    (t): t is TrainTrial => t.kind === 'train' && t.role === 'variant' && t.repeat === 1 && t.repeats > 1,
  );
  // Every ordered pair of variants with repeats, on both splits: the report's comparisons are among them.
  const cases: { a: number[]; b: number[]; paired: boolean; alpha: number; ours: Comparison }[] = [];
  for (const ta of variants)
    for (const tb of variants) {
      if (ta === tb) continue;
      for (const split of ['test', 'validation'] as const) {
        const ours = compareRepeatsOf(g, ta, tb, split);
        if (!ours?.result) continue;
        const ra = repeatValues(g, ta, PICK[split]).filter((r) => !r.diverged);
        const rb = repeatValues(g, tb, PICK[split]).filter((r) => !r.diverged);
        const pairs = pairBySeed(ra, rb);
        cases.push({
          a: pairs ? pairs.map(([x]) => x) : ra.map((r) => r.value),
          b: pairs ? pairs.map(([, y]) => y) : rb.map((r) => r.value),
          paired: !!pairs,
          alpha,
          ours,
        });
      }
    }
  const run = spawnSync('/usr/bin/python3', ['-c', SCIPY], {
    input: JSON.stringify(cases.map(({ a, b, paired }) => ({ a, b, paired, alpha }))),
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`scipy failed: ${run.stderr}`);
  const ref = JSON.parse(run.stdout) as { t: number; p: number; df: number; ci: [number, number] }[];
  const scipyTexts = new Set<string>();
  let worst = 0;
  cases.forEach((c, i) => {
    const r = ref[i];
    worst = Math.max(worst, Math.abs(c.ours.result!.p - r.p) / r.p);
    // scipy's numbers worded as the report words its own.
    const worded: Comparison = {
      ...c.ours,
      a: describe(c.a)!,
      b: describe(c.b)!,
      difference: describe(c.b)!.mean - describe(c.a)!.mean,
      outcome: r.p < alpha ? 'beyond' : 'within',
      result: { ...c.ours.result!, t: r.t, p: r.p, df: r.df, ci: r.ci },
    };
    scipyTexts.add(verdictText(worded, POINTS).replace(/;.*diverged.*$/, ''));
  });
  const report = readFileSync(join(outDir, g.exp.name, 'report.md'), 'utf8');
  const verdicts = [
    ...report.matchAll(/[+−]\d+\.\d+ points \(\d+% CI [^)]*\): (?:beyond|within) the noise of the repeats/g),
  ].map((m) => m[0]);
  // Every verdict, also those without a test (one run, identical, no variation), must have been read.
  const said = (
    report.match(/noise of the repeats|no noise estimate|no difference \(|no seed-to-seed variation/g) ?? []
  ).length;
  const unmatched = verdicts.filter((v) => !scipyTexts.has(v));
  if (said !== verdicts.length) {
    console.log(`  ${said - verdicts.length} verdicts without a t-test (not checked against scipy)`);
    failures += said - verdicts.length;
  }
  failures += unmatched.length;
  console.log(
    `${g.exp.name}: ${verdicts.length} verdicts in report.md, ${verdicts.length - unmatched.length} worded identically from scipy's numbers on the stored per-seed values (${cases.length} pairs checked, largest relative p difference ${worst.toExponential(1)})`,
  );
  for (const v of unmatched) console.log(`  NOT from scipy: ${v}`);
}
process.exit(failures ? 1 : 0);
