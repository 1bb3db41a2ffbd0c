// `nnlab doctor` end to end in real child processes: the BLAS lines match what the engine reports,
// a forced generic core and a missing Chromium are warnings with their fix, a missing toolchain
// fails (exit 1) with its fix, and the data home's datasets are listed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../src/engine/native.ts';
import { blas } from '../../src/engine/index.ts';
import { bestCore, genericCoreProblem, readCpu } from '../../src/engine/blas-core.ts';

/**
 * `nnlab doctor` in a child with this process's environment and `env` over it (a key given as
 * undefined is removed): a child compared with this process's own engine sees its OPENBLAS_* too.
 */
function doctor(env: Record<string, string | undefined> = {}, args: string[] = []) {
  const full: Record<string, string | undefined> = { ...process.env, ...env };
  for (const [k, v] of Object.entries(full)) if (v === undefined) delete full[k];
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'nnlab.js'), 'doctor', ...args], {
    encoding: 'utf8',
    env: full as NodeJS.ProcessEnv,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The check line named `name`: [status, detail], and the fix line below it if any. */
function line(stdout: string, name: string): { status: string; detail: string; fix: string | null } {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => new RegExp(`^  (ok|--|warn|FAIL) +${name.replace(/[+]/g, '\\+')}  `).test(l));
  assert.ok(at >= 0, `no line for ${name} in\n${stdout}`);
  const m = /^ {2}(\S+) +/.exec(lines[at])!;
  const detail = lines[at].slice(lines[at].indexOf(name) + name.length).trim();
  const fix = /^ +fix: (.*)$/.exec(lines[at + 1] ?? '')?.[1] ?? null;
  return { status: m[1], detail, fix };
}

const data = mkdtempSync(join(tmpdir(), 'nnlab-doctor-data-'));

test('nnlab doctor on this machine: the BLAS in use, the CPU, every tool; exit 0', () => {
  const r = doctor({ NNLAB_DATA: data });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const b = blas();
  // The core line for this process's OPENBLAS_CORETYPE, whatever the environment gives: a generic or
  // an unknown core is a warning (both tried by exact text below), anything else is ok.
  const generic = genericCoreProblem(b.core, b.cpu, b.choice);
  const unknown = b.choice.by === 'user' && b.choice.core!.toLowerCase() !== b.core.toLowerCase();
  assert.deepEqual(
    line(r.stdout, 'BLAS core'),
    generic
      ? {
          status: 'warn',
          detail: `${b.core} (${b.choice.reason}): generic kernels, several times slower than ${generic.best} (${generic.reason})`,
          fix: generic.fix,
        }
      : unknown
        ? {
            status: 'warn',
            detail: `${b.core}: OpenBLAS does not know the core "${b.choice.core}" of OPENBLAS_CORETYPE and chose itself`,
            fix: 'unset OPENBLAS_CORETYPE so that nnlab chooses, or set it to a core name OpenBLAS knows (e.g. HASWELL, SKYLAKEX)',
          }
        : { status: 'ok', detail: `${b.core} (${b.choice.reason})`, fix: null },
  );
  assert.deepEqual(line(r.stdout, 'BLAS library'), {
    status: 'ok',
    detail: `OpenBLAS ${b.version} (${b.library})`,
    fix: null,
  });
  assert.equal(line(r.stdout, 'BLAS config').detail, b.config);
  assert.match(line(r.stdout, 'CPU').detail, new RegExp(`^${(b.cpu.modelName ?? '').replace(/[()]/g, '\\$&')}, `));
  for (const name of ['node', 'npm', 'g++', 'make', 'python3', 'pkg-config openblas'])
    assert.equal(line(r.stdout, name).status, 'ok', name);
  assert.deepEqual(line(r.stdout, 'data home'), { status: 'ok', detail: `${data} ($NNLAB_DATA)`, fix: null });
  assert.deepEqual(line(r.stdout, 'cifar10'), {
    status: '--',
    detail: `not installed in ${join(data, 'cifar10')}`,
    fix: '"nnlab data fetch cifar10" (nnlab run also downloads it when an experiment needs it)',
  });
  assert.match(r.stdout, /\nnothing required is broken/);
});

const best = bestCore(readCpu());
test(
  "with OPENBLAS_CORETYPE unset, doctor names nnlab's choice for this CPU",
  { skip: best.core ? false : `nnlab leaves the core to OpenBLAS here (${best.reason})` },
  () => {
    const r = doctor({ NNLAB_DATA: data, OPENBLAS_CORETYPE: undefined });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const { status, detail, fix } = line(r.stdout, 'BLAS core');
    assert.deepEqual({ status, fix }, { status: 'ok', fix: null });
    // OpenBLAS names its cores in mixed case (Cooperlake for COOPERLAKE).
    assert.equal(detail.toLowerCase(), `${best.core} (chosen by nnlab: ${best.reason})`.toLowerCase());
    assert.equal(detail.slice(detail.indexOf(' (')), ` (chosen by nnlab: ${best.reason})`);
  },
);

