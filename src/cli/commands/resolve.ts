// `nnlab resolve FILE [--set k=v]…`: prints the canonical resolved config and the expanded trials
// (src/diff/resolved-text.ts). Deterministic and colourless, so git can use it as a textconv driver.
import { readFileSync } from 'node:fs';
import { ConfigError, ConfigErrors } from '../../errors.ts';
import { planTrials } from '../../config/expand.ts';
import { resolveExperiment } from '../../config/resolve.ts';
import { RunStore, runsDir } from '../../store/store.ts';
import { CONFIG_ONLY, hashContext } from '../../diff/compare.ts';
import { resolvedText } from '../../diff/resolved-text.ts';
import { textconvSide } from '../../diff/sides.ts';

const USAGE = `usage: nnlab resolve FILE [--set path=value]… [--run-hashes] [--textconv]

Prints FILE resolved (extends applied, defaults filled in, keys sorted) as YAML, then a second
YAML document with the expanded trials: id, hash and the settings that differ from the base.
Hashes are config-only unless --run-hashes takes the engine version and data fingerprint of the
last run (runs/<experiment>/plan.json), so they match the run store.
Usable as a git textconv driver: see docs/diff.md. With --textconv, a file that does not resolve
on its own (a partial base that others extend, a work in progress) prints its errors as comments
followed by its text, and exits 0, so that git diff still shows it.`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const set: string[] = [];
  const files: string[] = [];
  let runHashes = false;
  let textconv = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--set') set.push(argv[++i] ?? '');
    else if (a.startsWith('--set=')) set.push(a.slice('--set='.length));
    else if (a === '--run-hashes') runHashes = true;
    else if (a === '--textconv') textconv = true;
    else if (a.startsWith('--')) return usage(`unknown option ${a}`);
    else files.push(a);
  }
  if (files.length !== 1) return usage(`give one experiment file; got ${files.length}`);
  // git hands textconv the old side as a temporary copy whose relative `extends` cannot resolve.
  const side = textconvSide(files[0]);
  try {
    const exp = resolveExperiment(side?.file ?? files[0], { set });
    const hashes = runHashes ? hashContext([new RunStore(runsDir(side?.storeFile ?? files[0]), exp.name)]) : { engineVersion: CONFIG_ONLY, dataFingerprint: CONFIG_ONLY, configOnly: true };
    const plan = planTrials(exp, { engineVersion: hashes.engineVersion, dataFingerprint: hashes.dataFingerprint });
    const note = hashes.configOnly ? 'config-only: engine version and data fingerprint left out' : `engine ${hashes.engineVersion}, data ${hashes.dataFingerprint}`;
    process.stdout.write(resolvedText(exp, plan, note));
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigErrors || err instanceof ConfigError)) throw err;
    const message = side ? side.relabel(err.message) : err.message;
    if (!textconv) {
      console.error(message);
      return 1;
    }
    const text = readFileSync(files[0], 'utf8');
    process.stdout.write(`# nnlab resolve: does not resolve on its own; the file as written follows.\n${message.split('\n').map((l) => `#   ${l.replace(/^.*?:(\d+):(\d+): /, 'line $1:$2: ')}`).join('\n')}\n${text}`);
    return 0;
  } finally {
    side?.cleanup();
  }
}

function usage(message: string): number {
  console.error(`nnlab resolve: ${message}\n\n${USAGE}`);
  return 2;
}
