// One error type per family, each with one message form. Library code throws these; only the CLI
// (src/cli/main.ts) turns them into output and an exit code.

/**
 * Words of a message that echo a long key, value or flag from the input, cut to their first 40
 * characters and their length, so that a 200 000-character key gives a one-line message.
 */
export function shortenEcho(text: string): string {
  return text.replace(/"[^"\n]{100,}"/gu, (q) => `"${echo(q.slice(1, -1), 99)}"`).replace(/\S{100,}/gu, (w) => echo(w, 99));
}

/** A piece of input quoted in a message: whole when short, else its start and its length. */
export function echo(text: string, max = 60): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, 40).join('')}…(${chars.length} characters)`;
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
