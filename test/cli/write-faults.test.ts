// Every write outside the run store that fails (issue #20): a report (its files, its folder, the PDF
// print), a data install, the fingerprint cache, live.json, `nnlab store gc` and standard output,
// each met by a real `nnlab` process under a real file size limit (ulimit -f), a real read-only
// mount (EROFS), a folder without write permission (EACCES: root runs without the capability that
// ignores permissions) or a tiny tmpfs (ENOSPC). Each ends in one line, exact text, and what was
// there before is byte for byte the same. Tests that need mount(8) skip, saying so, where it fails.
import { before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { dataHome, experimentFile, nnlab, tempDir } from '../runner/fixtures.ts';
import { THREE_TRIALS } from '../store/fixtures.ts';
import { cifarArchive, writeCifarBinary } from '../data/fixtures.ts';
import { LiveStatus } from '../../src/watch/live.ts';
import { DEBIAN_FASHION_MNIST } from '../../src/data/sources.ts';

const EXP = 'runner-e2e';
const RUN = ['--no-report', '--jobs', '1', '--threads', '1'];
const REPORT_THEN = 'then run nnlab report again; any previous report is kept as it was';
const INSTALL_THEN = 'then run nnlab data fetch cifar10 again; any earlier install is kept as it was';

let data: string;
let file: string;
let runs: string;
let env: Record<string, string>;
before(async () => {
  data = dataHome();
  file = experimentFile(THREE_TRIALS);
  runs = tempDir('nnlab-write-faults-runs-');
  env = { NNLAB_DATA: data, NNLAB_RUNS: runs };
  const r = await nnlab(['run', file, ...RUN], { env }).exited;
  assert.equal(r.code, 0, r.stderr);
});

/** Every file below `dir` with its bytes (relative path → latin1 text). */
function snapshot(dir: string): Map<string, string> {
  const m = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }))
      if (e.isDirectory()) walk(join(d, e.name));
      else m.set(relative(dir, join(d, e.name)), readFileSync(join(d, e.name), 'latin1'));
  };
  walk(dir);
  return m;
}

const ulimit = (kb: number) => ['bash', '-c', `ulimit -f ${kb} && exec "$0" "$@"`];

/** Root writes anywhere: run the child without the capabilities that let it ignore file permissions. */
const WITHOUT_ROOT =
  process.getuid?.() === 0
    ? ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--inh-caps=-dac_override,-dac_read_search', '--']
    : [];

/** Why mounts cannot be made here (not root, no CAP_SYS_ADMIN in a container), or null. */
const noMounts = (() => {
  const probe = tempDir('nnlab-mount-probe-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4k', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe]);
    return null;
  } catch (err) {
    const why = String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim();
    return `mount(8) is not allowed here (${why || 'needs root'}); this test needs a read-only mount or a tiny tmpfs`;
  }
})();

/** A read-only view (bind mount, remounted ro) of `dir`: writes there fail with EROFS. Unmounted after the test. */
function readOnly(t: TestContext, dir: string): string {
  const view = tempDir('nnlab-ro-');
  execFileSync('mount', ['--bind', dir, view]);
  t.after(() => execFileSync('umount', [view]));
  execFileSync('mount', ['-o', 'remount,ro,bind', view]);
  return view;
}

