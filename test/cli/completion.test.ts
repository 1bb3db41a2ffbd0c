// `nnlab completion bash|zsh`: the scripts the real command prints, loaded in a real bash and zsh.
// Bash's completion function is called as bash calls it (COMP_WORDS, COMP_CWORD) for every command,
// subcommand and option of the table, option values and experiment files; zsh completes lines typed
// with TAB into its line editor on a pseudo-terminal (zsh/zpty).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../../src/cli/table.ts';
import { HELP_OPTION, type CommandSpec } from '../../src/cli/args.ts';
import { tempDir } from '../data/fixtures.ts';
import { nnlab } from './nnlab.ts';

let dir: string;
let bashFile: string;
let zshFile: string;

before(async () => {
  dir = tempDir();
  // The folder completion runs in: experiment files, another file, a folder.
  for (const f of ['a.yaml', 'b.yml', 'notes.txt']) writeFileSync(join(dir, f), '');
  mkdirSync(join(dir, 'sub'));
  const [bash, zsh] = await Promise.all([nnlab(['completion', 'bash']), nnlab(['completion', 'zsh'])]);
  assert.equal(bash.code, 0, bash.stderr);
  assert.equal(zsh.code, 0, zsh.stderr);
  bashFile = join(tempDir(), 'nnlab.bash');
  zshFile = join(tempDir(), '_nnlab');
  writeFileSync(bashFile, bash.stdout);
  writeFileSync(zshFile, zsh.stdout);
});

