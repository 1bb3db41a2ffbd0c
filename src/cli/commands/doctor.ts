// `nnlab doctor`: what this machine gives nnlab — the BLAS library and the kernels it runs, the CPU,
// the toolchain that builds the engine, Chromium and poppler for reports, the data home and its
// datasets — each problem with its fix. Exit 1 when something required is broken.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { blas, type BlasStatus } from '../../engine/index.ts';
import { genericCoreProblem } from '../../engine/blas-core.ts';
import { SOURCE_NAMES, dataHome, installHint, installedStatus } from '../../data/index.ts';
import { CHROMIUM } from '../../report/pdf.ts';

type Status = 'ok' | 'absent' | 'warn' | 'fail';
interface Check {
  name: string;
  status: Status;
  detail: string;
  fix?: string;
}

/** The fix for a missing system package: scripts/setup.sh installs them all. */
const setup = (packages: string) => `run "npm run setup" (it runs apt-get install ${packages})`;

/** The first line a command prints for `args` (stdout, else stderr: pdftotext -v), or null where it fails. */
function firstLine(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000, encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return (r.stdout.trim() || r.stderr.trim()).split('\n')[0];
}

/** A program nnlab needs: ok with its version, else `status` with the fix. */
function tool(name: string, cmd: string, args: string[], status: Status, fix: string): Check {
  const version = firstLine(cmd, args);
  return version === null
    ? { name, status, detail: `${cmd} not found on the PATH`, fix }
    : { name, status: 'ok', detail: version };
}

const CPU_FEATURES = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512_bf16', 'amx_tile'];

function blasChecks(): Check[] {
  let b: BlasStatus;
  try {
    b = blas();
  } catch (err) {
    return [
      {
        name: 'engine',
        status: 'fail',
        detail: (err as Error).message.split('\n')[0],
        fix: 'run "npm run build" (after "npm run setup" on a fresh machine)',
      },
    ];
  }
  const checks: Check[] = [{ name: 'engine', status: 'ok', detail: 'build/Release/nnlab.node loads' }];
  const lib = `OpenBLAS ${b.version}${b.library ? ` (${b.library})` : ''}`;
  checks.push(
    b.headerVersion === b.version
      ? { name: 'BLAS library', status: 'ok', detail: lib }
      : {
          name: 'BLAS library',
          status: 'warn',
          detail: `${lib}, but the engine was compiled against ${b.headerVersion}`,
          fix: 'run "npm run build" to compile against the installed OpenBLAS',
        },
  );
  checks.push({ name: 'BLAS config', status: 'ok', detail: b.config });
  const detail = `${b.core} (${b.choice.reason})`;
  const generic = genericCoreProblem(b.core, b.cpu, b.choice);
  if (generic)
    checks.push({
      name: 'BLAS core',
      status: 'warn',
      detail: `${detail}: generic kernels, several times slower than ${generic.best} (${generic.reason})`,
      fix: generic.fix,
    });
  else if (b.choice.by === 'nnlab' && b.choice.core!.toLowerCase() !== b.core.toLowerCase())
    checks.push({
      name: 'BLAS core',
      status: 'warn',
      detail: `${b.core}, though nnlab chose ${b.choice.core} (${b.choice.reason})`,
      fix: 'this OpenBLAS ignores OPENBLAS_CORETYPE: install one built with DYNAMIC_ARCH (Debian: libopenblas0-pthread)',
    });
  else if (b.choice.by === 'user' && b.choice.core!.toLowerCase() !== b.core.toLowerCase())
    checks.push({
      name: 'BLAS core',
      status: 'warn',
      detail: `${b.core}: OpenBLAS does not know the core "${b.choice.core}" of OPENBLAS_CORETYPE and chose itself`,
      fix: 'unset OPENBLAS_CORETYPE so that nnlab chooses, or set it to a core name OpenBLAS knows (e.g. HASWELL, SKYLAKEX)',
    });
  else checks.push({ name: 'BLAS core', status: 'ok', detail });
  checks.push(kernelLevelCheck(b));
  const c = b.cpu;
  const id = [c.vendor, c.family !== null ? `family ${c.family}` : null, c.model !== null ? `model ${c.model}` : null]
    .filter(Boolean)
    .join(' ');
  const features = CPU_FEATURES.filter((f) => c.flags.includes(f));
  checks.push({
    name: 'CPU',
    status: 'ok',
    detail: `${c.modelName ?? c.arch}${id ? `, ${id}` : ''}, ${availableParallelism()} cores; ${features.length ? features.join(' ') : 'none of ' + CPU_FEATURES.join(' ')}`,
  });
  return checks;
}

/**
 * The kernel level in use (native/dispatch.h) and what takes the first layer's products there; a
 * forced level the CPU lacks fails with the engine's own one-line refusal, split at its fix.
 */
function kernelLevelCheck(b: BlasStatus): Check {
  const k = b.kernels;
  const name = 'kernel level';
  if (k.refusal) {
    const at = k.refusal.indexOf('. Fix: ');
    return at < 0
      ? { name, status: 'fail', detail: k.refusal }
      : { name, status: 'fail', detail: k.refusal.slice(0, at), fix: k.refusal.slice(at + '. Fix: '.length) };
  }
  const why = k.forced
    ? `NNLAB_KERNELS=${k.forced}; this CPU supports up to ${k.best}`
    : k.amxOff && k.best === 'amx'
      ? 'NNLAB_AMX=off; this CPU supports up to amx'
      : 'the best this CPU supports';
  const firstLayer =
    k.level === 'amx'
      ? 'AMX tiles (amx-bf16x3) for float32 training on pixels, avx512 vector kernels for float64 and augmented training'
      : k.level === 'generic'
        ? 'OpenBLAS for the first layer'
        : `${k.level} vector kernels for the first layer`;
  const detail = `${k.level} (${why}): ${firstLayer}`;
  const amx = k.levels.find((l) => l.name === 'amx');
  // The CPU has the tiles (CPUID), but Linux did not grant them: the one gap a user can fix here.
  if (amx && amx.lacks.startsWith("Linux's grant") && !k.forced && !k.amxOff)
    return {
      name,
      status: 'warn',
      detail: `${detail}; this CPU has AMX tiles, but it lacks ${amx.lacks}`,
      fix: 'run Linux 5.16 or later (AMX runs the first layer about 2× faster; results are float32 either way)',
    };
  return { name, status: 'ok', detail };
}

