// `nnlab validate FILE…`: checks each file and prints every error as FILE:LINE:COL: message.
import { ConfigError, ConfigErrors, UsageError } from '../../errors.ts';
import { resolveExperiment } from '../../config/resolve.ts';

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log('usage: nnlab validate FILE…\n\nChecks experiment files against schemas/experiment.schema.json and the rules across fields.\nExit 0 when all are valid, 1 otherwise.');
    return 0;
  }
  const files = argv.filter((a) => !a.startsWith('--'));
  const flags = argv.filter((a) => a.startsWith('--'));
  if (flags.length) throw new UsageError(`validate: unknown option ${flags[0]}`);
  if (!files.length) throw new UsageError('validate: give one or more experiment files, e.g. nnlab validate experiments/assignment2.yaml');
  let failed = 0;
  for (const file of files) {
    try {
      const exp = resolveExperiment(file);
      console.log(`${file}: ok (${exp.variants.length} variant${exp.variants.length === 1 ? '' : 's'}, ${exp.searches.length} search stage${exp.searches.length === 1 ? '' : 's'})`);
    } catch (err) {
      if (!(err instanceof ConfigErrors) && !(err instanceof ConfigError)) throw err;
      console.error(err.message);
      failed++;
    }
  }
  return failed ? 1 : 0;
}
