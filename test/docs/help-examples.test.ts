// Every example of every `nnlab <command> -h` (src/cli/table.ts) runs in a real shell against a
// small store, a quickstart trained into the temporary clone of test/docs/context.ts, and must end
// with its status: 0, or the N of a trailing `# exit N`. An example that cannot run here is listed
// below with the reason it is skipped; an example without a way to run fails the test.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../../src/cli/table.ts';
import type { CommandSpec } from '../../src/cli/args.ts';
import { DEBIAN_FASHION_MNIST } from '../../src/data/index.ts';
import { sourceRoot } from '../../src/data/sources.ts';
import { locateCifar } from '../../src/data/cifar10.ts';
import { existsSync } from 'node:fs';
import { SHARED_ARCHIVE, SHARED_MISSING } from '../data/fixtures.ts';
import { docsContext, HAS_ZSH, type DocsContext } from './context.ts';

const NO_DATA = existsSync(DEBIAN_FASHION_MNIST)
  ? false
  : `${DEBIAN_FASHION_MNIST} absent (apt-get install dataset-fashion-mnist)`;
const NO_CIFAR = locateCifar(sourceRoot('cifar10'))
  ? false
  : `CIFAR-10 is not installed in ${sourceRoot('cifar10')} (nnlab data fetch cifar10)`;

/** Examples that cannot run here, and why. */
const SKIP: Record<string, string | false> = {
  'nnlab data fetch cifar10':
    'downloads 170 MB from the official site, which this offline machine cannot reach (the --from example installs the shared copy)',
  'nnlab data check cifar10': NO_CIFAR,
  'nnlab data fetch cifar10 --from cifar-10-binary.tar.gz': existsSync(SHARED_ARCHIVE) ? false : SHARED_MISSING,
  'eval "$(nnlab completion zsh)"': HAS_ZSH ? false : 'zsh is not installed',
};

/** Every example of the table, with the command it belongs to, in the table's order. */
function examples(commands: CommandSpec[], prefix: string[] = []): { command: string; line: string }[] {
  return commands.flatMap((c) => [
    ...c.examples.map((line) => ({ command: [...prefix, c.name].join(' '), line })),
    ...examples(c.subcommands ?? [], [...prefix, c.name]),
  ]);
}

/** The status an example is meant to end with: `# exit N` at its end, else 0. */
function expectedStatus(line: string): number {
  const m = /#\s*exit (\d+)\b/.exec(line);
  return m ? Number(m[1]) : 0;
}

let ctx: DocsContext;

before(async () => {
  ctx = await docsContext('nnlab-help-examples-');
  if (NO_DATA) return;
  const r = await ctx.sh('nnlab run experiments/quickstart.yaml --no-report');
  assert.equal(r.code, 0, `training the small store: ${r.stdout}${r.stderr}`);
  // A commit after the first, changing a comment only: `diff --git HEAD~1` has a file to compare.
  const q = join(ctx.dir, 'experiments', 'quickstart.yaml');
  writeFileSync(q, readFileSync(q, 'utf8').replace('name: quickstart', 'name: quickstart  # the tour'));
  await ctx.commit('comment');
});

/** Runs `nnlab watch FILE` (the line) until it serves, then a cached run of FILE, which ends the watch. */
async function watchExample(line: string): Promise<{ code: number | null; output: string }> {
  const child = spawn('bash', ['-c', `exec ${line}`], {
    cwd: ctx.dir,
    env: ctx.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  await new Promise<void>((ok, fail) => {
    const look = (d: Buffer) => {
      output += d;
      if (/watch: http:\/\/127\.0\.0\.1:\d+\//.test(output)) ok();
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.on('exit', () => fail(new Error(`${line} exited before serving:\n${output}`)));
  });
  const file = line.split(' ').at(-1)!;
  const run = await ctx.sh(`nnlab run ${file} --no-report`);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const timer = setTimeout(() => child.kill('SIGINT'), 60_000);
  const code = await exited;
  clearTimeout(timer);
  return { code, output };
}

const all = examples(COMMANDS);

test('the table has examples to run, and each one a single line for the shell', () => {
  assert.ok(all.length >= 25, `${all.length} examples`);
  for (const { line } of all) assert.ok(!line.includes('\n'), line);
  // The marker of an example meant to end otherwise (none does today).
  assert.equal(expectedStatus('nnlab validate broken.yaml   # exit 1: it names each error'), 1);
  assert.equal(expectedStatus("nnlab runs --where 'trial=search/*'"), 0);
});

for (const { command, line } of all) {
  const skip = NO_DATA || SKIP[line] || false;
  test(`nnlab ${command} -h example: ${line}`, { skip, timeout: 300_000 }, async () => {
    const status = expectedStatus(line);
    if (command === 'watch') {
      const r = await watchExample(line);
      assert.equal(r.code, status, `${line}: exit ${r.code}, expected ${status}; it printed:\n${r.output}`);
      return;
    }
    let shell = 'bash';
    let script = line;
    const env: Record<string, string> = {};
    if (line.includes('completion zsh')) {
      // A zsh completion script is loaded after compinit (README "Shell completion").
      shell = 'zsh';
      script = `autoload -Uz compinit && compinit -u -d "$HOME/.zcompdump" && ${line}`;
    }
    if (line.includes('data fetch cifar10 --from cifar-10-binary.tar.gz')) {
      // The shared copy under the example's name, installed into a data home of its own.
      if (!existsSync(join(ctx.dir, 'cifar-10-binary.tar.gz')))
        symlinkSync(SHARED_ARCHIVE, join(ctx.dir, 'cifar-10-binary.tar.gz'));
      env.NNLAB_DATA = join(ctx.dir, 'fetched-data');
    }
    const r = await ctx.sh(script, { shell, env });
    const said = `${line}: exit ${r.code}, expected ${status}; it printed:\n${r.stdout}${r.stderr}`;
    assert.equal(r.code, status, said);
    assert.doesNotMatch(r.stderr, /^\s+at /m, `${line} printed a stack trace:\n${r.stderr}`);
  });
}
