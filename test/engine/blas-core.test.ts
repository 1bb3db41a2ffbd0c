// The OpenBLAS core: the choice for several CPUs' features (pure), and in real child processes that
// the choice reaches OpenBLAS before it loads, that a user's OPENBLAS_CORETYPE is respected, and
// that forced generic kernels are warned about once, by exact text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  bestCore,
  chooseBlasCore,
  genericCoreWarning,
  parseCpuinfo,
  readCpu,
  type CpuDescription,
  hasAmxTiles,
} from '../../src/engine/blas-core.ts';
import { repoRoot } from '../../src/engine/native.ts';

const BASE =
  'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx lm pni ssse3 cx16 sse4_1 sse4_2 popcnt';
const AVX2 = `${BASE} avx f16c fma bmi1 avx2 bmi2`;
const AVX512 = `${AVX2} avx512f avx512dq avx512cd avx512bw avx512vl`;
const cpu = (vendor: string, family: number, model: number, flags: string, arch = 'x64'): CpuDescription => ({
  arch,
  vendor,
  family,
  model,
  modelName: 'test',
  flags: flags.split(' '),
});

test('the core for each kind of CPU', () => {
  const cases: [string, CpuDescription, string | null, string][] = [
    // Intel family 6 model 207: OpenBLAS 0.3.21 does not know it and falls back to Prescott.
    [
      'Intel AVX-512 + BF16, a model OpenBLAS does not know',
      cpu('GenuineIntel', 6, 207, `${AVX512} avx512_bf16 amx_tile`),
      'COOPERLAKE',
      'AVX-512 with BF16',
    ],
    ['Intel AVX-512 (Skylake-SP)', cpu('GenuineIntel', 6, 85, AVX512), 'SKYLAKEX', 'AVX-512'],
    [
      'Intel AVX-512 F without VL (Knights Landing)',
      cpu('GenuineIntel', 6, 87, `${AVX2} avx512f avx512cd`),
      'HASWELL',
      'AVX2 and FMA',
    ],
    ['Intel AVX2 + FMA (Coffee Lake)', cpu('GenuineIntel', 6, 158, AVX2), 'HASWELL', 'AVX2 and FMA'],
    ['AMD Zen 2', cpu('AuthenticAMD', 23, 49, AVX2), 'ZEN', 'AMD Zen (AVX2, FMA)'],
    [
      'AMD Zen 4 (AVX-512 + BF16)',
      cpu('AuthenticAMD', 25, 97, `${AVX512} avx512_bf16`),
      'COOPERLAKE',
      'AVX-512 with BF16',
    ],
    [
      'AMD Bulldozer',
      cpu('AuthenticAMD', 21, 1, `${BASE} avx fma4`),
      null,
      "an AMD processor before Zen: OpenBLAS's own detection knows these",
    ],
    ['Intel Sandy Bridge (AVX only)', cpu('GenuineIntel', 6, 42, `${BASE} avx`), 'SANDYBRIDGE', 'AVX without AVX2'],
    [
      'Intel Core 2 (SSE only)',
      cpu('GenuineIntel', 6, 23, BASE),
      null,
      "no AVX: OpenBLAS's own detection knows these older processors",
    ],
    [
      'ARM',
      { arch: 'arm64', vendor: null, family: null, model: null, modelName: null, flags: [] },
      null,
      "not an x86-64 processor (arm64): OpenBLAS's own detection",
    ],
    [
      'x86-64 without /proc/cpuinfo',
      { arch: 'x64', vendor: null, family: null, model: null, modelName: null, flags: [] },
      null,
      "the CPU's features are unknown (no flags in /proc/cpuinfo): OpenBLAS's own detection",
    ],
  ];
  for (const [what, c, core, reason] of cases) assert.deepEqual(bestCore(c), { core, reason }, what);
});

