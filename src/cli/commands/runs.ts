// `nnlab runs [FILE…]`: lists stored trials, one row each, with only the settings that vary among
// them (src/runs/table.ts), as a table, CSV or JSON (src/runs/format.ts).
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { UsageError } from '../../errors.ts';

const HELP = `usage: nnlab runs [FILE…] [options]

Lists the trials stored in the run store, one row each: the experiment, the trial, the settings
that differ among the rows (dotted paths of the trial's config), its accuracies, validation loss
(gradient checks: the largest relative error), seconds, status (ok, diverged, failed) and hash.
With FILEs, the trials of those experiments; without, of every experiment in $NNLAB_RUNS (else ./runs).

options:
  --format table|csv|json   output (default table); csv and json give raw numbers for export
  --where KEY=VALUE         keep rows whose setting or column KEY equals VALUE (numbers compare as
                            numbers, * matches any text); repeatable, all must hold
  --sort KEY                sort by KEY; --sort -KEY sorts descending (default: by start time)`;

export async function run(argv: string[]): Promise<number> {
  // `--sort -KEY` reads as two options to parseArgs: join it to `--sort=-KEY`.
  const args = argv.flatMap((a, i) => (a === '--sort' && argv[i + 1]?.startsWith('-') ? [] : argv[i - 1] === '--sort' && a.startsWith('-') ? [`--sort=${a}`] : [a]));
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        format: { type: 'string', default: 'table' },
        where: { type: 'string', multiple: true },
        sort: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(`runs: ${(err as Error).message}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const { FORMATS, formatRuns } = await import('../../runs/format.ts');
  const format = values.format as (typeof FORMATS)[number];
  if (!FORMATS.includes(format)) throw new UsageError(`runs: --format must be one of ${FORMATS.join(', ')}; got "${values.format}"`);
  const { readTrials, runsTable, storedExperiments } = await import('../../runs/table.ts');
  const { runsDir } = await import('../../store/store.ts');

  const trials = [];
  if (positionals.length) {
    const { resolveExperiment } = await import('../../config/resolve.ts');
    for (const file of positionals) {
      const { name } = resolveExperiment(file);
      const found = readTrials(runsDir(file), name);
      if (!found.length) {
        console.error(`nnlab: no stored trials for "${name}" in ${resolve(runsDir(file), name)}; train them with: nnlab run ${file}`);
        return 1;
      }
      trials.push(...found);
    }
  } else {
    const root = resolve(process.env.NNLAB_RUNS ?? 'runs');
    for (const name of storedExperiments(root)) trials.push(...readTrials(root, name));
    if (!trials.length) {
      console.error(`nnlab: no stored trials in ${root}; run an experiment first (nnlab run FILE), or name its file: nnlab runs FILE`);
      return 1;
    }
  }
  const table = runsTable(trials, { where: values.where, sort: values.sort });
  if (!table.rows.length && format === 'table') console.error(`nnlab: no stored trial matches ${values.where!.map((w) => `--where ${w}`).join(' ')}`);
  else process.stdout.write(formatRuns(table, format));
  return 0;
}
