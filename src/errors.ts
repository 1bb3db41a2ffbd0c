// One error type per family, each with one message form. Library code throws these; only the CLI
// (src/cli/main.ts) turns them into output and an exit code.

/** A mistake in an experiment file: `file:line:col: message`. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}:${column}: ${detail}`);
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