function toolchainChecks(): Check[] {
  const major = Number(process.versions.node.split('.')[0]);
  const pkg = firstLine('pkg-config', ['--modversion', 'openblas']);
  return [
    major >= 20
      ? { name: 'node', status: 'ok', detail: process.version }
      : {
          name: 'node',
          status: 'fail',
          detail: `${process.version}; nnlab needs Node.js ≥ 20`,
          fix: 'install Node.js 20 or later',
        },
    tool('npm', 'npm', ['--version'], 'fail', 'install npm (it comes with Node.js)'),
    tool('g++', 'g++', ['--version'], 'fail', setup('build-essential')),
    tool('make', 'make', ['--version'], 'fail', setup('build-essential')),
    tool('python3', 'python3', ['--version'], 'fail', `${setup('python3')}; node-gyp needs it`),
    pkg === null
      ? {
          name: 'pkg-config openblas',
          status: 'fail',
          detail:
            firstLine('pkg-config', ['--version']) === null
              ? 'pkg-config not found on the PATH'
              : 'pkg-config does not find openblas',
          fix: setup('pkg-config libopenblas-dev'),
        }
      : { name: 'pkg-config openblas', status: 'ok', detail: pkg },
  ];
}

function reportChecks(): Check[] {
  const chromium = existsSync(CHROMIUM) ? firstLine(CHROMIUM, ['--version']) : null;
  return [
    chromium === null
      ? {
          name: 'Chromium',
          status: 'warn',
          detail: `not installed at ${CHROMIUM}: reports are written without report.pdf`,
          fix: `${setup('chromium')}, or set NNLAB_CHROMIUM to a Chromium binary`,
        }
      : { name: 'Chromium', status: 'ok', detail: `${chromium.trim()} (${CHROMIUM})` },
    tool(
      'poppler-utils',
      'pdftotext',
      ['-v'],
      'warn',
      `${setup('poppler-utils')}; the report tests read PDFs back with it`,
    ),
  ];
}

/** The nearest folder of `path` that exists is writable (so the data home can be created). */
function writable(path: string): boolean {
  let p = path;
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  try {
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function dataChecks(): Check[] {
  const home = dataHome();
  const why = process.env.NNLAB_DATA
    ? '$NNLAB_DATA'
    : process.env.XDG_CACHE_HOME
      ? '$XDG_CACHE_HOME/nnlab'
      : '~/.cache/nnlab';
  const checks: Check[] = [
    writable(home)
      ? { name: 'data home', status: 'ok', detail: `${home} (${why})` }
      : {
          name: 'data home',
          status: 'fail',
          detail: `${home} (${why}) cannot be written`,
          fix: 'set NNLAB_DATA to a folder you can write',
        },
  ];
  for (const s of SOURCE_NAMES) {
    const st = installedStatus(s);
    if (st.installed) checks.push({ name: s, status: 'ok', detail: st.description });
    else
      checks.push({
        name: s,
        status: 'absent',
        detail: `not installed in ${st.root}`,
        fix:
          s === 'cifar10'
            ? '"nnlab data fetch cifar10" (nnlab run also downloads it when an experiment needs it)'
            : installHint(s),
      });
  }
  return checks;
}

const LABEL: Record<Status, string> = { ok: 'ok', absent: '--', warn: 'warn', fail: 'FAIL' };

/** The report's lines: one per check under its section, the fix indented below a problem. */
export function formatChecks(sections: [string, Check[]][]): string {
  const width = Math.max(...sections.flatMap(([, cs]) => cs.map((c) => c.name.length)));
  const lines: string[] = [];
  for (const [title, checks] of sections) {
    lines.push(title);
    for (const c of checks) {
      lines.push(`  ${LABEL[c.status].padEnd(4)}  ${c.name.padEnd(width)}  ${c.detail}`);
      if (c.fix && c.status !== 'ok') lines.push(`  ${''.padEnd(4)}  ${''.padEnd(width)}  fix: ${c.fix}`);
    }
  }
  return lines.join('\n');
}

export async function run(): Promise<number> {
  const sections: [string, Check[]][] = [
    ['BLAS and CPU', blasChecks()],
    ['toolchain (builds the engine)', toolchainChecks()],
    ['reports', reportChecks()],
    ['data', dataChecks()],
  ];
  console.log(formatChecks(sections));
  const failed = sections.flatMap(([, cs]) => cs).filter((c) => c.status === 'fail');
  const warned = sections.flatMap(([, cs]) => cs).filter((c) => c.status === 'warn');
  console.log(
    failed.length
      ? `\n${failed.length} required check${failed.length === 1 ? '' : 's'} failed: ${failed.map((c) => c.name).join(', ')}`
      : `\nnothing required is broken${warned.length ? ` (${warned.length} warning${warned.length === 1 ? '' : 's'}: ${warned.map((c) => c.name).join(', ')})` : ''}`,
  );
  return failed.length ? 1 : 0;
}
