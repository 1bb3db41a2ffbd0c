// One side of a diff: an experiment file in the work tree, or `REV:path` read with git into a
// temporary folder together with the files it extends (so relative `extends` resolve at the same
// revision). Resolving and comparing the sides is compare.ts's job.
import { existsSync, mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { displayPath } from '../config/load.ts';
import { filesAt, GitError, repoRoot, showFile, verifyRevision } from './git.ts';
import type { WriteFix } from '../errors.ts';
import { writingFile } from '../writes.ts';

export interface Side {
  /** How the side is named in output: `experiments/a.yaml` or `main:experiments/a.yaml`. */
  label: string;
  /** The file to resolve (a temporary copy for a revision). */
  file: string;
  /** Where the file lives in the work tree; its run store is found from here. */
  storeFile: string;
  /** The revision, for a side read with git. */
  rev?: string;
  /** Every file of the side's extends chain, repository-relative when known, with its text. */
  texts: Map<string, string>;
  /** Turns a position's file (as load.ts shows it) into the name shown to the user. */
  relabel(text: string): string;
  cleanup(): void;
}

const identity = (s: string) => s;

/** The `extends` value of a YAML text, if it has one (parse errors are left to the resolver). */
function extendsOf(text: string): string | null {
  try {
    const v = parseYaml(text) as unknown;
    return v && typeof v === 'object' && typeof (v as Record<string, unknown>).extends === 'string'
      ? ((v as Record<string, unknown>).extends as string)
      : null;
  } catch {
    return null;
  }
}

/** A side read from git is written to a temporary folder: where a failure to do so points. */
const TMP_FIX: WriteFix = { elsewhere: 'set TMPDIR to another folder', then: 'run nnlab diff again' };

/**
 * Writes `rel` and the chain of files it extends into a fresh temporary folder, mirroring their
 * repository-relative paths; `read` gives a file's text or null when it does not exist.
 */
function materialize(
  rel: string,
  read: (rel: string) => string | null,
  prefix: string,
): { dir: string; texts: Map<string, string> } {
  const dir = writingFile(tmpdir(), TMP_FIX, () => mkdtempSync(join(tmpdir(), `nnlab-${prefix}-`)));
  const texts = new Map<string, string>();
  let cur: string | null = rel;
  while (cur !== null && !texts.has(cur) && !cur.startsWith('..')) {
    const text = read(cur);
    if (text === null) break;
    texts.set(cur, text);
    const target = join(dir, ...cur.split('/'));
    writingFile(tmpdir(), TMP_FIX, () => {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
    });
    const ext = extendsOf(text);
    cur = ext === null ? null : posix.normalize(posix.join(posix.dirname(cur), ext.split(sep).join('/')));
  }
  return { dir, texts };
}

function relabeller(dir: string, name: (rel: string) => string): (text: string) => string {
  const shown = [dir + sep, displayPath(join(dir, 'x')).slice(0, -1)];
  return (text) => {
    let out = text;
    for (const prefix of shown) {
      let i: number;
      while ((i = out.indexOf(prefix)) >= 0) {
        const m = /^[^\s:"]+/.exec(out.slice(i + prefix.length));
        const rel = m ? m[0] : '';
        out = out.slice(0, i) + name(rel.split(sep).join('/')) + out.slice(i + prefix.length + rel.length);
      }
    }
    return out;
  };
}

/** A work-tree file: the extends chain is read only to tell `--git` which files take part. */
export function fileSide(file: string): Side {
  const abs = resolve(file);
  const texts = new Map<string, string>();
  let cur: string | null = abs;
  while (cur && !texts.has(cur) && existsSync(cur)) {
    const text = readFileSync(cur, 'utf8');
    texts.set(cur, text);
    const ext = extendsOf(text);
    cur = ext === null ? null : resolve(dirname(cur), ext);
  }
  return { label: displayPath(abs), file: abs, storeFile: abs, texts, relabel: identity, cleanup: () => {} };
}

/** `REV:path`: path relative to the repository root, or to the working directory when it starts with ./ or ../. */
export function revisionSide(spec: string, cwd = process.cwd()): Side {
  const colon = spec.indexOf(':');
  const rev = spec.slice(0, colon);
  let path = spec.slice(colon + 1);
  const root = repoRoot(cwd);
  if (!root) throw new GitError(`"${spec}" is not a file, and ${cwd} is not in a git repository to read it from`);
  verifyRevision(root, rev);
  if (path.startsWith('./') || path.startsWith('../') || isAbsolute(path))
    path = relative(root, resolve(cwd, path)).split(sep).join('/');
  const { dir, texts } = materialize(path, (rel) => showFile(root, rev, rel), 'diff');
  if (!texts.has(path)) {
    rmSync(dir, { recursive: true, force: true });
    throw new GitError(
      `${rev}:${path} does not exist (paths after "REV:" are relative to the repository root ${root}; write REV:./file for one relative to the working directory)`,
    );
  }
  return {
    label: `${rev}:${path}`,
    file: join(dir, ...path.split('/')),
    storeFile: join(root, ...path.split('/')),
    rev,
    texts,
    relabel: relabeller(dir, (rel) => `${rev}:${rel}`),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A side from a command-line argument: an existing file, else `REV:path`. */
export function openSide(arg: string, cwd = process.cwd()): Side {
  if (existsSync(resolve(cwd, arg))) return fileSide(resolve(cwd, arg));
  if (/^[^:]+:./.test(arg)) return revisionSide(arg, cwd);
  throw new GitError(
    `cannot read "${arg}": no such file, and not of the form REV:path (e.g. main:experiments/assignment2.yaml)`,
  );
}

/**
 * For git's textconv: git hands over the old side as a temporary copy (`XXXXXX_name.yaml`) whose
 * relative `extends` cannot resolve there. When that happens, the copy is placed where the file of
 * that name lives in the repository, beside the files it extends as they are in the work tree.
 * Returns null when the file needs no such help.
 */
export function textconvSide(file: string, cwd = process.cwd()): Side | null {
  const abs = resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch {
    return null;
  }
  const ext = extendsOf(text);
  if (ext === null || existsSync(resolve(dirname(abs), ext))) return null;
  const root = repoRoot(cwd);
  if (!root) return null;
  const name = basename(abs).replace(/^[A-Za-z0-9]{6}_/, '');
  let candidates: string[];
  try {
    candidates = filesAt(root, 'HEAD', '.').filter((p) => posix.basename(p) === name);
  } catch {
    candidates = [];
  }
  const rel = candidates.length === 1 ? candidates[0] : candidates.find((p) => p === `experiments/${name}`);
  if (!rel) return null;
  const { dir, texts } = materialize(
    rel,
    (r) => (r === rel ? text : existsSync(join(root, r)) ? readFileSync(join(root, r), 'utf8') : null),
    'textconv',
  );
  return {
    label: rel,
    file: join(dir, ...rel.split('/')),
    storeFile: join(root, ...rel.split('/')),
    texts,
    relabel: relabeller(dir, identity),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
