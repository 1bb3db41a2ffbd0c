// `nnlab resolve FILE [--set k=v]…`: prints the canonical resolved config and the expanded trials
// (src/diff/resolved-text.ts). Deterministic and colourless, so git can use it as a textconv driver.
import { readFileSync } from 'node:fs';
import { ConfigError, ConfigErrors } from '../../errors.ts';
import type { Args } from '../args.ts';
import { planTrials } from '../../config/expand.ts';
import { resolveExperiment } from '../../config/resolve.ts';
import { RunStore, runsDir } from '../../store/store.ts';
import { CONFIG_ONLY, hashContext } from '../../diff/compare.ts';
import { resolvedText } from '../../diff/resolved-text.ts';
import { textconvSide } from '../../diff/sides.ts';

export async function run(args: Args): Promise<number> {
  const files = args.positionals;
  const set = args.strings('set');
  // git hands textconv the old side as a temporary copy whose relative `extends` cannot resolve.
  const side = textconvSide(files[0]);
  try {
    const exp = resolveExperiment(side?.file ?? files[0], { set });
    const hashes = args.flag('run-hashes')
      ? hashContext([new RunStore(runsDir(side?.storeFile ?? files[0]), exp.name)])
      : { engineVersion: CONFIG_ONLY, dataFingerprint: CONFIG_ONLY, configOnly: true };
    const plan = planTrials(exp, { engineVersion: hashes.engineVersion, dataFingerprint: hashes.dataFingerprint });
    const note = hashes.configOnly
      ? 'config-only: engine version and data fingerprint left out'
      : `engine ${hashes.engineVersion}, data ${hashes.dataFingerprint}`;
    process.stdout.write(resolvedText(exp, plan, note));
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigErrors || err instanceof ConfigError)) throw err;
    const message = side ? side.relabel(err.message) : err.message;
    if (!args.flag('textconv')) {
      console.error(message);
      return 1;
    }
    const text = readFileSync(files[0], 'utf8');
    process.stdout.write(
      `# nnlab resolve: does not resolve on its own; the file as written follows.\n${message
        .split('\n')
        .map((l) => `#   ${l.replace(/^.*?:(\d+):(\d+): /, 'line $1:$2: ')}`)
        .join('\n')}\n${text}`,
    );
    return 0;
  } finally {
    side?.cleanup();
  }
}
