// The one build for every x86-64 CPU (binding.gyp, native/dispatch.h): the files built for the
// baseline contain no AVX or AVX-512 instruction, the per-level files export nothing but their
// table (no inline function the linker could pick for baseline code), and NNLAB_KERNELS's word is
// taken or refused by its exact one-line message. Refusals for levels this CPU lacks are tested
// under emulated CPUs (qemu.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../src/engine/native.ts';
import { blas, KERNEL_LEVELS } from '../../src/engine/index.ts';

const objects = join(repoRoot, 'build', 'Release', 'obj.target');
const have = (cmd: string) => spawnSync(cmd, ['--version']).status === 0;
const noObjects =
  process.arch !== 'x64'
    ? `not an x86-64 build (${process.arch})`
    : !existsSync(join(objects, 'nnlab', 'native'))
      ? `no object files in ${objects} (build with "npm run build:native")`
      : !have('objdump') || !have('nm')
        ? 'objdump and nm (binutils) are not installed'
        : false;

const objectsOf = (target: string) =>
  readdirSync(join(objects, target, 'native'))
    .filter((f) => f.endsWith('.o'))
    .map((f) => join(objects, target, 'native', f));

test('files built for the baseline use no ymm, zmm, mask or tile register', { skip: noObjects }, () => {
  const files = objectsOf('nnlab');
  assert.ok(files.length >= 7, files.join(', '));
  for (const f of files) {
    const asm = spawnSync('objdump', ['-d', '--no-show-raw-insn', f], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout;
    assert.ok(asm.length > 1000, `${f}: objdump printed ${asm.length} characters`);
    const used = asm.split('\n').filter((l) => /%(ymm|zmm|tmm)\d|%k[0-7]\b/.test(l));
    assert.deepEqual(used.slice(0, 3), [], `${f}: ${used.length} instructions beyond the baseline`);
  }
  // The search finds such instructions where they are: the AVX-512 file's.
  const [avx512] = objectsOf('nnlab_avx512');
  const asm = spawnSync('objdump', ['-d', '--no-show-raw-insn', avx512], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  }).stdout;
  assert.match(asm, /%zmm\d/);
});

test(
  'each level’s file defines its table and no weak (inline) code the linker could share',
  { skip: noObjects },
  () => {
    const expected: Record<string, string[]> = {
      nnlab_avx2: ['nnlab::avx2_kernels()'],
      nnlab_avx512: ['nnlab::avx512_kernels()'],
      nnlab_amx: ['nnlab::amx::new_first_layer(int, int, int, float const*, float const*)'],
    };
    for (const [target, exported] of Object.entries(expected)) {
      const [file] = objectsOf(target);
      const symbols = spawnSync('nm', ['-C', '--defined-only', file], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter(Boolean)
        .map((l) => /^\S+ (\S) (.*)$/.exec(l)!)
        .filter((m) => m && m[1] !== 'r' && m[1] !== 't' && m[1] !== 'b' && m[1] !== 'd');
      // Only the table's function, global; DW.ref.__gxx_personality_v0 is a pointer (data), not code.
      assert.deepEqual(
        symbols.filter((m) => !m[2].startsWith('DW.ref.')).map((m) => `${m[1]} ${m[2]}`),
        exported.map((e) => `T ${e}`),
        target,
      );
    }
  },
);

/** The engine's refusal ("UsageError: …") or "ok <level>" in a fresh process with env added. */
function loadWith(env: Record<string, string>): string {
  const script = `import('${join(repoRoot, 'dist', 'engine', 'index.js')}').then((m) => { m.loadEngine(); console.log('ok ' + m.blas().kernels.level); }).catch((e) => console.log(e.name + ': ' + e.message));`;
  const base = { ...process.env };
  delete base.NNLAB_KERNELS;
  delete base.NNLAB_AMX;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...base, ...env },
  });
  return (r.stdout + r.stderr).trim();
}

test('NNLAB_KERNELS forces each level this CPU supports; a word that is not a level is refused by name', () => {
  const k = blas().kernels;
  for (const l of k.levels) assert.equal(l.supported, l.lacks === '', l.name);
  assert.deepEqual(
    k.levels.map((l) => l.name),
    [...KERNEL_LEVELS],
  );
  assert.equal(k.levels[0].supported, true, 'generic runs everywhere');
  for (const l of k.levels.filter((x) => x.supported))
    assert.equal(loadWith({ NNLAB_KERNELS: l.name }), `ok ${l.name}`);
  assert.equal(loadWith({}), `ok ${k.best}`);
  assert.equal(
    loadWith({ NNLAB_KERNELS: 'AVX2' }),
    'UsageError: NNLAB_KERNELS=AVX2 is not a kernel level. Fix: set one of generic, avx2, avx512, amx, or unset it to use the best this CPU supports',
  );
});

test('NNLAB_AMX=off means "not amx": the best level below it; with NNLAB_KERNELS=amx a contradiction', () => {
  const k = blas().kernels;
  const below = [...k.levels].reverse().find((l) => l.supported && l.name !== 'amx')!.name;
  assert.equal(loadWith({ NNLAB_AMX: 'off' }), `ok ${below}`);
  assert.equal(
    loadWith({ NNLAB_AMX: '0', NNLAB_KERNELS: 'avx2' }),
    k.levels[1].supported ? 'ok avx2' : loadWith({ NNLAB_KERNELS: 'avx2' }),
  );
  assert.equal(
    loadWith({ NNLAB_AMX: 'off', NNLAB_KERNELS: 'amx' }),
    k.levels[3].supported
      ? 'UsageError: NNLAB_KERNELS=amx contradicts NNLAB_AMX=off. Fix: unset one of them'
      : loadWith({ NNLAB_KERNELS: 'amx' }),
  );
});
