// Usage errors of the real command, by exact text: each names the command, the word at fault and
// the fix, goes to stderr alone (nothing on stdout) and exits 2, before anything runs or is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot } from '../../src/engine/native.ts';
import { tempDir } from '../data/fixtures.ts';
import { nnlab, nnlabAll } from './nnlab.ts';

const QUICK = 'experiments/quickstart.yaml';

const CASES: [string[], string][] = [
  [['rn'], 'unknown command "rn"; did you mean "run"? (nnlab --help lists the commands)'],
  [['train'], 'unknown command "train" (nnlab --help lists the commands)'],
  [['--jobs', '2'], 'unknown option --jobs; options come after the command (nnlab --help lists the commands)'],
  [['run', QUICK, '--forse'], 'run: unknown option --forse; did you mean --force? (nnlab run -h lists the options)'],
  [['run', QUICK, '-x'], 'run: unknown option -x (nnlab run -h lists the options)'],
  [
    ['report', QUICK, '--ouy'],
    'report: unknown option --ouy; did you mean --out? (options: --set, --no-pdf, --format, --out)',
  ],
  [
    ['report', QUICK, '--format', 'md,docx'],
    'report: --format takes md, html, pdf, tex, png, as a comma list or repeated (e.g. --format md,tex); got "docx" in "md,docx"',
  ],
  [['report', QUICK, '--pdf'], 'report: unknown option --pdf (options: --set, --no-pdf, --format, --out)'],
  [['doctor', '--json'], 'doctor: unknown option --json (doctor takes no options)'],
  [['run', QUICK, '--jobs'], 'run: --jobs needs a value: --jobs N'],
  [['run', QUICK, '--jobs='], 'run: --jobs needs a value: --jobs N'],
  [['resolve', QUICK, '--set'], 'resolve: --set needs a value: --set PATH=VALUE'],
  [
    ['resolve', QUICK, '--set', '--run-hashes'],
    'resolve: --set needs a value: --set PATH=VALUE (or, for a value that starts with "--": --set=--run-hashes)',
  ],
  [['data', 'fetch', 'cifar10', '--from', ''], 'data fetch: --from needs a value: --from PATH|URL'],
  [['run', QUICK, '--force=yes'], 'run: --force takes no value; write --force alone'],
  [['run', QUICK, '--executor', 'pbs'], 'run: --executor must be local or slurm; got "pbs"'],
  [['runs', '--format', 'xml'], 'runs: --format must be one of table, csv, json; got "xml"'],
  [['diff', 'a.yaml', 'b.yaml', '--format=html'], 'diff: --format must be one of terminal, md, json; got "html"'],
  [['run'], 'run: give one experiment file, e.g. nnlab run experiments/quickstart.yaml'],
  [['validate'], 'validate: give one or more experiment files, e.g. nnlab validate experiments/quickstart.yaml'],
  [['run', QUICK, QUICK], `run: unexpected argument "${QUICK}" (nnlab run takes one FILE)`],
  [['doctor', 'now'], 'doctor: unexpected argument "now" (nnlab doctor takes none)'],
  [['store'], 'store: give a subcommand (verify or gc)'],
  [['store', 'vrify'], 'store: unknown subcommand "vrify"; did you mean "verify"? (verify or gc)'],
  [['store', '--yes'], 'store: unknown option --yes (verify or gc)'],
  [['store', 'verify', '--yes'], 'store verify: unknown option --yes (store verify takes no options)'],
  [['data', 'fetch'], 'data fetch: give the DATASET, e.g. nnlab data fetch cifar10'],
  [['completion'], 'completion: give the SHELL, e.g. nnlab completion bash'],
  [['completion', 'fish'], 'completion: no completion for "fish"; shells: bash, zsh (e.g. nnlab completion bash)'],
  [
    ['diff', 'a.yaml'],
    'diff: give two experiment files (or REV:path), e.g. nnlab diff main:experiments/assignment2.yaml experiments/assignment2.yaml; got 1',
  ],
  [['diff', 'a.yaml', '--git', 'HEAD'], 'diff: give either two files or --git REV, not both'],
];

test('usage errors: one exact message on stderr, nothing on stdout, exit 2', async () => {
  const results = await nnlabAll(CASES.map(([args]) => args));
  CASES.forEach(([args, message], i) => {
    assert.deepEqual(results[i], { code: 2, stdout: '', stderr: `nnlab: ${message}\n` }, `nnlab ${args.join(' ')}`);
  });
});

