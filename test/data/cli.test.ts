// `nnlab data …` end to end: help, where, fetch --from (success with progress, refusal), usage errors.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cifarArchive, repoRoot, tempDir } from './fixtures.ts';

function nnlab(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'nnlab.js'), 'data', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let work: string;
let archive: string;
before(async () => {
  work = tempDir();
  archive = await cifarArchive(work, 10000, 'synthetic.tar.gz');
});

test('nnlab data --help prints the usage and exits 0; no subcommand exits 2', () => {
  const r = nnlab(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^usage: nnlab data <subcommand> \[options\]/);
  assert.match(r.stdout, /fetch DATASET \[--from PATH\|URL\] \[--root DIR\]/);
  assert.equal(nnlab([]).code, 2);
});

test('nnlab data fetch --from installs, shows progress on stderr and says how the archive was verified', () => {
  const home = tempDir();
  const md5 = createHash('md5').update(readFileSync(archive)).digest('hex');
  const r = nnlab(['fetch', 'cifar10', '--from', archive], { NNLAB_DATA: home });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `archive md5 ${md5}: unrecognized checksum, members verified by size\n` +
      `installed CIFAR-10 in ${join(home, 'cifar10')}\n` +
      `data: CIFAR-10 (unrecognized archive, md5 ${md5.slice(0, 6)}…)\n`,
  );
  const lines = r.stderr.trim().split('\n');
  assert.ok(lines.length >= 2 && lines.length <= 12, r.stderr);
  assert.match(lines.at(-1)!, /^reading synthetic\.tar\.gz 100% {2}\d+\.\d \/ \d+\.\d MB {2}\d+\.\d MB\/s$/);

  const w = nnlab(['where'], { NNLAB_DATA: home, XDG_CACHE_HOME: '' });
  assert.equal(w.code, 0);
  assert.equal(w.stdout.split('\n')[0], `data home: ${home}  ($NNLAB_DATA)`);
  assert.equal(w.stdout.split('\n')[1], `cifar10       ${join(home, 'cifar10')}`);
  assert.equal(w.stdout.split('\n')[2], `              CIFAR-10 (unrecognized archive, md5 ${md5.slice(0, 6)}…)`);
  assert.match(
    w.stdout,
    new RegExp(`mnist +${join(home, 'mnist')}\\n +not installed \\(${join(home, 'mnist')} missing\\)`),
  );
});

test('nnlab data fetch refuses a bad archive with exit 1 and installs nothing', () => {
  const home = tempDir();
  const r = nnlab(['fetch', 'cifar10', '--from', join(work, 'absent.tar.gz')], { NNLAB_DATA: home });
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr.trim().split('\n').at(-1),
    `${join(work, 'absent.tar.gz')}: not found (expected the CIFAR-10 archive, e.g. cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz)`,
  );
  assert.equal(
    nnlab(['where', 'cifar10'], { NNLAB_DATA: home }).stdout.split('\n')[2],
    '              not installed (nnlab data fetch cifar10)',
  );
});

test('usage mistakes exit 2 with one line', () => {
  assert.deepEqual(
    nnlab(['fetch', 'mnist']).stderr,
    'nnlab: data fetch: only cifar10 can be fetched; mnist is installed by hand (see nnlab data where)\n',
  );
  assert.deepEqual(
    nnlab(['fetch', 'cifar100']).stderr,
    'nnlab: data fetch: unknown dataset "cifar100"; datasets: cifar10, fashion_mnist, mnist\n',
  );
  const r = nnlab(['fetch', 'cifar10', '--form', 'x']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'nnlab: data fetch: unknown option --form; did you mean --from? (options: --from, --root)\n');
  assert.equal(
    nnlab(['fetch', 'cifar10', '--from']).stderr,
    'nnlab: data fetch: --from needs a value: --from PATH|URL\n',
  );
});
