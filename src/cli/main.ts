// The `nnlab` command: parses the subcommand and hands over to src/cli/commands/<name>.ts.
// This is the only module that calls process.exit; everything below it throws.
import { ConfigError, ConfigErrors, DataError, EngineError, StoreError, UsageError } from '../errors.ts';

const USAGE = `usage: nnlab <command> [options]

commands:
  run FILE [--set k=v]… [--only VARIANT] [--jobs N] [--threads N] [--force] [--dry-run] [--no-report] [--no-fetch] [--open]
                         validate, train every trial not already stored, render the report
      [--executor slurm [--partition P] [--time T] [--mem M] [--cpus-per-task N] [--detach] …]
                         the same on a Slurm cluster, one job array a wave
  status FILE [--set k=v]…
                         which trials are done, queued, running or failed (Slurm runs too)
  validate FILE…         check experiment files against the schema and the rules across fields
  resolve FILE [--set k=v]… [--run-hashes] [--textconv]
                         print the canonical resolved config (and its trials)
  report FILE [--set k=v]… [--no-pdf] [--out DIR]
                         regenerate reports/<experiment>/ from the run store, no training
  runs [FILE…] [--format table|csv|json] [--where KEY=VALUE]… [--sort KEY]
                         list stored trials with the settings that vary among them
  watch FILE             a local page showing a run's trials, progress and curves as they come in
  diff A B | --git REV [--format terminal|md|json]
                         what a config change really changes (configs, trials, results)
  store verify [FILE]    check every stored trial against its manifest (exit 1 on damage)
  store gc [FILE] [--yes]
                         list stored trials no current plan refers to; remove them with --yes
  data fetch cifar10 [--from PATH|URL]   download or install a dataset into NNLAB_DATA
  data where | check     where data lives; which datasets are installed and whole
  doctor                 check this machine: BLAS library and kernels, CPU, toolchain, Chromium, data

Run 'nnlab <command> --help' for a command's options.`;

const COMMANDS: Record<string, () => Promise<{ run(argv: string[]): Promise<number> }>> = {
  run: () => import('./commands/run.ts'),
  status: () => import('./commands/status.ts'),
  validate: () => import('./commands/validate.ts'),
  resolve: () => import('./commands/resolve.ts'),
  report: () => import('./commands/report.ts'),
  runs: () => import('./commands/runs.ts'),
  watch: () => import('./commands/watch.ts'),
  diff: () => import('./commands/diff.ts'),
  data: () => import('./commands/data.ts'),
  doctor: () => import('./commands/doctor.ts'),
  store: () => import('./commands/store.ts'),
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (command === '--version') {
    const pkg = await import('../../package.json', { with: { type: 'json' } });
    console.log(pkg.default.version);
    return 0;
  }
  const load = COMMANDS[command];
  if (!load) throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  return (await load()).run(rest);
}

// Output piped into a reader that stops early (`nnlab resolve FILE | head`): stop quietly, as
// cat(1) does, instead of a stack trace for EPIPE.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof ConfigErrors || err instanceof ConfigError || err instanceof DataError || err instanceof EngineError) {
    console.error(err.message);
    process.exitCode = 1;
  } else if (err instanceof StoreError) {
    console.error(`nnlab: ${err.message}\nnnlab: the run stopped; trials committed before are kept. Free space or allow writing there, then run again to resume.`);
    process.exitCode = 2;
  } else if (err instanceof UsageError) {
    console.error(`nnlab: ${err.message}`);
    process.exitCode = 2;
  } else {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  }
}
