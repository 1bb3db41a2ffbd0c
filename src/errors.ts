// One error type per family, each with one message form. Library code throws these; only the CLI
// (src/cli/main.ts) turns them into output and an exit code.

/** A piece of input quoted in a message: whole when short, else its start and its length. */
export function echo(text: string, max = 60): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, 40).join('')}…(${chars.length} characters)`;
}

/**
 * A message made one line of bounded length: line breaks echoed from the input (a key or --set
 * value with a newline) written as \n, and words that echo a long key, value or flag cut to their
 * first 40 characters and their length, so a 200 000-character key gives a one-line message.
 */
export function shortenEcho(text: string): string {
  return text
    .replace(/[\r\n\u2028\u2029]/g, (c) => JSON.stringify(c).slice(1, -1))
    .replace(/"[^"]{100,}"/gu, (q) => `"${echo(q.slice(1, -1), 99)}"`)
    .replace(/\S{100,}/gu, (w) => echo(w, 99));
}

/** A mistake in an experiment file: `file:line:col: message`. */
export class ConfigError extends Error {
  readonly file: string;
  readonly detail: string;
  constructor(
    file: string,
    readonly line: number,
    readonly column: number,
    detail: string,
  ) {
    file = shortenEcho(file);
    detail = shortenEcho(detail);
    super(`${file}:${line}:${column}: ${detail}`);
    this.file = file;
    this.detail = detail;
    this.name = 'ConfigError';
  }
}

/** Several config errors found in one pass (validate reports them all). */
export class ConfigErrors extends Error {
  constructor(readonly errors: ConfigError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'ConfigErrors';
  }
}

/** Missing, truncated or corrupt data: names the file and what was expected. */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}

/** A failure inside the training engine (diverged, native status code, bad model file). */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly code: string = 'ENGINE',
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** A command-line usage mistake (unknown flag, missing argument). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Why a write failed, by errno code: the words every "cannot write" message uses. */
const WRITE_REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device (ENOSPC)',
  EDQUOT: 'disk quota exceeded (EDQUOT)',
  EFBIG: 'file too large, the file size limit (ulimit -f) was reached (EFBIG)',
  EACCES: 'permission denied (EACCES)',
  EPERM: 'permission denied (EPERM)',
  EROFS: 'read-only file system (EROFS)',
};

/** What to do about each reason (the start of a WriteError's fix). */
const WRITE_REMEDIES: Record<string, string> = {
  ENOSPC: 'free space on that disk',
  EDQUOT: 'free space within your quota',
  EFBIG: 'raise the file size limit (ulimit -f)',
  EACCES: 'allow writing there',
  EPERM: 'allow writing there',
  EROFS: 'mount it read-write',
};

/**
 * A failed file-system write seen as a path and a reason: the path the system names (else `path`)
 * and the words for its errno code; null when `err` is not a file-system error (a bug, a bad input).
 */
export function writeFailure(err: unknown, path: string): { path: string; reason: string; code: string } | null {
  const e = err as NodeJS.ErrnoException;
  if (!(err instanceof Error) || typeof e.code !== 'string' || !/^E[A-Z]+$/.test(e.code)) return null;
  return { path: e.path ?? path, reason: WRITE_REASONS[e.code] ?? `the write failed (${e.code})`, code: e.code };
}

/** The fix a WriteError gives besides the remedy for its reason: another place to write, and what next. */
export interface WriteFix {
  /** Another place the user can choose, e.g. "write it elsewhere (--out DIR)" (not offered for EFBIG: a limit holds everywhere). */
  elsewhere?: string;
  /** What to do then, and what was kept, e.g. "run nnlab report again; any previous report is kept as it was". */
  then: string;
}

/** A WriteError's fix: the remedy for the reason's code, another place, and what next. */
export function writeFix(code: string, fix: WriteFix): string {
  const remedy = WRITE_REMEDIES[code] ?? 'check that place';
  const elsewhere = fix.elsewhere && code !== 'EFBIG' ? ` or ${fix.elsewhere}` : '';
  return `${remedy}${elsewhere}, then ${fix.then}`;
}

/**
 * A file outside the run store could not be written (a report, a data install, standard output):
 * one line naming the path, the reason and the fix, e.g. `cannot write reports/a/report.md: no space
 * left on the device (ENOSPC); free space on that disk or …, then run nnlab report again; …`. The CLI
 * prints it and exits 2.
 */
export class WriteError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly fix: string,
    /** What could not be done: write (the default), or remove (`nnlab store gc`). */
    readonly verb: 'write' | 'remove' = 'write',
  ) {
    super(shortenEcho(`cannot ${verb} ${path}: ${reason}; ${fix}`));
    this.name = 'WriteError';
  }

  /**
   * The WriteError for a failed write to `path` (a file-system error of it or below it: the message
   * names `path`, the place the user knows); any other error is returned as it is.
   */
  static of(err: unknown, path: string, fix: WriteFix, verb: 'write' | 'remove' = 'write'): unknown {
    if (err instanceof WriteError) return err;
    const f = writeFailure(err, path);
    return f ? new WriteError(path, f.reason, writeFix(f.code, fix), verb) : err;
  }
}

/**
 * The run store could not be written (full disk, file size limit, no permission): the path and the
 * reason. A run that meets one stops (exit 2); what it had committed stays whole.
 */
export class StoreError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot write the run store: ${path}: ${reason}`);
    this.name = 'StoreError';
  }

  /** The error a worker process reported by its message (the one form above), else null. */
  static fromMessage(message: string): StoreError | null {
    const m = /^cannot write the run store: (.+): ([^:]+)$/.exec(message);
    return m ? new StoreError(m[1], m[2]) : null;
  }
}
