// The engine on arm64: native/ (without the addon and the x86 kernel files) and the driver
// test/native/driver.cpp, cross-compiled with Debian's g++-aarch64-linux-gnu and run under
// qemu-aarch64: gradient checks, the reference comparison and deterministic training pass at the
// generic level, on a plain-loop gemm (test/native/reference_blas.cpp: no BLAS for arm64 is
// installed). It shows the portable path compiles and computes right for aarch64 Linux; not its
// speed, not OpenBLAS for arm64, not node on arm64, not macOS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../src/engine/native.ts';

const cxx = 'aarch64-linux-gnu-g++';
const sysroot = '/usr/aarch64-linux-gnu';
const found = (cmd: string) => spawnSync(cmd, ['--version']).status === 0;
const skip = !found(cxx)
  ? `${cxx} is not installed (npm run setup installs g++-aarch64-linux-gnu on x86-64 hosts)`
  : !found('qemu-aarch64')
    ? 'qemu-aarch64 is not installed (npm run setup installs qemu-user)'
    : false;

test(
  'the engine cross-compiled for aarch64 passes its gradient checks, reference comparison and training under qemu-aarch64',
  { skip },
  (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'nnlab-arm64-'));
    try {
      const binary = join(dir, 'driver');
      const sources = ['dispatch', 'train', 'schedule', 'model_format', 'gradcheck', 'reference'].map((f) =>
        join('native', `${f}.cpp`),
      );
      const build = spawnSync(
        cxx,
        [
          '-std=c++17',
          '-O2',
          '-pthread',
          '-Wall',
          '-Itest/native/include',
          '-o',
          binary,
          'test/native/driver.cpp',
          'test/native/reference_blas.cpp',
          ...sources,
        ],
        { cwd: repoRoot, encoding: 'utf8' },
      );
      assert.equal(build.status, 0, build.stderr);
      const elf = readFileSync(binary).subarray(0, 20);
      assert.equal(elf.readUInt16LE(18), 183, 'an ELF for EM_AARCH64 (183)');
      const run = spawnSync('qemu-aarch64', ['-L', sysroot, binary], { encoding: 'utf8' });
      const lines = run.stdout.trim().split('\n');
      for (const l of lines) t.diagnostic(l);
      assert.equal(run.status, 0, run.stdout + run.stderr);
      assert.equal(lines[0], 'kernel level: generic');
      assert.equal(lines.at(-1), 'all passed');
      assert.equal(lines.filter((l) => l.startsWith('ok ')).length, 12);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
