// `nnlab validate FILE…`: checks each file and prints every error as FILE:LINE:COL: message.
import { ConfigError, ConfigErrors } from '../../errors.ts';
import type { Args } from '../args.ts';
import { resolveExperiment } from '../../config/resolve.ts';

export async function run(args: Args): Promise<number> {
  let failed = 0;
  for (const file of args.positionals) {
    try {
      const exp = resolveExperiment(file);
      console.log(
        `${file}: ok (${exp.variants.length} variant${exp.variants.length === 1 ? '' : 's'}, ${exp.searches.length} search stage${exp.searches.length === 1 ? '' : 's'})`,
      );
    } catch (err) {
      if (!(err instanceof ConfigErrors) && !(err instanceof ConfigError)) throw err;
      console.error(err.message);
      failed++;
    }
  }
  return failed ? 1 : 0;
}
