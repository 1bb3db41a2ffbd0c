// Where results came from: code version, machine, data identity. Recorded with every trial so a
// report can say how its numbers were made without asking the clock or the machine again.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, release, type } from 'node:os';
import { fileURLToPath } from 'node:url';
import { blas } from '../engine/index.ts';
import type { BlasProvenance, Machine } from '../store/types.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `0.1.0+<git commit>` (with `-dirty` for uncommitted changes), or the package version alone. */
export function codeVersion(): string {
  const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { version: string };
  // An installed package has no .git of its own; git would answer for a repository holding the prefix.
  if (!existsSync(`${ROOT}/.git`)) return pkg.version;
  try {
    const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'native', 'binding.gyp', 'schemas'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
    return `${pkg.version}+${commit}${dirty ? '-dirty' : ''}`;
  } catch {
    return pkg.version;
  }
}

export function machine(): Machine {
  const c = cpus();
  return { cpu: c[0]?.model.trim() ?? 'unknown', cores: c.length, os: `${type()} ${release()}`, node: process.version };
}

/** The BLAS of this process (loading the engine if need be): trial workers record it with their results. */
export function blasProvenance(): BlasProvenance {
  const b = blas();
  return { library: b.library, version: b.version, core: b.core, reason: b.choice.reason };
}
