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
