// The few git questions `nnlab diff` asks (repository root, a file at a revision, the files that
// changed since a revision), through the git command itself. Reading the files is sides.ts's job.
import { execFileSync } from 'node:child_process';

export class GitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitError';
  }
}

function git(args: string[], cwd: string): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new GitError('git is not installed (needed to read files at a revision)');
    throw new GitError(`git ${args.join(' ')}: ${(e.stderr ?? String(err)).trim().split('\n')[0]}`);
  }
}

/** The top folder of the work tree that holds `cwd`, or null outside a repository. */
export function repoRoot(cwd: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

/** The text of `path` (relative to the repository root, '/'-separated) at `rev`, or null when absent. */
export function showFile(root: string, rev: string, path: string): string | null {
  try {
    return execFileSync('git', ['show', `${rev}:${path}`], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
    });
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new GitError('git is not installed (needed to read files at a revision)');
    const msg = e.stderr ?? '';
    if (/does not exist|exists on disk, but not in/.test(msg)) return null;
    throw new GitError(`git show ${rev}:${path}: ${msg.trim().split('\n')[0]}`);
  }
}

/** Checks that `rev` names a commit; throws a GitError saying so otherwise. */
export function verifyRevision(root: string, rev: string): void {
  try {
    execFileSync('git', ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { cwd: root, stdio: 'ignore' });
  } catch {
    throw new GitError(`"${rev}" is not a revision of the repository at ${root}`);
  }
}

/** Files under `dir` (repository-relative) at `rev`. */
export function filesAt(root: string, rev: string, dir: string): string[] {
  return git(['ls-tree', '-r', '--name-only', rev, '--', dir], root).split('\n').filter(Boolean);
}