test("a user's OPENBLAS_CORETYPE wins; otherwise nnlab chooses, or leaves it to OpenBLAS", () => {
  const skx = cpu('GenuineIntel', 6, 207, AVX512);
  assert.deepEqual(chooseBlasCore(skx, 'HASWELL'), {
    core: 'HASWELL',
    by: 'user',
    reason: 'OPENBLAS_CORETYPE=HASWELL was set',
  });
  assert.deepEqual(chooseBlasCore(skx, undefined), {
    core: 'SKYLAKEX',
    by: 'nnlab',
    reason: 'chosen by nnlab: AVX-512',
  });
  assert.deepEqual(chooseBlasCore(cpu('GenuineIntel', 6, 23, BASE), undefined), {
    core: null,
    by: 'openblas',
    reason: "no AVX: OpenBLAS's own detection knows these older processors",
  });
});

test('generic kernels on a CPU that supports better are warned about, with the fix', () => {
  const skx = cpu('GenuineIntel', 6, 207, AVX512);
  assert.equal(
    genericCoreWarning('Prescott', skx, chooseBlasCore(skx, 'PRESCOTT')),
    'nnlab: OpenBLAS runs its generic "Prescott" kernels on a CPU that supports SKYLAKEX (AVX-512): matrix products run several times slower. Fix: unset OPENBLAS_CORETYPE (now PRESCOTT) so that nnlab chooses SKYLAKEX, or set OPENBLAS_CORETYPE=SKYLAKEX.',
  );
  assert.equal(
    genericCoreWarning('Nehalem', skx, chooseBlasCore(skx, undefined)),
    'nnlab: OpenBLAS runs its generic "Nehalem" kernels on a CPU that supports SKYLAKEX (AVX-512): matrix products run several times slower. Fix: this OpenBLAS ignored OPENBLAS_CORETYPE=SKYLAKEX; install one built with DYNAMIC_ARCH (Debian: libopenblas0-pthread) or for this CPU, and check with "nnlab doctor".',
  );
  assert.equal(genericCoreWarning('SkylakeX', skx, chooseBlasCore(skx, undefined)), null);
  assert.equal(
    genericCoreWarning('Haswell', skx, chooseBlasCore(skx, 'HASWELL')),
    null,
    "a user's older but not generic core is their choice",
  );
  const core2 = cpu('GenuineIntel', 6, 23, BASE);
  assert.equal(
    genericCoreWarning('Core2', core2, chooseBlasCore(core2, undefined)),
    null,
    'nothing better on an SSE-only CPU',
  );
});

test('/proc/cpuinfo: the first processor block', () => {
  const text = `processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 207\nmodel name\t: Intel(R) Xeon(R) Platinum 8581C CPU @ 2.10GHz\nflags\t\t: fpu sse2 avx2 avx512f\n\nprocessor\t: 1\nvendor_id\t: Other\n`;
  assert.deepEqual(parseCpuinfo(text, 'x64'), {
    arch: 'x64',
    vendor: 'GenuineIntel',
    family: 6,
    model: 207,
    modelName: 'Intel(R) Xeon(R) Platinum 8581C CPU @ 2.10GHz',
    flags: ['fpu', 'sse2', 'avx2', 'avx512f'],
  });
  // ARM's /proc/cpuinfo names features "Features", not "flags", and has no vendor_id.
  assert.deepEqual(parseCpuinfo('processor\t: 0\nFeatures\t: fp asimd\nCPU implementer\t: 0x41\n', 'arm64'), {
    arch: 'arm64',
    vendor: null,
    family: null,
    model: null,
    modelName: null,
    flags: [],
  });
  assert.deepEqual(parseCpuinfo('', 'x64').flags, []);
});

/** Loads the engine in a fresh process with `env` (OPENBLAS_CORETYPE removed unless given) and runs `code`. */
function child(code: string, env: Record<string, string> = {}) {
  const base = { ...process.env };
  delete base.OPENBLAS_CORETYPE;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...base, ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return { stdout: r.stdout, stderr: r.stderr };
}

