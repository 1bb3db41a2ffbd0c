// `nnlab report FILE`: renders reports/<experiment>/ from the run store, without training.
import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.ts';

const HELP = `usage: nnlab report FILE [options]

Renders reports/<experiment>/report.md (tables, charts in assets/), report.html (the same sections
with interactive charts and sortable tables, one file that opens offline) and report.pdf from the
results stored in the run store (runs/<experiment>/, or $NNLAB_RUNS). Trains nothing: trials not
run yet are marked in the report.

options:
  --set PATH=VALUE   override a setting as in nnlab run (selects the trials that config expects); repeatable
  --no-pdf           write the Markdown and charts only
  --out DIR          reports folder (default: reports/ beside experiments/)`;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        set: { type: 'string', multiple: true },
        'no-pdf': { type: 'boolean' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(`report: ${(err as Error).message}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`report: give one experiment file, e.g. nnlab report experiments/assignment3-bn.yaml\n\n${HELP}`);
  const file = positionals[0];
  const { writeReport, NoRunsError, reportLine } = await import('../../report/index.ts');
  try {
    const out = await writeReport(file, { set: values.set, pdf: values['no-pdf'] ? false : undefined, outDir: values.out, log: (l) => console.error(l) });
    if (out.missing.length) console.error(`nnlab: ${out.missing.length} trial${out.missing.length === 1 ? ' is' : 's are'} not run yet (marked in the report): ${out.missing.join(', ')}; \`nnlab run ${file}\` trains them`);
    console.log(reportLine(out));
    return 0;
  } catch (err) {
    if (err instanceof NoRunsError) {
      console.error(`nnlab: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
