// Every kernel level this host supports (native/dispatch.h), each in its own process (the level is
// chosen once, at load): the engine tests (gradients, reference, training and determinism, pixels
// against floats) pass at each, each level is deterministic for a given thread count, and the
// levels agree with the generic level (BLAS) within float32 rounding. The level this process runs
// is tested by the suite itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../src/engine/native.ts';
import { blas } from '../../src/engine/index.ts';
import { firstLayerKernel } from './fixtures.ts';
import { probe, agreement, type Probe } from './probe.ts';

const k = blas().kernels;
const supported = k.levels.filter((l) => l.supported).map((l) => l.name);
const others = supported.filter((l) => l !== k.level);
// The runner marks its children (NODE_TEST_CONTEXT); without the mark a child runs as a runner of its own.
const runnerFree = { ...process.env };
delete runnerFree.NODE_TEST_CONTEXT;

for (const level of others)
  test(`the engine tests pass at NNLAB_KERNELS=${level}`, () => {
    const files = ['gradient-check', 'reference', 'train', 'pixels'].map((f) => join('test', 'engine', `${f}.test.ts`));
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...runnerFree, NNLAB_KERNELS: level, NNLAB_AMX: '' },
      maxBuffer: 1 << 26,
    });
    const summary = /^# pass (\d+)\n# fail (\d+)/m.exec(r.stdout);
    assert.equal(
      r.status,
      0,
      r.stdout
        .split('\n')
        .filter((l) => /^not ok|^# (pass|fail)/.test(l))
        .join('\n'),
    );
    assert.ok(summary && Number(summary[1]) > 20 && summary[2] === '0', summary?.[0]);
  });

test('each level is deterministic, runs its own kernels, and agrees with generic within float32 rounding', (t) => {
  const runs: Record<string, Probe> = {};
  for (const level of supported) runs[level] = probe([], { NNLAB_KERNELS: level, NNLAB_AMX: '' });
  for (const level of supported) {
    const p = runs[level];
    assert.equal(p.kernels.level, level);
    const tr = p.trainings;
    assert.equal(tr['float32, 1 thread'].fingerprint, tr['float32, 1 thread, again'].fingerprint, level);
    assert.equal(
      tr['float32, 2 threads, momentum'].fingerprint,
      tr['float32, 2 threads, momentum, again'].fingerprint,
      level,
    );
    for (const name of Object.keys(tr)) assert.equal(tr[name].kernelLevel, level);
    assert.equal(tr['float32, 1 thread'].kernel, firstLayerKernel(level));
    assert.equal(tr['float32 on pixels'].kernel, level === 'amx' ? 'amx-bf16x3' : firstLayerKernel(level));
    for (const [net, maxRel] of Object.entries(p.gradients)) assert.ok(maxRel <= 1e-6, `${level} ${net}: ${maxRel}`);
    for (const [net, d] of Object.entries(p.reference)) assert.ok(d <= 1e-10, `${level} ${net}: ${d}`);
    if (level === 'generic') continue;
    for (const a of agreement(p, runs.generic)) {
      t.diagnostic(`${level} against generic, ${a.name}: ${a.text}`);
      assert.ok(a.ok, `${level} against generic, ${a.name}: ${a.text}`);
    }
  }
});
