// The README's blocks, run. Every ```sh, ```console, ```yaml or bare ``` block is preceded by a marker,
// `<!-- test: KIND -->` or `<!-- skip: REASON -->`; a block without one fails this test. Kinds:
//   commands    every line runs in a real shell (bash; after a `# zsh` comment, zsh after compinit)
//               in the clone-like folder of test/docs/context.ts, and must exit 0;
//   transcript  each `$ COMMAND   # after EDIT` runs after EDIT (a table below) is made to a copy
//               of the file, and prints exactly the lines that follow it (this machine's memory
//               figure aside); ", on a CPU with AMX tiles" skips it elsewhere;
//   run-summary the last two lines of a quickstart run on an empty store (the times aside);
//   damage-warning  the warning for a trial whose result.json is cut to the size the line says;
//   textconv    commands, then git diff of an edited experiment shows its resolved trials' hashes;
//   validates   an experiment file: nnlab validate passes it;
//   validates-variants  variants in place of the quickstart's (without its search, which names one);
//   slurm-config  a user config: --executor slurm --dry-run's sbatch script carries its settings.
// `npm exec --no -- nnlab` runs as `nnlab` on the PATH, the same bin/nnlab.js (that npm exec finds
// it inside a clone is checked once, in the repository itself).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { DEBIAN_FASHION_MNIST } from '../../src/data/index.ts';
import { readCpu, hasAmxTiles } from '../../src/engine/blas-core.ts';
import { repoRoot } from '../data/fixtures.ts';
import { COMMANDS } from '../../src/cli/table.ts';
import type { CommandSpec } from '../../src/cli/args.ts';
import { docsContext, HAS_ZSH, type DocsContext } from './context.ts';

const NO_DATA = existsSync(DEBIAN_FASHION_MNIST)
  ? false
  : `${DEBIAN_FASHION_MNIST} absent (apt-get install dataset-fashion-mnist)`;
const README = readFileSync(join(repoRoot, 'README.md'), 'utf8');

interface Block {
  line: number;
  marker: { kind: 'test' | 'skip'; text: string } | null;
  body: string[];
}

/** The README's fenced blocks that hold shell lines, their output, or YAML. */
function shellBlocks(text: string): Block[] {
  const lines = text.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.indexOf('```', i + 1);
    assert.ok(end > i, `README.md:${i + 1}: a block that does not end`);
    if (['', 'sh', 'console', 'yaml'].includes(open[1])) {
      const m = /^<!-- (test|skip): (.*?) -->$/.exec(lines[i - 1] ?? '');
      out.push({
        line: i + 1,
        marker: m ? { kind: m[1] as 'test' | 'skip', text: m[2] } : null,
        body: lines.slice(i + 1, end),
      });
    }
    i = end;
  }
  return out;
}

/** The edits a transcript's `# after …` comments describe: the file and the text replaced. */
const EDITS: Record<string, { file: string; from: string; to: string }> = {
  'after misspelling batch_size': {
    file: 'experiments/quickstart.yaml',
    from: '  batch_size: 100',
    to: '  batch_sise: 100',
  },
  'after setting eta_max: 1.0e-6': {
    file: 'experiments/quickstart.yaml',
    from: 'eta_max: 1.0e-1',
    to: 'eta_max: 1.0e-6',
  },
  'after setting lambda: 1e400': { file: 'experiments/quickstart.yaml', from: 'lambda: 0.001', to: 'lambda: 1e400' },
  'after setting lambda: 0.005 in experiments/assignment2.yaml': {
    file: 'experiments/assignment2.yaml',
    from: '  lambda: 0.01\n',
    to: '  lambda: 0.005\n',
  },
};

const asRun = (line: string) => line.replaceAll('npm exec --no -- nnlab', 'nnlab');
/** This machine's memory is the machine's: "this machine's memory (25.3 GB)" compares as "(…)". */
const machineFree = (s: string) =>
  s.replaceAll(/(this machine's memory|its control group's limit) \([^)]*\)/g, '$1 (…)');

let ctx: DocsContext;
before(async () => {
  ctx = await docsContext('nnlab-readme-');
});

async function commands(body: string[]) {
  let zsh = false;
  for (const raw of body) {
    const line = raw.trim();
    if (line.startsWith('#')) {
      zsh = /^# zsh\b/.test(line);
      continue;
    }
    if (!line) continue;
    const script = zsh ? `autoload -Uz compinit && compinit -u -d "$HOME/.zcompdump" && ${asRun(line)}` : asRun(line);
    const r = await ctx.sh(script, { shell: zsh ? 'zsh' : 'bash' });
    assert.equal(r.code, 0, `${line}\nexit ${r.code}; it printed:\n${r.stdout}${r.stderr}`);
    assert.doesNotMatch(r.stderr, /^\s+at /m, `${line} printed a stack trace`);
  }
}

