// Writes outside the run store (reports, data installs, caches): each runs inside `writingFile`, so a
// full disk, a file size limit or a read-only folder is one WriteError naming the path, the reason
// and the fix (errors.ts words them). Staging and renaming into place is each writer's own.
import { existsSync, fstatSync, mkdirSync, readlinkSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { WriteError, type WriteFix } from './errors.ts';

/** Runs a write; a file-system error becomes a WriteError naming `path` (see WriteError.of). */
export function writingFile<T>(path: string, fix: WriteFix, write: () => T): T {
  try {
    return write();
  } catch (err) {
    throw WriteError.of(err, path, fix);
  }
}

/** The same for a write that resolves later. */
export async function writingFileAsync<T>(path: string, fix: WriteFix, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    throw WriteError.of(err, path, fix);
  }
}

/**
 * mkdir -p that fails with the real reason: Node's recursive mkdir answers ENOENT where a folder
 * cannot be made on a read-only file system, so the missing folders are made one at a time.
 */
export function makeDirs(path: string): void {
  if (existsSync(path)) return;
  const parent = dirname(path);
  if (parent !== path) makeDirs(parent);
  try {
    mkdirSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** makeDirs for async callers (the same checks, awaited one folder at a time). */
export async function makeDirsAsync(path: string): Promise<void> {
  if (existsSync(path)) return;
  const parent = dirname(path);
  if (parent !== path) await makeDirsAsync(parent);
  await mkdir(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

/** Standard output named for a message: with the file it goes to when the system says (e.g. /dev/full). */
function standardOutput(): string {
  try {
    const to = readlinkSync('/proc/self/fd/1');
    return to.startsWith('/') ? `standard output (${to})` : 'standard output';
  } catch {
    return 'standard output';
  }
}

const STDOUT_FIX: WriteFix = {
  elsewhere: 'send it elsewhere',
  then: 'run the command again',
};

/** A failed write to standard output as the one-line WriteError, or null when `err` is not a file-system error. */
export function stdoutFailure(err: unknown): WriteError | null {
  const e = WriteError.of(err, standardOutput(), STDOUT_FIX);
  return e instanceof WriteError ? e : null;
}

/**
 * Writes `text` to standard output whole. Node's stream writes a regular file with one write(2) and
 * ignores a short count, so a file size limit (ulimit -f) would cut the output silently: to a file,
 * the rest is written until done or until the system names the fault (EFBIG, ENOSPC).
 */
export function writeStdout(text: string): void {
  let file = false;
  try {
    file = fstatSync(1).isFile();
  } catch {
    // No standard output to look at: write through the stream as usual.
  }
  if (!file) {
    process.stdout.write(text);
    return;
  }
  const bytes = Buffer.from(text);
  try {
    for (let at = 0; at < bytes.length;) at += writeSync(1, bytes, at);
  } catch (err) {
    throw stdoutFailure(err) ?? err;
  }
}