const here = readCpu();
const best = bestCore(here);
// Forcing a core the CPU cannot run would kill the process (illegal instruction): these need AVX2.
const noAvx2 =
  here.arch !== 'x64' || !here.flags.includes('avx2')
    ? `needs an x86-64 CPU with AVX2 (this one: ${here.arch}, ${here.modelName ?? 'unknown model'})`
    : false;

test('OPENBLAS_CORETYPE written from JavaScript before the addon loads reaches OpenBLAS', { skip: noAvx2 }, () => {
  const r = child(
    `process.env.OPENBLAS_CORETYPE = 'HASWELL'; const a = (await import('node:module')).createRequire(import.meta.url)(${JSON.stringify(join(repoRoot, 'build', 'Release', 'nnlab.node'))}); console.log(a.blasInfo().corename);`,
  );
  assert.equal(r.stdout, 'Haswell\n');
});

test(
  "the engine loads with nnlab's core, leaves the environment as it found it, and does not warn",
  { skip: best.core ? false : `nnlab leaves the core to OpenBLAS here (${best.reason})` },
  () => {
    const r = child(
      `const { blas } = await import('./src/engine/index.ts'); const b = blas(); console.log(JSON.stringify([b.core, b.choice, process.env.OPENBLAS_CORETYPE ?? null]));`,
    );
    const [core, choice, env] = JSON.parse(r.stdout);
    assert.equal(core.toLowerCase(), best.core!.toLowerCase());
    assert.deepEqual(choice, { core: best.core, by: 'nnlab', reason: `chosen by nnlab: ${best.reason}` });
    assert.equal(env, null, 'OPENBLAS_CORETYPE is unset again after loading, so child processes decide for themselves');
    assert.equal(r.stderr, '');
  },
);

test("a user's OPENBLAS_CORETYPE is respected", { skip: noAvx2 }, () => {
  const r = child(
    `const { blas } = await import('./src/engine/index.ts'); const b = blas(); console.log(JSON.stringify([b.core, b.choice.by, process.env.OPENBLAS_CORETYPE]));`,
    { OPENBLAS_CORETYPE: 'haswell' },
  );
  assert.deepEqual(JSON.parse(r.stdout), ['Haswell', 'user', 'haswell']);
  assert.equal(r.stderr, '');
});

test(
  'forced PRESCOTT kernels: one warning on stderr, with the fix',
  { skip: best.core ? false : `nothing better than Prescott is chosen here (${best.reason})` },
  () => {
    const r = child(
      `const e = await import('./src/engine/index.ts'); e.blas(); e.blas(); e.sgemmSeconds(64, 1, 1); console.log(e.blas().core);`,
      { OPENBLAS_CORETYPE: 'PRESCOTT' },
    );
    assert.equal(r.stdout, 'Prescott\n');
    assert.equal(
      r.stderr,
      `nnlab: OpenBLAS runs its generic "Prescott" kernels on a CPU that supports ${best.core} (${best.reason}): matrix products run several times slower. Fix: unset OPENBLAS_CORETYPE (now PRESCOTT) so that nnlab chooses ${best.core}, or set OPENBLAS_CORETYPE=${best.core}.\n`,
    );
  },
);

test('the AMX path needs AMX tiles with bfloat16 and AVX-512 BF16, all three', () => {
  const cpu = (flags: string[]) => ({
    arch: 'x64',
    vendor: 'GenuineIntel',
    family: 6,
    model: 143,
    modelName: null,
    flags,
  });
  assert.equal(hasAmxTiles(cpu(['avx512f', 'avx512_bf16', 'amx_tile', 'amx_bf16', 'amx_int8'])), true);
  for (const missing of ['avx512_bf16', 'amx_tile', 'amx_bf16'])
    assert.equal(
      hasAmxTiles(cpu(['avx512f', 'avx512_bf16', 'amx_tile', 'amx_bf16'].filter((f) => f !== missing))),
      false,
      missing,
    );
});
