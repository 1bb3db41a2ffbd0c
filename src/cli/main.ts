// The `nnlab` command: reads argv against the command table (table.ts, args.ts) and hands over to
// src/cli/commands/<name>.ts. This is the only module that calls process.exit and the one place
// errors become messages and exit codes: usage errors (UsageError) exit 2, everywhere.
import { ConfigError, ConfigErrors, DataError, EngineError, StoreError, UsageError, WriteError } from '../errors.ts';
import { columns, parseCommandLine } from './args.ts';
import { stdoutFailure } from '../writes.ts';
import { COMMANDS } from './table.ts';

/** `nnlab --help`: every command of the table with its one-line summary. */
function topHelp(): string {
  return `usage: nnlab <command> [options]
       nnlab --version

commands:
${columns(COMMANDS.map((c) => [c.name, c.summary]))}

Run 'nnlab <command> -h' for a command's usage, options and an example.
Usage errors exit 2; 'nnlab completion bash|zsh' prints a shell completion script.`;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--version') {
    const pkg = await import('../../package.json', { with: { type: 'json' } });
    console.log(pkg.default.version);
    return 0;
  }
  const parsed = await parseCommandLine(COMMANDS, argv, topHelp);
  if ('help' in parsed) {
    console.log(parsed.help);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === parsed.args.path[0])!;
  return (await command.load()).run(parsed.args);
}

// Output piped into a reader that stops early (`nnlab resolve FILE | head`): stop quietly, as
// cat(1) does, instead of a stack trace for EPIPE. Output that cannot be written (a full disk,
// /dev/full, a file size limit): one line naming it, the reason and the fix, exit 2.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    const failed = stream === process.stdout ? stdoutFailure(err) : null;
    if (!failed) throw err;
    console.error(`nnlab: ${failed.message}`);
    process.exit(2);
  });

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (
    err instanceof ConfigErrors ||
    err instanceof ConfigError ||
    err instanceof DataError ||
    err instanceof EngineError
  ) {
    console.error(err.message);
    process.exitCode = 1;
  } else if (err instanceof StoreError) {
    console.error(
      `nnlab: ${err.message}\nnnlab: the run stopped; trials committed before are kept. Free space or allow writing there, then run again to resume.`,
    );
    process.exitCode = 2;
  } else if (err instanceof UsageError || err instanceof WriteError) {
    console.error(`nnlab: ${err.message}`);
    process.exitCode = 2;
  } else {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  }
}
