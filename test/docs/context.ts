// The place where the docs' commands run: a temporary folder laid out like a clone (experiments/,
// package.json, bin/ linked to this repository's command, a git history with a main branch), the
// run store at its runs/, `nnlab` on the PATH, a HOME of its own, and a real shell to run lines in.
// The data home stays the user's (Fashion-MNIST is Debian's, CIFAR-10 where it is installed).
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { dataHome } from '../../src/data/sources.ts';
import { repoRoot, tempDir } from '../data/fixtures.ts';

export interface ShellResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface DocsContext {
  dir: string;
  env: Record<string, string>;
  /** Runs a command line in a real shell (bash unless told) in the folder; `env` adds variables. */
  sh(line: string, opts?: { shell?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<ShellResult>;
  /** Commits the work tree's changes as a new commit of main. */
  commit(message: string): Promise<void>;
}

export const HAS_ZSH = existsSync('/usr/bin/zsh') || existsSync('/bin/zsh');

export async function docsContext(prefix: string): Promise<DocsContext> {
  const dir = tempDir(prefix);
  cpSync(join(repoRoot, 'experiments'), join(dir, 'experiments'), { recursive: true });
  cpSync(join(repoRoot, 'package.json'), join(dir, 'package.json'));
  // bin/ is the repository's own: node follows the link, so the command finds its dist/ and engine.
  symlinkSync(join(repoRoot, 'bin'), join(dir, 'bin'));
  mkdirSync(join(dir, '.path'));
  symlinkSync(join(repoRoot, 'bin', 'nnlab.js'), join(dir, '.path', 'nnlab'));
  mkdirSync(join(dir, 'home'));
  // The folders the docs' commands read and write are the context's; other settings (NNLAB_AMX,
  // OPENBLAS_CORETYPE, …) are the caller's. No display: --open prints its address and opens nothing.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k, v]) => v !== undefined && !/^(NNLAB_(RUNS|DATA|CONFIG)$|XDG_|GIT_|DISPLAY$|WAYLAND_DISPLAY$)/.test(k),
    ),
  ) as Record<string, string>;
  const env: Record<string, string> = {
    ...inherited,
    PATH: `${join(dir, '.path')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: join(dir, 'home'),
    NNLAB_DATA: dataHome(),
    NNLAB_RUNS: join(dir, 'runs'),
    GIT_AUTHOR_NAME: 'nnlab docs',
    GIT_AUTHOR_EMAIL: 'docs@nnlab.invalid',
    GIT_COMMITTER_NAME: 'nnlab docs',
    GIT_COMMITTER_EMAIL: 'docs@nnlab.invalid',
    GIT_CONFIG_NOSYSTEM: '1',
  };
  const sh: DocsContext['sh'] = (line, opts = {}) =>
    new Promise((done) => {
      const child = spawn(opts.shell ?? 'bash', ['-c', line], {
        cwd: dir,
        env: { ...env, ...opts.env },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: opts.timeoutMs ?? 300_000,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => done({ code, stdout, stderr }));
    });
  const git = async (line: string) => {
    const r = await sh(line);
    if (r.code !== 0) throw new Error(`${line}: ${r.stderr}`);
  };
  await git('git init -q -b main && git add experiments package.json && git commit -q -m "experiments"');
  return { dir, env, sh, commit: (message) => git(`git add -A experiments && git commit -q -m '${message}'`) };
}