/** An empty tmpfs of `size` (e.g. 16k): writes past it fail with ENOSPC. */
function tinyDisk(t: TestContext, size: string): string {
  const dir = tempDir('nnlab-tmpfs-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  t.after(() => execFileSync('umount', [dir]));
  return dir;
}

/** `nnlab report` into `out`; the good report there, whose files the faulty runs must leave alone. */
async function goodReport(out: string, pdf = false): Promise<Map<string, string>> {
  const r = await nnlab(['report', file, '--out', out, ...(pdf ? [] : ['--no-pdf'])], { env }).exited;
  assert.equal(r.code, 0, r.stderr);
  return snapshot(out);
}

// --- Reports -------------------------------------------------------------------------------------

test('report: a file size limit hit writing report.html is one line, exit 2; the previous report is intact', async () => {
  const out = tempDir('nnlab-report-efbig-');
  const kept = await goodReport(out);
  // 64 KB: above every chart file of this report, below its interactive page.
  const sizes = [...kept].map(([name, text]) => [name, text.length] as const);
  for (const [name, size] of sizes) assert.equal(size > 64 * 1024, name === `${EXP}/report.html`, `${name}: ${size}`);

  const r = await nnlab(['report', file, '--out', out, '--no-pdf'], { env, wrap: ulimit(64) }).exited;
  assert.equal(r.code, 2, r.stdout);
  assert.equal(
    r.stderr,
    `nnlab: cannot write ${out}/${EXP}/report.html: file too large, the file size limit (ulimit -f) was reached (EFBIG); raise the file size limit (ulimit -f), ${REPORT_THEN}\n`,
  );
  assert.deepEqual(snapshot(out), kept);
});

test('report: Chromium failing to print under a file size limit is one line naming report.pdf and the limit', async () => {
  const out = tempDir('nnlab-report-pdf-');
  const kept = await goodReport(out, true);
  assert.ok(kept.has(`${EXP}/report.pdf`), 'the good report has a PDF');
  // 1000 KB: room for every file of the report (the page is about 600 KB), not for Chromium's printing.
  const r = await nnlab(['report', file, '--out', out], { env, wrap: ulimit(1000) }).exited;
  assert.equal(r.code, 2, r.stdout);
  assert.equal(
    r.stderr,
    `nnlab: cannot write ${out}/${EXP}/report.pdf: Chromium could not print it (Protocol error (Page.printToPDF): Printing failed) under a file size limit of 1024000 bytes (ulimit -f 1000); raise the file size limit (ulimit -f) or skip the PDF (--no-pdf), ${REPORT_THEN}\n`,
  );
  assert.deepEqual(snapshot(out), kept);
});

test('report: an --out folder without write permission is one line naming it, exit 2; the previous report is intact', async (t) => {
  const out = tempDir('nnlab-report-eacces-');
  const kept = await goodReport(out);
  chmodSync(out, 0o555);
  t.after(() => chmodSync(out, 0o755));
  const r = await nnlab(['report', file, '--out', out, '--no-pdf'], { env, wrap: WITHOUT_ROOT }).exited;
  assert.equal(r.code, 2, r.stdout);
  assert.equal(
    r.stderr,
    `nnlab: cannot write ${out}: permission denied (EACCES); allow writing there or write the report elsewhere (--out DIR), ${REPORT_THEN}\n`,
  );
  assert.deepEqual(snapshot(out), kept);
});

test('report: a read-only file system is one line (EROFS, also for a folder still to be made); the report is intact', async (t) => {
  if (noMounts) return t.skip(noMounts);
  const out = tempDir('nnlab-report-erofs-');
  const kept = await goodReport(out);
  const ro = readOnly(t, out);
  for (const where of [ro, join(ro, 'not', 'yet')]) {
    const r = await nnlab(['report', file, '--out', where, '--no-pdf'], { env }).exited;
    assert.equal(r.code, 2, r.stdout);
    assert.equal(
      r.stderr,
      `nnlab: cannot write ${where}: read-only file system (EROFS); mount it read-write or write the report elsewhere (--out DIR), ${REPORT_THEN}\n`,
    );
  }
  assert.deepEqual(snapshot(out), kept);
});

test('report: a full disk is one line naming the file that did not fit; nothing is left behind', async (t) => {
  if (noMounts) return t.skip(noMounts);
  const disk = tinyDisk(t, '16k');
  const r = await nnlab(['report', file, '--out', disk, '--no-pdf'], { env }).exited;
  assert.equal(r.code, 2, r.stdout);
  // The first file written is the first chart's SVG (about 20 KB).
  assert.equal(
    r.stderr,
    `nnlab: cannot write ${disk}/${EXP}/assets/group-variants.svg: no space left on the device (ENOSPC); free space on that disk or write the report elsewhere (--out DIR), ${REPORT_THEN}\n`,
  );
  assert.deepEqual(readdirSync(disk), [], 'no staging folder left');
});

// --- Data installs -------------------------------------------------------------------------------

/** A data home holding an earlier CIFAR-10 install (5 records a part), and an archive to fetch. */
async function installed(): Promise<{ home: string; archive: string; kept: Map<string, string> }> {
  const home = tempDir('nnlab-fetch-home-');
  writeCifarBinary(join(home, 'cifar10'), 5);
  const archive = await cifarArchive(tempDir('nnlab-fetch-archive-'), 5, 'small.tar.gz');
  return { home, archive, kept: snapshot(home) };
}

test('data fetch: a file size limit, a folder without write permission: one line each naming the install, exit 2', async (t) => {
  const { home, archive, kept } = await installed();
  const limited = await nnlab(['data', 'fetch', 'cifar10', '--from', archive], {
    env: { NNLAB_DATA: home },
    wrap: ulimit(8),
  }).exited;
  assert.equal(limited.code, 2, limited.stdout);
  assert.equal(
    limited.stderr
      .split('\n')
      .filter((l) => l.startsWith('nnlab:'))
      .join('\n'),
    `nnlab: cannot write ${home}/cifar10: file too large, the file size limit (ulimit -f) was reached (EFBIG); raise the file size limit (ulimit -f), ${INSTALL_THEN}`,
  );
  assert.deepEqual(snapshot(home), kept, 'the earlier install is untouched, no temporary folder left');

  chmodSync(home, 0o555);
  t.after(() => chmodSync(home, 0o755));
  const denied = await nnlab(['data', 'fetch', 'cifar10', '--from', archive], {
    env: { NNLAB_DATA: home },
    wrap: WITHOUT_ROOT,
  }).exited;
  assert.equal(denied.code, 2, denied.stdout);
  assert.equal(
    denied.stderr,
    `nnlab: cannot write ${home}/cifar10: permission denied (EACCES); allow writing there or install it elsewhere (NNLAB_DATA=DIR, or --root DIR), ${INSTALL_THEN}\n`,
  );
  assert.deepEqual(snapshot(home), kept);
});

test('data fetch: a read-only data home (EROFS) and a full one (ENOSPC): one line each, exit 2', async (t) => {
  if (noMounts) return t.skip(noMounts);
  const { home, archive, kept } = await installed();
  const ro = readOnly(t, home);
  const r = await nnlab(['data', 'fetch', 'cifar10', '--from', archive], { env: { NNLAB_DATA: ro } }).exited;
  assert.equal(r.code, 2, r.stdout);
  assert.equal(
    r.stderr,
    `nnlab: cannot write ${ro}/cifar10: read-only file system (EROFS); mount it read-write or install it elsewhere (NNLAB_DATA=DIR, or --root DIR), ${INSTALL_THEN}\n`,
  );
  assert.deepEqual(snapshot(home), kept);

  const disk = tinyDisk(t, '16k');
  const full = await nnlab(['data', 'fetch', 'cifar10', '--from', archive], { env: { NNLAB_DATA: disk } }).exited;
  assert.equal(full.code, 2, full.stdout);
  assert.equal(
    full.stderr
      .split('\n')
      .filter((l) => l.startsWith('nnlab:'))
      .join('\n'),
    `nnlab: cannot write ${disk}/cifar10: no space left on the device (ENOSPC); free space on that disk or install it elsewhere (NNLAB_DATA=DIR, or --root DIR), ${INSTALL_THEN}`,
  );
  assert.deepEqual(readdirSync(disk), [], 'no temporary folder left');
});

// --- Caches and status files: a warning line, and the run goes on ---------------------------------

test('a fingerprint cache that cannot be written is one warning line; the run goes on and exits 0', async (t) => {
  if (noMounts) return t.skip(noMounts);
  // The cache remembers only files unchanged for 2 s, so this reads Debian's Fashion-MNIST (installed
  // by npm run setup), not a data set made just now.
  if (!existsSync(DEBIAN_FASHION_MNIST)) return t.skip(`${DEBIAN_FASHION_MNIST} is absent (npm run setup installs it)`);
  const check = experimentFile(`name: cache-warning
seed: 1
dataset: { source: fashion_mnist, train: [train], validation: { holdout: 100 }, test: [test], subsample: 1000 }
model: { hidden: [8] }
training: { batch_size: 20, lambda: 0.001, cycles: 1 }
schedule: { kind: cyclic, eta_min: 1.0e-4, eta_max: 1.0e-1, step_size: 60 }
gradient_check: { networks: [{ hidden: [4] }], samples: 2, dims: 5 }
`);
  const home = readOnly(t, tempDir('nnlab-write-faults-home-'));
  const store = tempDir('nnlab-write-faults-cache-');
  const r = await nnlab(['run', check, ...RUN], { env: { NNLAB_DATA: home, NNLAB_RUNS: store } }).exited;
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.stderr.split('\n').filter((l) => /warning|nnlab:/.test(l)),
    [
      `warning: cannot write ${home}/fingerprints.json: read-only file system (EROFS); mount it read-write, then the next run remembers the data's fingerprint; this one goes on without the cache`,
    ],
  );
  assert.match(r.stdout, /^2 trials: 2 trained, 0 cached, 0 failed, 0 diverged$/m);
});

