// The one way a report's files are written: into a staging folder beside the report
// (<out>/.<experiment>.tmp-<pid>/), swapped into place whole by `commit`, so a failure leaves the
// previous report as it was. Every write failure becomes one WriteError naming the report's own path
// (not the staging one), the reason and the fix; what goes in the files is the callers'.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WriteError, type WriteFix } from '../errors.ts';
import { makeDirs, writingFile, writingFileAsync } from '../writes.ts';

/** The fix of every report write failure besides its reason's remedy: another folder, what next, what was kept. */
export const REPORT_FIX: WriteFix = {
  elsewhere: 'write the report elsewhere (--out DIR)',
  then: 'run nnlab report again; any previous report is kept as it was',
};

export class ReportStaging {
  /** Where the finished report goes: <root>/<experiment>/. */
  readonly dest: string;
  /** The staging folder the files are written into. */
  readonly dir: string;

  /** Makes a fresh staging folder (an older one of this process is removed). */
  constructor(
    readonly root: string,
    experiment: string,
  ) {
    this.dest = join(root, experiment);
    this.dir = join(root, `.${experiment}.tmp-${process.pid}`);
    writingFile(root, REPORT_FIX, () => {
      makeDirs(root);
      rmSync(this.dir, { recursive: true, force: true });
      mkdirSync(this.dir);
    });
  }

  /** Writes `name` (a path inside the report, e.g. assets/loss-1.svg), making its folder. */
  write(name: string, data: string | Uint8Array): void {
    writingFile(join(this.dest, name), REPORT_FIX, () => {
      mkdirSync(dirname(join(this.dir, name)), { recursive: true });
      writeFileSync(join(this.dir, name), data);
    });
  }

  /**
   * Lets a tool write `name` itself (Chromium, a LaTeX run): `produce` gets the staging path. A
   * file-system error becomes the one-line WriteError; a WriteError it throws passes as it is.
   */
  async produce(name: string, produce: (path: string) => Promise<void>): Promise<void> {
    const path = join(this.dir, name);
    await writingFileAsync(join(this.dest, name), REPORT_FIX, async () => {
      mkdirSync(dirname(path), { recursive: true });
      await produce(path);
    });
  }

  /** The failure of a tool that wrote `name` (e.g. a PDF print) as the one-line error; `remedy` leads its fix. */
  failed(name: string, reason: string, remedy: string): WriteError {
    return new WriteError(join(this.dest, name), reason, `${remedy}, then ${REPORT_FIX.then}`);
  }

  /**
   * Swaps the finished folder into place: the old report is moved aside, the new one in, the old one
   * removed. If the new one cannot be moved in, the old one is moved back.
   */
  commit(): void {
    const old = `${this.dest}.old-${process.pid}`;
    writingFile(this.root, REPORT_FIX, () => {
      const had = existsSync(this.dest);
      if (had) renameSync(this.dest, old);
      try {
        renameSync(this.dir, this.dest);
      } catch (err) {
        if (had) renameSync(old, this.dest);
        throw err;
      }
    });
    // The new report is in place: an old copy that cannot be removed is only litter.
    try {
      rmSync(old, { recursive: true, force: true });
    } catch {
      // Left beside the report; the next report of this process removes it.
    }
  }

  /** Removes the staging folder (after a failure); never throws, so the first error is the one shown. */
  discard(): void {
    try {
      rmSync(this.dir, { recursive: true, force: true });
    } catch {
      // Left behind only where nothing can be removed; the next report of this process replaces it.
    }
  }
}