test(
  'forced generic kernels and a missing Chromium are warnings with their fix; exit 0',
  { skip: best.core ? false : `nothing better than Prescott is chosen here (${best.reason})` },
  () => {
    const r = doctor({ NNLAB_DATA: data, OPENBLAS_CORETYPE: 'PRESCOTT', NNLAB_CHROMIUM: '/nonexistent/chromium' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(line(r.stdout, 'BLAS core'), {
      status: 'warn',
      detail: `Prescott (OPENBLAS_CORETYPE=PRESCOTT was set): generic kernels, several times slower than ${best.core} (${best.reason})`,
      fix: `unset OPENBLAS_CORETYPE (now PRESCOTT) so that nnlab chooses ${best.core}, or set OPENBLAS_CORETYPE=${best.core}`,
    });
    assert.deepEqual(line(r.stdout, 'Chromium'), {
      status: 'warn',
      detail: 'not installed at /nonexistent/chromium: reports are written without report.pdf',
      fix: 'run "npm run setup" (it runs apt-get install chromium), or set NNLAB_CHROMIUM to a Chromium binary',
    });
    assert.match(r.stdout, /\nnothing required is broken \(2 warnings: BLAS core, Chromium\)\n$/);
  },
);

test('an OPENBLAS_CORETYPE that OpenBLAS does not know is a warning with its fix', () => {
  const r = doctor({ NNLAB_DATA: data, OPENBLAS_CORETYPE: 'NOSUCHCORE' });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const { status, detail, fix } = line(r.stdout, 'BLAS core');
  assert.equal(status, 'warn');
  assert.match(detail, /^\S+: OpenBLAS does not know the core "NOSUCHCORE" of OPENBLAS_CORETYPE and chose itself$/);
  assert.equal(
    fix,
    'unset OPENBLAS_CORETYPE so that nnlab chooses, or set it to a core name OpenBLAS knows (e.g. HASWELL, SKYLAKEX)',
  );
});

test('a PATH without the toolchain: each missing tool fails with its fix; exit 1', () => {
  const bin = mkdtempSync(join(tmpdir(), 'nnlab-doctor-path-'));
  symlinkSync(process.execPath, join(bin, 'node'));
  const r = doctor({ NNLAB_DATA: data, PATH: bin });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.deepEqual(line(r.stdout, 'g++'), {
    status: 'FAIL',
    detail: 'g++ not found on the PATH',
    fix: 'run "npm run setup" (it runs apt-get install build-essential)',
  });
  assert.deepEqual(line(r.stdout, 'pkg-config openblas'), {
    status: 'FAIL',
    detail: 'pkg-config not found on the PATH',
    fix: 'run "npm run setup" (it runs apt-get install pkg-config libopenblas-dev)',
  });
  assert.equal(line(r.stdout, 'poppler-utils').status, 'warn');
  assert.match(r.stdout, /\n5 required checks failed: npm, g\+\+, make, python3, pkg-config openblas\n$/);
});

test('nnlab doctor --help exits 0; an argument is a usage error', () => {
  const h = doctor({}, ['--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /^usage: nnlab doctor\n/);
  const u = doctor({}, ['--json']);
  assert.equal(u.code, 2);
  assert.equal(u.stderr, 'nnlab: doctor: unknown option --json (doctor takes no options)\n');
});

test('nnlab doctor names the kernel level in use, a forced level, NNLAB_AMX=off, and refuses a level the CPU lacks', () => {
  const k = blas().kernels;
  const on = line(doctor({ NNLAB_DATA: data }).stdout, 'kernel level');
  const why = k.forced || (k.amxOff && k.best === 'amx') ? '[^)]*' : 'the best this CPU supports';
  assert.match(on.detail, new RegExp(`^${k.level} \\(${why}\\): `));
  const avx2 = k.levels.find((l) => l.name === 'avx2')!;
  if (avx2.supported)
    assert.equal(
      line(doctor({ NNLAB_DATA: data, NNLAB_KERNELS: 'avx2' }).stdout, 'kernel level').detail,
      `avx2 (NNLAB_KERNELS=avx2; this CPU supports up to ${k.best}): avx2 vector kernels for the first layer`,
    );
  if (k.best === 'amx')
    assert.equal(
      line(doctor({ NNLAB_DATA: data, NNLAB_AMX: 'off' }).stdout, 'kernel level').detail,
      'avx512 (NNLAB_AMX=off; this CPU supports up to amx): avx512 vector kernels for the first layer',
    );
  const bogus = doctor({ NNLAB_DATA: data, NNLAB_KERNELS: 'fast' });
  assert.equal(bogus.code, 1);
  const b = line(bogus.stdout, 'kernel level');
  assert.deepEqual(
    [b.status, b.detail, b.fix],
    [
      'FAIL',
      'NNLAB_KERNELS=fast is not a kernel level',
      'set one of generic, avx2, avx512, amx, or unset it to use the best this CPU supports',
    ],
  );
});