/** What bash offers for the command line `words` (the last word is the one being completed). */
function complete(...words: string[]): string[] {
  const code =
    'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _nnlab; printf "%s\\n" "${COMPREPLY[@]}"';
  const r = spawnSync('bash', ['--norc', '-c', code, 'bash', bashFile, 'nnlab', ...words], {
    cwd: dir,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).sort();
}

const sorted = (xs: string[]) => [...xs].sort();
const longOptions = (spec: CommandSpec) => sorted([...(spec.options ?? []), HELP_OPTION].map((o) => `--${o.name}`));

test('bash: the script registers _nnlab for nnlab in a real shell', () => {
  const r = spawnSync('bash', ['--norc', '-c', 'source "$1" && complete -p nnlab', 'bash', bashFile], {
    encoding: 'utf8',
  });
  assert.equal(r.stdout, 'complete -F _nnlab nnlab\n', r.stderr);
});

test('bash: commands, subcommands and every option of every command, from the table', () => {
  assert.deepEqual(complete(''), sorted([...COMMANDS.map((c) => c.name), '--help', '--version']));
  for (const c of COMMANDS) {
    assert.ok(complete(c.name.slice(0, 2)).includes(c.name), `nnlab ${c.name.slice(0, 2)}<TAB> offers ${c.name}`);
    if (c.subcommands) {
      assert.deepEqual(
        complete(c.name, ''),
        sorted([...c.subcommands.map((s) => s.name), '--help']),
        `nnlab ${c.name} <TAB>`,
      );
      for (const s of c.subcommands)
        assert.deepEqual(complete(c.name, s.name, '--'), longOptions(s), `nnlab ${c.name} ${s.name} --<TAB>`);
    } else assert.deepEqual(complete(c.name, '--'), longOptions(c), `nnlab ${c.name} --<TAB>`);
  }
  assert.deepEqual(complete('run', 'a.yaml', '--d'), ['--detach', '--dry-run']);
  assert.deepEqual(complete('run', '-'), sorted(['-h', ...longOptions(COMMANDS[0])]));
});

test('bash: option values with a fixed set, folders for DIR, files for PATH, nothing for free text', () => {
  assert.deepEqual(complete('runs', '--format', ''), ['csv', 'json', 'table']);
  assert.deepEqual(complete('runs', '--format', '=', 'c'), ['csv']);
  assert.deepEqual(complete('runs', '--format', '='), ['csv', 'json', 'table']);
  assert.deepEqual(complete('run', 'a.yaml', '--executor', 's'), ['slurm']);
  assert.deepEqual(complete('diff', '--format', ''), ['json', 'md', 'terminal']);
  assert.deepEqual(complete('report', 'a.yaml', '--out', ''), ['sub']);
  assert.deepEqual(complete('data', 'fetch', 'cifar10', '--from', ''), ['a.yaml', 'b.yml', 'notes.txt', 'sub']);
  assert.deepEqual(complete('run', 'a.yaml', '--set', ''), []);
});

test('bash: experiment files (*.yaml, *.yml and folders) for FILE, any file for diff, words for the rest', () => {
  for (const c of ['run', 'status', 'validate', 'resolve', 'report', 'runs', 'watch'])
    assert.deepEqual(complete(c, ''), ['a.yaml', 'b.yml', 'sub'], `nnlab ${c} <TAB>`);
  assert.deepEqual(complete('store', 'gc', ''), ['a.yaml', 'b.yml', 'sub']);
  assert.deepEqual(complete('run', 'a'), ['a.yaml']);
  assert.deepEqual(complete('diff', 'a.yaml', ''), ['a.yaml', 'b.yml', 'notes.txt', 'sub']);
  assert.deepEqual(complete('data', 'check', ''), ['cifar10', 'fashion_mnist', 'mnist']);
  assert.deepEqual(complete('data', 'fetch', ''), ['cifar10']);
  assert.deepEqual(complete('completion', ''), ['bash', 'zsh']);
  assert.deepEqual(complete('doctor', ''), []);
  assert.deepEqual(complete('frobnicate', ''), []);
});

const zsh = spawnSync('zsh', ['--version']).status === 0;

test(
  'zsh: the script parses (zsh -n) and registers _nnlab for nnlab under compinit',
  { skip: zsh ? false : 'zsh is not installed (scripts/setup.sh installs it)' },
  () => {
    const parse = spawnSync('zsh', ['-n', zshFile], { encoding: 'utf8' });
    assert.equal(parse.status, 0, parse.stderr);
    const dump = join(tempDir(), 'zcompdump');
    const r = spawnSync(
      'zsh',
      [
        '-f',
        '-c',
        `autoload -U compinit && compinit -u -d ${dump} && source ${zshFile} && print -r -- $_comps[nnlab] && whence -w _nnlab`,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.stdout, '_nnlab\n_nnlab: function\n', r.stderr);
    assert.equal(r.stderr, '');
  },
);

/**
 * What zsh's line editor holds after each line is typed and TAB pressed: an interactive zsh on a
 * pseudo-terminal with compinit and the script loaded; a key bound to a widget prints the buffer.
 */
function zshComplete(lines: string[]): string[] {
  const driver = join(tempDir(), 'drive.zsh');
  writeFileSync(
    driver,
    `zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z 'PS1="> "; autoload -U compinit; compinit -u -d ${join(tempDir(), 'zcompdump')}; source ${zshFile}; show() { zle -I; print -r -- "[[""$BUFFER""]]"; BUFFER=""; }; zle -N show; bindkey "^X" show; print READY""NOW'
out=""
while zpty -r -t z chunk 2>/dev/null || sleep 0.05; do out+=$chunk; [[ $out == *READYNOW* ]] && break; done
for line in "$@"; do
  zpty -w -n z "$line"$'\\t\\x18'
  out=""
  while zpty -r -t z chunk 2>/dev/null || sleep 0.05; do out+=$chunk; [[ $out == *']]'* ]] && break; done
  print -r -- "\${\${out##*\\[\\[}%%\\]\\]*}"
done
zpty -d z
`,
  );
  const r = spawnSync('zsh', ['-f', driver, ...lines], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  return r.stdout.split('\n').slice(0, -1);
}

test(
  'zsh: TAB completes commands, subcommands, options, their values and experiment files',
  { skip: zsh ? false : 'zsh is not installed (scripts/setup.sh installs it)' },
  () => {
    const cases: [string, string][] = [
      ['nnlab wat', 'nnlab watch '],
      ['nnlab data ch', 'nnlab data check '],
      ['nnlab data check f', 'nnlab data check fashion_mnist '],
      ['nnlab completion z', 'nnlab completion zsh '],
      ['nnlab runs --fo', 'nnlab runs --format='],
      ['nnlab runs --format=c', 'nnlab runs --format=csv '],
      ['nnlab run a.yaml --executor s', 'nnlab run a.yaml --executor slurm '],
      ['nnlab store gc --y', 'nnlab store gc --yes '],
      ['nnlab report a.yaml --no-p', 'nnlab report a.yaml --no-pdf '],
      ['nnlab run a', 'nnlab run a.yaml '],
      ['nnlab validate b', 'nnlab validate b.yml '],
      ['nnlab diff n', 'nnlab diff notes.txt '],
      ['nnlab report a.yaml --out s', 'nnlab report a.yaml --out sub/'],
    ];
    assert.deepEqual(
      zshComplete(cases.map(([typed]) => typed)),
      cases.map(([, completed]) => completed),
    );
  },
);