test('a FILE that is not there or is a folder: named, with the files beside it or the one meant', async () => {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'exps'));
  for (const f of ['quickstart.yaml', 'wide.yml', 'notes.txt']) writeFileSync(join(cwd, 'exps', f), '');
  mkdirSync(join(cwd, 'empty'));
  const cases: [string[], string][] = [
    [
      ['run', 'exps/quikstart.yaml'],
      'run: exps/quikstart.yaml: no such file; the YAML files there: quickstart.yaml, wide.yml',
    ],
    [
      ['report', 'exps/QuickStart.yaml'],
      'report: exps/QuickStart.yaml: no such file; did you mean exps/quickstart.yaml?',
    ],
    [['status', 'empty/a.yaml'], 'status: empty/a.yaml: no such file'],
    [['watch', 'nowhere/x.yaml'], 'watch: nowhere/x.yaml: no such file (the folder nowhere does not exist either)'],
    [
      ['validate', 'exps/wide.yml', 'exps'],
      'validate: exps is a folder; give an experiment file in it, e.g. exps/quickstart.yaml',
    ],
    [
      ['store', 'gc', 'exps/x.yaml'],
      'store gc: exps/x.yaml: no such file; the YAML files there: quickstart.yaml, wide.yml',
    ],
  ];
  const results = await nnlabAll(
    cases.map(([args]) => args),
    { cwd },
  );
  cases.forEach(([args, message], i) =>
    assert.deepEqual(results[i], { code: 2, stdout: '', stderr: `nnlab: ${message}\n` }, `nnlab ${args.join(' ')}`),
  );
});

test('the options are checked before FILE, and FILE before anything runs: no run store is created', async () => {
  const runs = tempDir();
  const env = { NNLAB_RUNS: runs };
  const [option, file] = await nnlabAll(
    [
      ['run', 'absent.yaml', '--jbos', '1'],
      ['run', 'absent.yaml', '--no-report'],
    ],
    { env },
  );
  assert.equal(
    option.stderr,
    'nnlab: run: unknown option --jbos; did you mean --jobs? (nnlab run -h lists the options)\n',
  );
  assert.equal(file.stderr, 'nnlab: run: absent.yaml: no such file\n');
  assert.equal(file.code, 2);
  assert.deepEqual(readdirSync(runs), []);
});

test('an unreadable experiment file is named with the fix', async () => {
  const dir = tempDir();
  chmodSync(dir, 0o755);
  const file = join(dir, 'locked.yaml');
  writeFileSync(file, 'name: locked\n');
  chmodSync(file, 0o200);
  // root reads any file: run the command as nobody, as a user would meet it.
  const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  const r = spawnSync(
    asUser[0] ?? process.execPath,
    [
      ...asUser.slice(1),
      ...(asUser.length ? [process.execPath] : []),
      join(repoRoot, 'bin', 'nnlab.js'),
      'validate',
      file,
    ],
    { encoding: 'utf8' },
  );
  assert.deepEqual(
    { code: r.status, stdout: r.stdout, stderr: r.stderr },
    {
      code: 2,
      stdout: '',
      stderr: `nnlab: validate: ${file}: not readable (permission denied); allow reading it (chmod u+r ${file})\n`,
    },
  );
});

test('values that start with "-" are taken where they cannot be options: --sort -KEY, --retries=-1', async () => {
  const runs = tempDir();
  mkdirSync(join(runs, 'empty'));
  const [sort, equals] = await nnlabAll(
    [
      ['runs', '--sort', '-val_acc'],
      ['run', QUICK, '--executor', 'slurm', '--retries=-1', '--dry-run'],
    ],
    { env: { NNLAB_RUNS: runs } },
  );
  // Parsed: the command ran and found the store empty (exit 1, its own message), not a usage error.
  assert.equal(sort.code, 1, sort.stderr);
  assert.match(sort.stderr, /^nnlab: no stored trials in /);
  assert.equal(equals.stderr, 'nnlab: run: --retries: must be a whole number, 0 or more; got "-1"\n');
  // --set '' is a value, which the config layer names (exit 1); --set with none is a usage error.
  const empty = await nnlab(['resolve', QUICK, '--set', '']);
  assert.deepEqual(empty, {
    code: 1,
    stdout: '',
    stderr: '--set:1:1: "" must be path=value, e.g. --set training.lambda=0.005\n',
  });
});

test('a repeated option keeps every value; "--" ends the options', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, '--odd.yaml'), 'x');
  const [repeat, dashed] = await nnlabAll([
    ['resolve', QUICK, '--set', 'training.lambda=0.5', '--set=training.batch_size=7'],
    ['validate', '--', '--odd.yaml'],
  ]);
  assert.equal(repeat.code, 0, repeat.stderr);
  assert.match(repeat.stdout, /^ {2}lambda: 0\.5$/m);
  assert.match(repeat.stdout, /^ {2}batch_size: 7$/m);
  const inDir = await nnlab(['validate', '--', '--odd.yaml'], { cwd: dir });
  assert.equal(inDir.code, 1, 'a file named like an option is validated, not taken as an option');
  assert.match(inDir.stderr, /^--odd\.yaml:1:1: /);
  assert.equal(dashed.code, 2);
});
