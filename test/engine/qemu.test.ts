// The one build on CPUs this host is not: node itself runs under qemu-user (qemu-x86_64 -cpu …),
// so the addon's kernels run in the emulated process (the processes node spawns would run
// natively). Under an AVX2 CPU without AVX-512 (Haswell) and one without AVX (Nehalem) the engine
// chooses the level the emulated CPU has, trains and passes its gradient checks, agrees with the
// native run at that level within float32 rounding, and refuses a forced level the CPU lacks
// with its one line instead of dying of an illegal instruction. Correctness only: no timings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../src/engine/native.ts';
import { agreement, probe } from './probe.ts';

const qemu = spawnSync('qemu-x86_64', ['--version'], { encoding: 'utf8' });
const skip =
  process.arch !== 'x64'
    ? `not an x86-64 host (${process.arch})`
    : qemu.status !== 0
      ? 'qemu-x86_64 is not installed (npm run setup installs qemu-user)'
      : false;

// OpenBLAS is told a core the emulated CPU has (the host's /proc/cpuinfo, which qemu-user shows
// unchanged, would make nnlab choose one it lacks); the native run it is compared with uses the same.
const cpus = [
  { cpu: 'Haswell', level: 'avx2', core: 'HASWELL', lacks: 'avx512f avx512bw avx512dq avx512vl', forced: 'avx512' },
  { cpu: 'Nehalem', level: 'generic', core: 'NEHALEM', lacks: 'avx avx2 fma', forced: 'avx2' },
] as const;

for (const c of cpus)
  test(
    `under qemu -cpu ${c.cpu}: the ${c.level} level trains, checks its gradients and agrees with the native run`,
    { skip },
    (t) => {
      const env = { OPENBLAS_CORETYPE: c.core, NNLAB_KERNELS: '', NNLAB_AMX: '' };
      const emulated = probe(['qemu-x86_64', '-cpu', c.cpu], env, true);
      const native = probe([], { ...env, NNLAB_KERNELS: c.level }, true);
      assert.equal(emulated.kernels.level, c.level);
      assert.equal(emulated.kernels.best, c.level);
      const next = emulated.kernels.levels.find((l) => l.name === c.forced)!;
      assert.equal(next.lacks, c.lacks);
      for (const [net, maxRel] of Object.entries(emulated.gradients)) assert.ok(maxRel <= 1e-6, `${net}: ${maxRel}`);
      for (const [net, d] of Object.entries(emulated.reference)) assert.ok(d <= 1e-10, `${net}: ${d}`);
      const rows = agreement(emulated, native);
      assert.ok(rows.length >= 4, rows.map((r) => r.name).join(', '));
      for (const r of rows) {
        t.diagnostic(`${c.cpu} against native ${c.level}, ${r.name}: ${r.text}`);
        assert.ok(r.ok, `${r.name}: ${r.text}`);
      }
    },
  );

test(
  'under qemu -cpu Haswell, NNLAB_KERNELS=avx512 is refused by its one line, in the engine and in the addon',
  { skip },
  () => {
    const addon = join(repoRoot, 'build', 'Release', 'nnlab.node');
    const script = `
    const m = await import('${join(repoRoot, 'dist', 'engine', 'index.js')}');
    try { m.loadEngine(); } catch (e) { console.log(e.name + ': ' + e.message); }
    const a = (await import('node:module')).createRequire(import.meta.url)('${addon}');
    try { a.evaluate(new Uint8Array(0), {}, 0, 1); } catch (e) { console.log('addon: ' + e.message); }`;
    const r = spawnSync('qemu-x86_64', ['-cpu', 'Haswell', process.execPath, '--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, OPENBLAS_CORETYPE: 'HASWELL', NNLAB_KERNELS: 'avx512', NNLAB_AMX: '' },
    });
    const message =
      'NNLAB_KERNELS=avx512: this CPU lacks avx512f avx512bw avx512dq avx512vl, so the avx512 kernels cannot run here. Fix: set NNLAB_KERNELS=avx2 (the best it supports) or unset it to use the best this CPU supports';
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `UsageError: ${message}\naddon: ${message}\n`);
  },
);
