// `nnlab diff A B` and `nnlab diff --git REV`: what a config change really changes (settings,
// trials, stored results), printed for a terminal, a pull request (md) or a program (json).
// Exit 0 without a semantic change, 1 with one, 2 on an error, like diff(1).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, ConfigErrors, UsageError } from '../../errors.ts';
import type { Args } from '../args.ts';
import { compareExperiments, resolveSide, type FileDiff } from '../../diff/compare.ts';
import { json, markdown, terminal, useColour, type Format } from '../../diff/format.ts';
import { filesAt, repoRoot, verifyRevision, GitError } from '../../diff/git.ts';
import { fileSide, openSide, revisionSide, type Side } from '../../diff/sides.ts';

/** The two ways to call diff: two sides, or --git REV alone. */
function parse(args: Args): { format: Format; git?: string; files: string[] } {
  const git = args.string('git');
  const files = args.positionals;
  if (git !== undefined && files.length) throw new UsageError('diff: give either two files or --git REV, not both');
  if (git === undefined && files.length !== 2)
    throw new UsageError(
      `diff: give two experiment files (or REV:path), e.g. nnlab diff main:experiments/assignment2.yaml experiments/assignment2.yaml; got ${files.length}`,
    );
  return { format: (args.string('format') ?? 'terminal') as Format, git, files };
}

/** Resolves a side, with a revision's temporary paths in messages turned back into REV:path. */
function resolveOrThrow(side: Side) {
  try {
    return resolveSide(side);
  } catch (err) {
    if (err instanceof ConfigErrors || err instanceof ConfigError)
      throw new Error(side.relabel(err.message), { cause: err });
    throw err;
  }
}

function diffPair(a: Side, b: Side): FileDiff {
  return compareExperiments({ side: a, exp: resolveOrThrow(a) }, { side: b, exp: resolveOrThrow(b) });
}

/** Every experiments/*.yaml whose text, or the text of a file it extends, differs between REV and the work tree. */
function diffGit(rev: string, errors: string[]): FileDiff[] {
  const root = repoRoot(process.cwd());
  if (!root) throw new GitError(`--git needs a git repository; ${process.cwd()} is not in one`);
  verifyRevision(root, rev);
  const isExperiment = (p: string) => /^experiments\/[^/]+\.ya?ml$/.test(p);
  const atRev = new Set(filesAt(root, rev, 'experiments').filter(isExperiment));
  const dir = join(root, 'experiments');
  const inTree = new Set(
    existsSync(dir)
      ? readdirSync(dir)
          .map((n) => `experiments/${n}`)
          .filter(isExperiment)
      : [],
  );
  const sides = [...new Set([...atRev, ...inTree])].sort().map((rel) => ({
    rel,
    a: atRev.has(rel) ? revisionSide(`${rev}:${rel}`, root) : null,
    b: inTree.has(rel) ? fileSide(join(root, rel)) : null,
  }));
  // A file that another experiment extends may be a partial base that does not resolve alone;
  // its changes show in the experiments that extend it.
  const extended = new Set<string>();
  for (const s of sides) {
    [...(s.a?.texts.keys() ?? [])].slice(1).forEach((k) => extended.add(k));
    [...(s.b?.texts.keys() ?? [])].slice(1).forEach((k) =>
      extended.add(
        k
          .slice(root.length + 1)
          .split('\\')
          .join('/'),
      ),
    );
  }
  const out: FileDiff[] = [];
  try {
    for (const { rel, a, b } of sides) {
      if (a && b && [...a.texts.values()].join('\0') === [...b.texts.values()].join('\0')) continue;
      const resolveMaybe = (side: Side | null) => {
        if (!side) return null;
        try {
          return resolveOrThrow(side);
        } catch (err) {
          if (extended.has(rel)) return undefined;
          throw err;
        }
      };
      try {
        const ea = resolveMaybe(a);
        const eb = resolveMaybe(b);
        if (ea === undefined || eb === undefined || (!ea && !eb)) continue;
        const none: Side = {
          label: '/dev/null',
          file: '',
          storeFile: '',
          texts: new Map(),
          relabel: (s) => s,
          cleanup: () => {},
        };
        out.push(
          compareExperiments(
            { side: a ?? { ...none, label: `${rev}:${rel} (absent)` }, exp: ea },
            { side: b ?? { ...none, label: `${rel} (absent)` }, exp: eb },
          ),
        );
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
  } finally {
    for (const s of sides) s.a?.cleanup();
  }
  return out;
}

export async function run(args: Args): Promise<number> {
  const opts = parse(args);
  const opened: Side[] = [];
  try {
    const errors: string[] = [];
    let files: FileDiff[];
    if (opts.git !== undefined) files = diffGit(opts.git, errors);
    else {
      const a = openSide(opts.files[0]);
      opened.push(a);
      const b = openSide(opts.files[1]);
      opened.push(b);
      files = [diffPair(a, b)];
    }
    const title = opts.git !== undefined ? `nnlab diff --git ${opts.git}` : 'nnlab diff';
    if (opts.format === 'json') process.stdout.write(json(files));
    else if (opts.format === 'md') process.stdout.write(markdown(files, title));
    else if (files.length || !errors.length)
      process.stdout.write(
        files.length ? terminal(files, useColour(process.stdout)) : `${title}: no experiment changed\n`,
      );
    for (const e of errors) console.error(e);
    if (errors.length) return 2;
    return files.some((d) => d.semanticChange) ? 1 : 0;
  } catch (err) {
    // Not main's error path: diff's exit 1 means "changed", so its errors exit 2, as diff(1)'s do.
    if (err instanceof GitError || err instanceof ConfigErrors || err instanceof ConfigError)
      console.error(err.message);
    else console.error(err instanceof Error ? err.message : String(err));
    return 2;
  } finally {
    for (const s of opened) s.cleanup();
  }
}
