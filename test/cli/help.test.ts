// -h and --help on every command and subcommand of the table (a command added to src/cli/table.ts is
// tested here without a new line), the command list of `nnlab --help`, and --version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../../src/cli/table.ts';
import type { CommandSpec } from '../../src/cli/args.ts';
import { repoRoot } from '../../src/engine/native.ts';
import { nnlab, nnlabAll } from './nnlab.ts';

/** Every command path of the table: ['run'], ['data'], ['data', 'fetch'], … */
function paths(commands: CommandSpec[], prefix: string[] = []): { path: string[]; spec: CommandSpec }[] {
  return commands.flatMap((c) => [
    { path: [...prefix, c.name], spec: c },
    ...paths(c.subcommands ?? [], [...prefix, c.name]),
  ]);
}

test('every command and subcommand answers -h and --help with its usage, options and an example, exit 0', async () => {
  const all = paths(COMMANDS);
  assert.ok(all.length >= 17, `the table has ${all.length} command paths`);
  const results = await nnlabAll(
    all.flatMap(({ path }) => [
      [...path, '-h'],
      [...path, '--help'],
    ]),
  );
  all.forEach(({ path, spec }, i) => {
    const [short, long] = [results[2 * i], results[2 * i + 1]];
    const name = `nnlab ${path.join(' ')}`;
    assert.equal(short.code, 0, `${name} -h: ${short.stderr}`);
    assert.equal(short.stderr, '', name);
    assert.equal(long.stdout, short.stdout, `${name}: -h and --help print the same`);
    assert.ok(short.stdout.startsWith(`usage: ${name}`), `${name} -h starts with its usage:\n${short.stdout}`);
    assert.match(short.stdout, /\nexamples?:\n {2}nnlab /, `${name} -h has an example`);
    for (const e of spec.examples) assert.ok(e.includes(name), `${name}: the example "${e}" runs ${name}`);
    if (spec.subcommands)
      for (const s of spec.subcommands)
        assert.match(short.stdout, new RegExp(`\\n {2}${s.name}\\b`), `${name} -h lists ${s.name}`);
    else {
      for (const o of spec.options ?? [])
        assert.ok(
          short.stdout.includes(`  --${o.name}${o.value ? ` ${o.value}` : ''} `),
          `${name} -h lists --${o.name}`,
        );
      assert.match(short.stdout, /\n {2}-h, --help +show this help\n/);
    }
  });
});

test('-h wins over everything else on the line: a missing FILE or a bad value is not reported', async () => {
  const [a, b] = await nnlabAll([
    ['run', '--jobs', '0', '--forse', '-h'],
    ['store', 'gc', 'nope.yaml', '--help'],
  ]);
  assert.equal(a.code, 0, a.stderr);
  assert.ok(a.stdout.startsWith('usage: nnlab run FILE [options]\n'));
  assert.equal(b.code, 0, b.stderr);
  assert.ok(b.stdout.startsWith('usage: nnlab store gc [FILE] [options]\n'));
});

test('nnlab --help (and -h, help) lists every command with its summary; help COMMAND is COMMAND -h; --version prints the package version', async () => {
  const [long, short, word, version, helpRun, runHelp] = await nnlabAll([
    ['--help'],
    ['-h'],
    ['help'],
    ['--version'],
    ['help', 'store', 'gc'],
    ['store', 'gc', '-h'],
  ]);
  assert.equal(helpRun.code, 0);
  assert.equal(helpRun.stdout, runHelp.stdout, 'nnlab help store gc = nnlab store gc -h');
  assert.equal(long.code, 0);
  assert.ok(long.stdout.startsWith('usage: nnlab <command> [options]\n'));
  for (const c of COMMANDS)
    assert.match(
      long.stdout,
      new RegExp(`\\n {2}${c.name} +${c.summary.split(' ').slice(0, 3).join(' ')}`),
      `nnlab --help lists ${c.name}`,
    );
  assert.equal(short.stdout, long.stdout);
  assert.equal(word.stdout, long.stdout);
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  assert.deepEqual(version, { code: 0, stdout: `${pkg.version}\n`, stderr: '' });
});

test('nnlab without a command prints the command list on stderr and exits 2', async () => {
  const [bare, help] = await Promise.all([nnlab([]), nnlab(['--help'])]);
  assert.equal(bare.code, 2);
  assert.equal(bare.stdout, '');
  assert.equal(bare.stderr, `nnlab: give a command\n\n${help.stdout}`);
});