async function transcript(body: string[]) {
  const steps: { command: string; edit: string | null; expected: string[] }[] = [];
  for (const line of body) {
    const m = /^\$ (.*?)(?:\s+# (after .*))?$/.exec(line);
    if (m) steps.push({ command: m[1], edit: m[2] ?? null, expected: [] });
    else steps.at(-1)!.expected.push(line);
  }
  assert.ok(steps.length > 0, 'a transcript has $ lines');
  for (const { command, edit, expected } of steps) {
    let restore = () => {};
    if (edit) {
      const e = EDITS[edit];
      assert.ok(e, `no edit in the test's table for "# ${edit}"`);
      const path = join(ctx.dir, e.file);
      const before = readFileSync(path, 'utf8');
      assert.ok(before.includes(e.from), `${e.file} has "${e.from}" to edit`);
      writeFileSync(path, before.replace(e.from, e.to));
      restore = () => writeFileSync(path, before);
    }
    try {
      const r = await ctx.sh(asRun(command));
      assert.equal(
        machineFree(r.stdout + r.stderr),
        machineFree(expected.join('\n') + '\n'),
        `$ ${command}  # ${edit}`,
      );
    } finally {
      restore();
    }
  }
}

async function runSummary(body: string[]) {
  const r = await ctx.sh('nnlab run experiments/quickstart.yaml --no-report', {
    env: { NNLAB_RUNS: join(ctx.dir, 'summary-runs') },
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const times = (s: string) =>
    s.replaceAll(/\d+\.\d+s/g, 'N.NNs').replace(/\(\S+: a new worker\)/, '(TRIAL: a new worker)');
  const got = r.stdout.trimEnd().split('\n').slice(-2);
  assert.deepEqual(got.map(times), body.map(times));
}

async function damageWarning(body: string[]) {
  const m =
    /^warning: trial (\S+) \(([0-9a-f]{16})\) is damaged: result\.json is (\d+) bytes; its manifest says (\d+); moved to (\S+)\/quarantine\/\2-\S+; `nnlab run` trains it again$/.exec(
      body.join('\n'),
    );
  assert.ok(m, `the README's warning has the expected form:\n${body.join('\n')}`);
  const [, trial, , cut] = m;
  const run = await ctx.sh('nnlab run experiments/quickstart.yaml --no-report');
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const list = await ctx.sh(`nnlab runs experiments/quickstart.yaml --where 'trial=${trial}' --format json`);
  const [row] = JSON.parse(list.stdout) as { hash: string }[];
  assert.ok(row, `${trial} is stored:\n${list.stdout}${list.stderr}`);
  const trialDir = join(ctx.dir, 'runs', 'quickstart', 'trials', row.hash);
  const size = readFileSync(join(trialDir, 'result.json')).length;
  truncateSync(join(trialDir, 'result.json'), Number(cut));
  const r = await ctx.sh('nnlab report experiments/quickstart.yaml --no-pdf --out damaged-report');
  const moved = readdirSync(join(ctx.dir, 'runs', 'quickstart', 'quarantine'))[0];
  const expected =
    `warning: trial ${trial} (${row.hash}) is damaged: result.json is ${cut} bytes; its manifest says ${size}; ` +
    `moved to ${join(ctx.dir, 'runs', 'quickstart', 'quarantine', moved)}; \`nnlab run\` trains it again`;
  assert.ok(
    r.stderr.split('\n').includes(expected),
    `the warning (the README's with this store's hash, size and folder):\n${expected}\ngot:\n${r.stderr}`,
  );
}

async function textconv(body: string[]) {
  await commands(body);
  const file = join(ctx.dir, 'experiments', 'assignment2.yaml');
  const before = readFileSync(file, 'utf8');
  writeFileSync(file, before.replace('  lambda: 0.01\n', '  lambda: 0.005\n'));
  try {
    const [resolvedBefore, resolvedAfter, diff] = [
      await ctx.sh('git show HEAD:experiments/assignment2.yaml > before.yaml && nnlab resolve before.yaml'),
      await ctx.sh('nnlab resolve experiments/assignment2.yaml'),
      await ctx.sh('git diff experiments/assignment2.yaml'),
    ];
    assert.equal(diff.code, 0, diff.stderr);
    // The text git compares is nnlab resolve's: a retrained trial's hash changes in it.
    const hashes = (r: { stdout: string }) => new Set(r.stdout.match(/hash: [0-9a-f]{16}/g));
    const gone = [...hashes(resolvedBefore)].filter((h) => !hashes(resolvedAfter).has(h));
    assert.ok(gone.length > 0, 'the edit changes some trial hash');
    for (const h of gone)
      assert.match(diff.stdout, new RegExp(`^-\\s+${h}$`, 'm'), `git diff shows -${h}:\n${diff.stdout}`);
  } finally {
    writeFileSync(file, before);
  }
}

/** Writes the block as experiments/NAME.yaml (after `head`) and validates it. */
async function validates(body: string[], name: string, head = '') {
  writeFileSync(join(ctx.dir, 'experiments', `${name}.yaml`), head + body.join('\n') + '\n');
  const r = await ctx.sh(`nnlab validate experiments/${name}.yaml`);
  assert.equal(r.code, 0, r.stdout + r.stderr);
}

async function slurmConfig(body: string[]) {
  const config = join(ctx.dir, 'home', 'slurm-config.yaml');
  writeFileSync(config, body.join('\n') + '\n');
  const r = await ctx.sh('nnlab run experiments/quickstart.yaml --executor slurm --dry-run', {
    env: { NNLAB_CONFIG: config },
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const script = r.stdout.split('\n').filter((l) => l.startsWith('#SBATCH '));
  // What the block sets, as the sbatch options it should become.
  const { slurm } = parse(body.join('\n')) as { slurm: Record<string, string | number | string[]> };
  const wanted = [
    ...['partition', 'account', 'qos', 'time', 'mem'].map((k) => `--${k}=${slurm[k]}`),
    `--cpus-per-task=${slurm.cpus_per_task}`,
    ...(slurm.sbatch_args as string[]),
  ];
  for (const want of wanted) assert.ok(script.includes(`#SBATCH ${want}`), `#SBATCH ${want} in:\n${script.join('\n')}`);
  assert.ok(script.find((l) => l.startsWith('#SBATCH --array='))?.endsWith(`%${slurm.array_limit}`), script.join('\n'));
}

const blocks = shellBlocks(README);

test('every shell and YAML block of the README is marked to run or skipped with a reason', () => {
  assert.ok(blocks.length >= 10, `${blocks.length} blocks`);
  const unmarked = blocks.filter((b) => !b.marker).map((b) => `README.md:${b.line}`);
  assert.deepEqual(unmarked, [], 'blocks without <!-- test: KIND --> or <!-- skip: REASON --> before them');
});

test('npm exec --no -- nnlab finds the clone’s own command (the README’s way to run it)', () => {
  const r = spawnSync('npm', ['exec', '--no', '--', 'nnlab', '--version'], { cwd: repoRoot, encoding: 'utf8' });
  const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), version);
});

for (const b of blocks) {
  if (!b.marker) continue;
  const name = `README.md:${b.line}: ${b.body.find((l) => l.trim() && !l.startsWith('#'))?.slice(0, 70) ?? ''}`;
  if (b.marker.kind === 'skip') {
    test(name, { skip: b.marker.text }, () => {});
    continue;
  }
  const [kind, ...notes] = b.marker.text.split(/,\s*/);
  let skip: string | false = NO_DATA;
  if (notes.includes('on a CPU with AMX tiles') && !hasAmxTiles(readCpu()))
    skip = 'the README shows it on a CPU with AMX tiles; this one has none';
  if (b.body.some((l) => l.startsWith('# zsh')) && !HAS_ZSH) skip = 'zsh is not installed';
  test(name, { skip, timeout: 300_000 }, async () => {
    if (kind === 'commands') await commands(b.body);
    else if (kind === 'textconv') await textconv(b.body);
    else if (kind === 'transcript') await transcript(b.body);
    else if (kind === 'run-summary') await runSummary(b.body);
    else if (kind === 'damage-warning') await damageWarning(b.body);
    else if (kind === 'validates') await validates(b.body, `readme-${b.line}`);
    else if (kind === 'validates-variants')
      await validates(b.body, `readme-${b.line}`, 'extends: quickstart.yaml\nsearches: []\n');
    else if (kind === 'slurm-config') await slurmConfig(b.body);
    else assert.fail(`README.md:${b.line}: unknown kind "${kind}" in <!-- test: ${b.marker!.text} -->`);
  });
}

test('the README’s command table names only options its commands have', () => {
  const rows = README.split('\n').filter((l) => l.startsWith('| `nnlab '));
  assert.ok(rows.length >= 12, `${rows.length} rows`);
  const wrong: string[] = [];
  for (const row of rows) {
    const cell = row.split(' | ')[0];
    for (const usage of cell.matchAll(/`nnlab ([^`]*)`/g)) {
      const words = usage[1].split(' ');
      let spec: CommandSpec | undefined = COMMANDS.find((c) => c.name === words[0]);
      if (spec?.subcommands) spec = spec.subcommands.find((s) => s.name === words[1]) ?? spec;
      assert.ok(spec, `${cell}: no command ${words[0]}`);
      const names = new Set((spec.options ?? []).map((o) => o.name));
      for (const [, option] of usage[1].matchAll(/--([a-z][a-z-]*)/g))
        if (!names.has(option)) wrong.push(`nnlab ${spec.name}: --${option} (in ${usage[0]})`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('the README’s usage-error example is what a misspelt option prints, exit 2', async () => {
  const m = /`(nnlab: run: unknown option (--[a-z-]+);[^`]*)`/.exec(README);
  assert.ok(m, 'the README shows a usage error');
  const r = await ctx.sh(`nnlab run ${m[2]} experiments/quickstart.yaml`);
  assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', `${m[1]}\n`]);
});