test('live.json that cannot be written is one warning line, once (the run goes on)', async (t) => {
  if (noMounts) return t.skip(noMounts);
  const dir = readOnly(t, tempDir('nnlab-live-'));
  const lines: string[] = [];
  const live = new LiveStatus(dir, EXP, 'experiments/exp.yaml', (l) => lines.push(l));
  live.onEvent({ type: 'plan', trials: [{ id: 'first', hash: '0123456789abcdef' }] } as never);
  live.finish('finished');
  live.finish('finished');
  assert.deepEqual(lines, [
    `warning: cannot write ${dir}/live.json: read-only file system (EROFS); mount it read-write, then nnlab watch shows the next run; this one goes on without it (nnlab status experiments/exp.yaml shows where it stands)`,
  ]);
});

// --- store gc ------------------------------------------------------------------------------------

test('store gc --yes: a removal that fails is one line, exit 2, and the trial stays whole; then it is removed', async (t) => {
  const store = tempDir('nnlab-write-faults-gc-');
  const genv = { NNLAB_DATA: data, NNLAB_RUNS: store };
  assert.equal((await nnlab(['run', file, ...RUN, '--only', 'first'], { env: genv }).exited).code, 0);
  const trials = join(store, EXP, 'trials');
  const garbage = join(trials, '0123456789abcdef');
  mkdirSync(garbage);
  writeFileSync(join(garbage, 'result.json'), '{}\n');
  writeFileSync(join(garbage, 'model.bin'), 'x');
  const kept = snapshot(trials);
  const then = 'then run nnlab store gc --yes again; it and every trial not yet removed are kept whole';

  chmodSync(trials, 0o555);
  const denied = await nnlab(['store', 'gc', file, '--yes'], { env: genv, wrap: WITHOUT_ROOT }).exited;
  chmodSync(trials, 0o755);
  assert.equal(denied.code, 2, denied.stdout);
  assert.equal(
    denied.stderr,
    `nnlab: cannot remove ${garbage}: permission denied (EACCES); allow writing there, ${then}\n`,
  );
  assert.deepEqual(snapshot(trials), kept);

  if (noMounts) t.diagnostic(`EROFS part skipped: ${noMounts}`);
  else {
    const ro = readOnly(t, store);
    const r = await nnlab(['store', 'gc', file, '--yes'], { env: { ...genv, NNLAB_RUNS: ro } }).exited;
    assert.equal(r.code, 2, r.stdout);
    assert.equal(
      r.stderr,
      `nnlab: cannot remove ${ro}/${EXP}/trials/0123456789abcdef: read-only file system (EROFS); mount it read-write, ${then}\n`,
    );
    assert.deepEqual(snapshot(trials), kept);
  }

  const ok = await nnlab(['store', 'gc', file, '--yes'], { env: genv }).exited;
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^removed 1 of 1 /m);
  assert.equal(existsSync(garbage), false);
  assert.deepEqual(
    readdirSync(trials).filter((n) => !/^[0-9a-f]{16}$/.test(n)),
    [],
    'nothing left beside the trials',
  );
});

