// `nnlab store verify|gc [FILE]`: check every stored trial against its manifest; list (and with
// --yes remove) stored trials no current plan refers to. The rules are src/store/maintain.ts's.
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.ts';
import { resolveExperiment, type ResolvedExperiment } from '../../config/resolve.ts';
import { RunStore, runsDir, UNPLANNED } from '../../store/store.ts';
import { findGarbage, removeGarbage, storedExperiments, verifyStore } from '../../store/maintain.ts';

const HELP = `usage: nnlab store verify [FILE]
       nnlab store gc [FILE] [--yes]

verify   reads every committed trial of FILE's experiment (without FILE: of every experiment in the
         runs folder) and checks each file's size and SHA-256 against the trial's manifest. Names
         each damaged trial and exits 1; moves nothing (the next nnlab run or report moves a damaged
         trial to runs/<experiment>/quarantine/, and nnlab run trains it again).
gc       lists stored trials that no current plan refers to: trials of FILE's experiment its plan
         (as nnlab report re-plans it) does not name, e.g. trials of an older config or of a --set
         run, and quarantined folders. Without FILE: the same for every experiments/*.yaml of the
         current folder, plus every trial of a stored experiment no file there defines.
         --yes removes them. A store whose plan still waits for a stage is left alone.

The runs folder is $NNLAB_RUNS, else runs/ beside FILE's experiments folder (without FILE: ./runs).`;

interface Target {
  store: RunStore;
  exp: ResolvedExperiment | null;
}

/** The stores a command works on: FILE's, or every one in the runs folder (matched to experiments/*.yaml). */
function targets(file: string | undefined): Target[] {
  if (file) {
    const exp = resolveExperiment(file);
    return [{ store: new RunStore(runsDir(file), exp.name), exp }];
  }
  const runs = process.env.NNLAB_RUNS ? resolve(process.env.NNLAB_RUNS) : resolve('runs');
  const byName = new Map<string, ResolvedExperiment>();
  if (existsSync('experiments')) {
    for (const f of readdirSync('experiments').filter((n) => /\.ya?ml$/.test(n)).sort()) {
      const exp = resolveExperiment(join('experiments', f));
      byName.set(exp.name, exp);
    }
  }
  return storedExperiments(runs).map((name) => ({ store: new RunStore(runs, name), exp: byName.get(name) ?? null }));
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
/** A path as typed from here when it is below the current folder, else absolute. */
const shown = (path: string) => {
  const rel = relative(process.cwd(), path);
  return !rel ? '.' : rel.startsWith('..') ? path : rel;
};

function verify(file: string | undefined): number {
  const all = targets(file);
  if (!all.length) console.log('no stored runs to verify');
  let damaged = 0;
  for (const { store } of all) {
    const v = verifyStore(store);
    for (const d of v.damaged) console.log(`damaged: ${d.ref.id} (${d.ref.hash}): ${d.problem}`);
    console.log(`${store.experiment}: ${v.checked} trial${v.checked === 1 ? '' : 's'} checked, ${v.damaged.length} damaged${v.quarantined ? `, ${v.quarantined} in quarantine` : ''} (${shown(store.trialsDir)})`);
    damaged += v.damaged.length;
  }
  if (damaged) console.log(`\n${damaged} damaged trial${damaged === 1 ? '' : 's'}: \`nnlab run\` moves ${damaged === 1 ? 'it' : 'them'} to quarantine/ and trains ${damaged === 1 ? 'it' : 'them'} again`);
  return damaged ? 1 : 0;
}

function gc(file: string | undefined, yes: boolean): number {
  let count = 0;
  let bytes = 0;
  let removed = 0;
  for (const t of targets(file)) {
    const g = findGarbage(t.store, t.exp);
    if (!g.trials.length) continue;
    const why = t.exp ? 'not in the current plan' : 'no experiment file defines it';
    console.log(`${t.store.experiment} (${shown(t.store.root)}):`);
    for (const x of g.trials) console.log(`  ${x.name}  ${x.ref && x.ref.id !== UNPLANNED ? `${x.ref.id}  ` : ''}${mb(x.bytes)}  (${x.ref ? why : 'quarantined'})`);
    if (g.keep) {
      console.log(`  kept: ${g.keep}`);
      continue;
    }
    count += g.trials.length;
    bytes += g.trials.reduce((n, x) => n + x.bytes, 0);
    if (yes) removed += removeGarbage(t.store, g);
  }
  if (!count) console.log('nothing to remove: every stored trial is in a current plan');
  else if (!yes) console.log(`${count} stored trial${count === 1 ? '' : 's'} (${mb(bytes)}) no current plan refers to; \`nnlab store gc${file ? ` ${file}` : ''} --yes\` removes them`);
  else console.log(`removed ${removed} of ${count} (${mb(bytes)})${removed < count ? `; ${count - removed} kept: a running nnlab claims them` : ''}`);
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { yes: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    throw new UsageError(`store: ${(err as Error).message}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [sub, file, ...extra] = positionals;
  if (extra.length) throw new UsageError(`store: give at most one experiment file; got ${[file, ...extra].join(' ')}\n\n${HELP}`);
  if (sub === 'verify') {
    if (values.yes) throw new UsageError(`store verify: --yes belongs to store gc\n\n${HELP}`);
    return verify(file);
  }
  if (sub === 'gc') return gc(file, !!values.yes);
  throw new UsageError(`store: ${sub ? `unknown subcommand "${sub}"` : 'give a subcommand'} (verify or gc)\n\n${HELP}`);
}
