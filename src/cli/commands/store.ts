// `nnlab store verify|gc [FILE]`: check every stored trial against its manifest; list (and with
// --yes remove) stored trials no current plan refers to. The rules are src/store/maintain.ts's.
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Args } from '../args.ts';
import { resolveExperiment, type ResolvedExperiment } from '../../config/resolve.ts';
import { RunStore, runsDir, UNPLANNED } from '../../store/store.ts';
import { findGarbage, removeGarbage, storedExperiments, verifyStore } from '../../store/maintain.ts';

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
    for (const f of readdirSync('experiments')
      .filter((n) => /\.ya?ml$/.test(n))
      .sort()) {
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
    console.log(
      `${store.experiment}: ${v.checked} trial${v.checked === 1 ? '' : 's'} checked, ${v.damaged.length} damaged${v.quarantined ? `, ${v.quarantined} in quarantine` : ''} (${shown(store.trialsDir)})`,
    );
    damaged += v.damaged.length;
  }
  if (damaged)
    console.log(
      `\n${damaged} damaged trial${damaged === 1 ? '' : 's'}: \`nnlab run\` moves ${damaged === 1 ? 'it' : 'them'} to quarantine/ and trains ${damaged === 1 ? 'it' : 'them'} again`,
    );
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
    for (const x of g.trials)
      console.log(
        `  ${x.name}  ${x.ref && x.ref.id !== UNPLANNED ? `${x.ref.id}  ` : ''}${mb(x.bytes)}  (${x.ref ? why : 'quarantined'})`,
      );
    if (g.keep) {
      console.log(`  kept: ${g.keep}`);
      continue;
    }
    count += g.trials.length;
    bytes += g.trials.reduce((n, x) => n + x.bytes, 0);
    if (yes) removed += removeGarbage(t.store, g);
  }
  if (!count) console.log('nothing to remove: every stored trial is in a current plan');
  else if (!yes)
    console.log(
      `${count} stored trial${count === 1 ? '' : 's'} (${mb(bytes)}) no current plan refers to; \`nnlab store gc${file ? ` ${file}` : ''} --yes\` removes them`,
    );
  else
    console.log(
      `removed ${removed} of ${count} (${mb(bytes)})${removed < count ? `; ${count - removed} kept: a running nnlab claims them` : ''}`,
    );
  return 0;
}

export async function run(args: Args): Promise<number> {
  const file = args.positionals[0];
  return args.path[1] === 'verify' ? verify(file) : gc(file, args.flag('yes'));
}
