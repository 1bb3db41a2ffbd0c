// `nnlab runs [FILE…]`: lists stored trials, one row each, with only the settings that vary among
// them (src/runs/table.ts), as a table, CSV or JSON (src/runs/format.ts).
import { resolve } from 'node:path';
import type { Args } from '../args.ts';
import type { Format } from '../../runs/format.ts';

export async function run(args: Args): Promise<number> {
  const { formatRuns } = await import('../../runs/format.ts');
  const format = (args.string('format') ?? 'table') as Format;
  const where = args.strings('where');
  const { readTrials, runsTable, storedExperiments } = await import('../../runs/table.ts');
  const { runsDir } = await import('../../store/store.ts');

  const trials = [];
  if (args.positionals.length) {
    const { resolveExperiment } = await import('../../config/resolve.ts');
    for (const file of args.positionals) {
      const exp = resolveExperiment(file);
      const { name } = exp;
      const found = readTrials(runsDir(file), name, exp);
      if (!found.length) {
        console.error(
          `nnlab: no stored trials for "${name}" in ${resolve(runsDir(file), name)}; train them with: nnlab run ${file}`,
        );
        return 1;
      }
      trials.push(...found);
    }
  } else {
    const root = resolve(process.env.NNLAB_RUNS ?? 'runs');
    for (const name of storedExperiments(root)) trials.push(...readTrials(root, name));
    if (!trials.length) {
      console.error(
        `nnlab: no stored trials in ${root}; run an experiment first (nnlab run FILE), or name its file: nnlab runs FILE`,
      );
      return 1;
    }
  }
  const table = runsTable(trials, { where, sort: args.string('sort') });
  if (!table.rows.length && format === 'table')
    console.error(`nnlab: no stored trial matches ${where!.map((w) => `--where ${w}`).join(' ')}`);
  else process.stdout.write(formatRuns(table, format));
  return 0;
}