// --- Standard output -----------------------------------------------------------------------------

test('standard output to a full device or past a file size limit: one line naming it, exit 2 (never a cut script)', async () => {
  const full = await nnlab(['completion', 'bash'], { wrap: ['bash', '-c', 'exec "$0" "$@" > /dev/full'] }).exited;
  assert.equal(full.code, 2);
  assert.equal(
    full.stderr,
    'nnlab: cannot write standard output (/dev/full): no space left on the device (ENOSPC); free space on that disk or send it elsewhere, then run the command again\n',
  );

  const script = join(tempDir('nnlab-completion-'), 'nnlab.bash');
  const whole = await nnlab(['completion', 'bash'], { wrap: ['bash', '-c', `exec "$0" "$@" > ${script}`] }).exited;
  assert.equal(whole.code, 0, whole.stderr);
  const size = statSync(script).size;
  assert.ok(size > 1024, `the script (${size} bytes) is larger than the limit below`);
  const cut = await nnlab(['completion', 'bash'], {
    wrap: ['bash', '-c', `ulimit -f 1 && exec "$0" "$@" > ${script}`],
  }).exited;
  assert.equal(cut.code, 2);
  assert.equal(
    cut.stderr,
    `nnlab: cannot write standard output (${script}): file too large, the file size limit (ulimit -f) was reached (EFBIG); raise the file size limit (ulimit -f), then run the command again\n`,
  );
});
