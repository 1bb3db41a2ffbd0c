// Writes outside the run store (reports, data installs, caches): each runs inside `writingFile`, so a
// full disk, a file size limit or a read-only folder is one WriteError naming the path, the reason
// and the fix (errors.ts words them). Staging and renaming into place is each writer's own.
import { existsSync, mkdirSync } from 'node:fs';
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
