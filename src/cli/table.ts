// The commands of `nnlab`: each one's options, positionals, help text and example, and the module
// that runs it. args.ts parses argv against this table, writes -h from it, and completion.ts
// turns it into bash and zsh completion scripts; a command is added here and nowhere else.
// Every example runs in test/docs/help-examples.test.ts against a small store (a quickstart run),
// in a shell; one meant to end with another status says so in a trailing comment, `# exit N`.
import type { Args, CommandSpec } from './args.ts';
import { SOURCE_NAMES } from '../data/catalog.ts';
import { FORMATS as RUNS_FORMATS } from '../runs/format.ts';
import type { Format as DiffFormat } from '../diff/format.ts';
import { SHELLS } from './completion.ts';
import { DEFAULT_FORMATS, REPORT_FORMATS } from '../report/formats.ts';

export interface Command extends CommandSpec {
  load: () => Promise<{ run(args: Args): Promise<number> }>;
}

const SET = {
  name: 'set',
  value: 'PATH=VALUE',
  multiple: true,
  allowEmpty: true,
  help: 'override a setting (VALUE is YAML), e.g. --set training.lambda=0.005',
};
const FILE = { name: 'FILE', kind: 'experiment', min: 1, max: 1 } as const;
const SLURM =
  'on a Slurm cluster (--executor slurm; defaults from the "slurm:" section of $NNLAB_CONFIG, else ~/.config/nnlab/config.yaml; see README "On a cluster"):';

export const COMMANDS: Command[] = [
  {
    name: 'run',
    summary: 'validate, train every trial not already stored, render the report (locally or on Slurm)',
    about: `Validates FILE, trains every trial that is not already in the run store (runs/<experiment>/),
and renders reports/<experiment>/report.md, report.html and report.pdf.`,
    positionals: FILE,
    options: [
      SET,
      {
        name: 'only',
        value: 'NAME',
        multiple: true,
        help: "run only the variant, search stage, 'final' or 'gradient-check' named, and what it needs (the LR range test it takes its η bounds from, the stages it is drawn from)",
      },
      { name: 'jobs', value: 'N', help: 'trials run at once (default: the number of cores)' },
      {
        name: 'threads',
        value: 'N',
        help: 'BLAS threads in all, divided among the jobs (default: the number of cores)',
      },
      { name: 'force', help: 'retrain trials even when stored' },
      {
        name: 'dry-run',
        help: 'print the plan (every trial, its hash, its first-layer kernel, the memory it needs, its differences from the base) and stop; exit 1 if a trial needs more memory than the machine has',
      },
      { name: 'no-report', help: 'do not render the report at the end' },
      { name: 'no-fetch', help: 'do not download missing data' },
      {
        name: 'open',
        help: 'serve a page on 127.0.0.1 that shows the run as it goes, then its report (as nnlab watch FILE does from another terminal)',
      },
      {
        name: 'executor',
        value: 'NAME',
        choices: ['local', 'slurm'],
        group: SLURM,
        help: 'local (default: worker processes on this machine) or slurm (one job array a wave)',
      },
      { name: 'partition', value: 'NAME', group: SLURM, help: "sbatch --partition for each trial's task" },
      { name: 'time', value: 'LIMIT', group: SLURM, help: "sbatch --time for each trial's task" },
      {
        name: 'mem',
        value: 'SIZE',
        group: SLURM,
        help: "sbatch --mem for each trial's task (the memory check's limit too)",
      },
      { name: 'cpus-per-task', value: 'N', group: SLURM, help: "sbatch --cpus-per-task: each trial's BLAS threads" },
      { name: 'account', value: 'NAME', group: SLURM, help: 'sbatch --account' },
      { name: 'qos', value: 'NAME', group: SLURM, help: 'sbatch --qos' },
      {
        name: 'sbatch-arg',
        value: 'ARG',
        multiple: true,
        group: SLURM,
        help: 'any other sbatch option, e.g. --sbatch-arg=--constraint=avx512',
      },
      {
        name: 'array-limit',
        value: 'N',
        group: SLURM,
        help: 'at most N tasks of an array run at once (sbatch --array=…%N)',
      },
      {
        name: 'retries',
        value: 'N',
        group: SLURM,
        help: 'resubmit a trial whose task failed, timed out, ran out of memory or lost its node',
      },
      {
        name: 'detach',
        group: SLURM,
        help: "submit and exit; a follow-up job submits later stages (see 'nnlab status FILE')",
      },
    ],
    notes: `Runners sharing a store train each trial once: a trial another runner has claimed is waited for and
its result used. Exit 1 when a trial failed; 2 when the run store cannot be written (the path and
the reason are printed; trials committed before are kept) or on a usage error.`,
    examples: [
      'nnlab run experiments/quickstart.yaml',
      'nnlab run experiments/quickstart.yaml --only bn --set training.lambda=0.005 --jobs 2',
    ],
    load: () => import('./commands/run.ts'),
  },
  {
    name: 'status',
    summary: 'which trials are done, queued, running or failed (Slurm runs too)',
    about: `Shows every trial planned so far and where it stands: done (in the run store), queued or running
(a Slurm job, with its step), failed (with Slurm's outcome: failed, cancelled, timed out, out of
memory, node failure, and its log), not submitted; and the stages still waiting on earlier ones.`,
    positionals: FILE,
    options: [{ ...SET, help: 'the same overrides as the run' }],
    examples: ['nnlab status experiments/quickstart.yaml'],
    load: () => import('./commands/status.ts'),
  },
  {
    name: 'validate',
    summary: 'check experiment files against the schema and the rules across fields',
    about: `Checks experiment files against schemas/experiment.schema.json and the rules across fields and
prints every error as FILE:LINE:COL: message. Exit 0 when all are valid, 1 otherwise.`,
    positionals: { name: 'FILE', kind: 'experiment', min: 1, max: Infinity },
    examples: ['nnlab validate experiments/quickstart.yaml', 'nnlab validate experiments/*.yaml'],
    load: () => import('./commands/validate.ts'),
  },
  {
    name: 'resolve',
    summary: 'print the canonical resolved config (and its trials)',
    about: `Prints FILE resolved (extends applied, defaults filled in, keys sorted) as YAML, then a second
YAML document with the expanded trials: id, hash and the settings that differ from the base.
Usable as a git textconv driver: see docs/diff.md.`,
    positionals: FILE,
    options: [
      SET,
      {
        name: 'run-hashes',
        help: 'hash with the engine version and data fingerprint of the last run (runs/<experiment>/plan.json), so hashes match the run store; default: config-only hashes',
      },
      {
        name: 'textconv',
        help: 'a file that does not resolve on its own (a partial base, a work in progress) prints its errors as comments followed by its text and exits 0, so that git diff still shows it',
      },
    ],
    examples: [
      'nnlab resolve experiments/quickstart.yaml',
      'nnlab resolve experiments/quickstart.yaml --set training.lambda=0.01 --run-hashes',
    ],
    load: () => import('./commands/resolve.ts'),
  },
  {
    name: 'report',
    summary: 'regenerate reports/<experiment>/ from the run store, no training',
    about: `Renders reports/<experiment>/report.md (tables, charts in assets/), report.html (the same sections
with interactive charts and sortable tables, one file that opens offline) and report.pdf from the
results stored in the run store (runs/<experiment>/, or $NNLAB_RUNS). Trains nothing: trials not
run yet are marked in the report.`,
    positionals: FILE,
    options: [
      { ...SET, help: 'override a setting as in nnlab run (selects the trials that config expects)' },
      { name: 'no-pdf', help: 'write the Markdown, HTML and charts only' },
      {
        name: 'format',
        value: 'LIST',
        multiple: true,
        help: `what to write: ${REPORT_FORMATS.join(', ')}, a comma list (default ${DEFAULT_FORMATS.join(',')}); tex is report.tex with each chart as a PDF, png each chart as a 300 dpi PNG; report.md and assets/ are always written`,
      },
      { name: 'out', value: 'DIR', help: 'reports folder (default: reports/ beside experiments/)' },
    ],
    examples: [
      'nnlab report experiments/quickstart.yaml',
      'nnlab report experiments/quickstart.yaml --no-pdf --out drafts',
      'nnlab report experiments/quickstart.yaml --format md,tex,png --out drafts',
    ],
    load: () => import('./commands/report.ts'),
  },
  {
    name: 'runs',
    summary: 'list stored trials with the settings that vary among them',
    about: `Lists the trials stored in the run store, one row each: the experiment, the trial, the settings
that differ among the rows (dotted paths of the trial's config), its accuracies, validation loss
(gradient checks: the largest relative error), seconds, status (ok, diverged, failed) and hash.
Trials of the same config share one stored result: it is listed under each of their names, and the
shared_with column names the others. With FILEs, the trials of those experiments, named as each
FILE plans them; without, of every experiment in $NNLAB_RUNS (else ./runs), named as last run.`,
    positionals: { name: 'FILE', kind: 'experiment', min: 0, max: Infinity },
    options: [
      {
        name: 'format',
        value: 'FORMAT',
        choices: RUNS_FORMATS,
        help: `output: ${RUNS_FORMATS.join(', ')} (default table); csv and json give raw numbers for export`,
      },
      {
        name: 'where',
        value: 'KEY=VALUE',
        multiple: true,
        help: 'keep rows whose setting or column KEY equals VALUE (numbers compare as numbers, * matches any text); all must hold',
      },
      { name: 'sort', value: 'KEY', help: 'sort by KEY; --sort -KEY sorts descending (default: by start time)' },
    ],
    examples: [
      'nnlab runs experiments/quickstart.yaml',
      "nnlab runs --where 'trial=search/*' --sort -validation.accuracy --format csv",
    ],
    load: () => import('./commands/runs.ts'),
  },
  {
    name: 'watch',
    summary: "a local page showing a run's trials, progress and curves as they come in",
    about: `Serves a page on 127.0.0.1 (a free port; the address is printed) that shows the experiment's run —
the one in progress, or the next \`nnlab run FILE\` — as it goes: its trials, their progress, and
their curves; then its report. Stops when the run ends or on Ctrl-C. Answers only requests for
127.0.0.1:PORT or localhost:PORT (403 otherwise). \`nnlab run FILE --open\` does
the same for the run it starts.`,
    positionals: FILE,
    examples: ['nnlab watch experiments/quickstart.yaml'],
    load: () => import('./commands/watch.ts'),
  },
  {
    name: 'diff',
    summary: 'what a config change really changes (configs, trials, results)',
    usage: ['diff A B [--format terminal|md|json]', 'diff --git REV [--format terminal|md|json]'],
    about: `A and B are experiment files or git revisions of them (main:experiments/assignment2.yaml; the
files they extend are read at the same revision). --git REV compares every experiments/*.yaml
that differs between REV and the work tree, the files they extend included.

Compares the resolved configs (extends applied, defaults filled), the expanded trials by name
and hash, and, where both sides have stored runs, validation and test accuracy and time.
Exit 0 when nothing changes in meaning, 1 when something does, 2 on an error.`,
    positionals: { name: 'A B', kind: 'path', min: 0, max: 2 },
    options: [
      {
        name: 'format',
        value: 'FORMAT',
        choices: ['terminal', 'md', 'json'] satisfies DiffFormat[],
        help: 'terminal (default), md for a pull request, json for a program',
      },
      { name: 'git', value: 'REV', help: 'compare every experiment file that differs between REV and the work tree' },
    ],
    examples: [
      'nnlab diff main:experiments/assignment2.yaml experiments/assignment2.yaml',
      'nnlab diff --git HEAD~1 --format md',
    ],
    load: () => import('./commands/diff.ts'),
  },
  {
    name: 'store',
    summary: 'verify stored trials against their manifests; list or remove trials no plan refers to',
    about: `The runs folder is $NNLAB_RUNS, else runs/ beside FILE's experiments folder (without FILE: ./runs).`,
    subcommands: [
      {
        name: 'verify',
        summary: "check each stored trial's files against its manifest (exit 1 on damage)",
        about: `Reads every committed trial of FILE's experiment (without FILE: of every experiment in the runs
folder) and checks each file's size and SHA-256 against the trial's manifest. Names each damaged
trial and exits 1; moves nothing (the next nnlab run or report moves a damaged trial to
runs/<experiment>/quarantine/, and nnlab run trains it again).`,
        positionals: { name: 'FILE', kind: 'experiment', min: 0, max: 1 },
        examples: ['nnlab store verify experiments/quickstart.yaml'],
      },
      {
        name: 'gc',
        summary: 'list stored trials no current plan refers to; remove them with --yes',
        about: `Lists stored trials that no current plan refers to: trials of FILE's experiment its plan (as
nnlab report re-plans it) does not name, e.g. trials of an older config or of a --set run, and
quarantined folders. Without FILE: the same for every experiments/*.yaml of the current folder,
plus every trial of a stored experiment no file there defines. A store whose plan still waits for
a stage is left alone.`,
        positionals: { name: 'FILE', kind: 'experiment', min: 0, max: 1 },
        options: [{ name: 'yes', help: 'remove them' }],
        examples: ['nnlab store gc experiments/quickstart.yaml --yes'],
      },
    ],
    examples: ['nnlab store verify', 'nnlab store gc experiments/quickstart.yaml'],
    load: () => import('./commands/store.ts'),
  },
  {
    name: 'data',
    summary: 'install CIFAR-10; show where data lives; check an installed dataset',
    about: `The data home is $NNLAB_DATA, else $XDG_CACHE_HOME/nnlab, else ~/.cache/nnlab.
--root DIR reads (or installs) a source in DIR instead of its default place, like dataset.root in YAML.`,
    subcommands: [
      {
        name: 'fetch',
        summary: 'download CIFAR-10 (or install a local archive), check it, move it into place',
        about: `Installs CIFAR-10: downloads it (or reads a local archive / another URL with --from), checks its MD5
against the official sums (another archive is accepted only if every member has the exact expected
size), extracts it into a temporary folder and moves it into place. Default place: <data home>/cifar10.`,
        positionals: { name: 'DATASET', kind: 'word', min: 1, max: 1, choices: ['cifar10'] },
        options: [
          { name: 'from', value: 'PATH|URL', help: 'the archive to install (default: the official download)' },
          { name: 'root', value: 'DIR', help: 'install into DIR instead of <data home>/cifar10' },
        ],
        examples: ['nnlab data fetch cifar10', 'nnlab data fetch cifar10 --from cifar-10-binary.tar.gz'],
      },
      {
        name: 'where',
        summary: 'print the data home and, for each source, where it is read from and whether it is installed',
        about:
          'Prints the data home and, for each source (or SOURCE alone), where it is read from and whether it is installed.',
        positionals: { name: 'SOURCE', kind: 'word', min: 0, max: 1, choices: SOURCE_NAMES },
        options: [{ name: 'root', value: 'DIR', help: 'look for SOURCE in DIR (needs SOURCE)' }],
        examples: ['nnlab data where', 'nnlab data where cifar10 --root /data/cifar10'],
      },
      {
        name: 'check',
        summary: `read every part of SOURCE (${SOURCE_NAMES.join(', ')}): images, classes, fingerprint`,
        about: 'Reads every part of SOURCE and prints its image count, images per class, fingerprint and read time.',
        positionals: { name: 'SOURCE', kind: 'word', min: 1, max: 1, choices: SOURCE_NAMES },
        options: [{ name: 'root', value: 'DIR', help: 'read SOURCE from DIR' }],
        examples: ['nnlab data check cifar10'],
      },
    ],
    examples: ['nnlab data fetch cifar10', 'nnlab data where'],
    load: () => import('./commands/data.ts'),
  },
  {
    name: 'doctor',
    summary: 'check this machine: BLAS library and kernels, CPU, toolchain, Chromium, data',
    about: `Checks what nnlab needs on this machine and prints one line per check:
  ok    fine
  --    optional and absent (a dataset not installed)
  warn  works, but slower or without PDFs; the fix follows
  FAIL  required and broken; the fix follows
The BLAS core: nnlab chooses OpenBLAS's kernels from the CPU's features unless OPENBLAS_CORETYPE is set.
The kernel level (generic, avx2, avx512, amx): the best the CPU supports unless NNLAB_KERNELS forces one
(NNLAB_AMX=off: at most avx512); a forced level the CPU lacks fails with its fix.
Exit 0 when nothing required is broken, 1 otherwise.`,
    examples: ['nnlab doctor'],
    load: () => import('./commands/doctor.ts'),
  },
  {
    name: 'completion',
    summary: 'print a bash or zsh completion script for nnlab',
    about: `Prints a script that completes nnlab's commands, options, option values and experiment files.
Load it in the running shell with eval, or install it once (see README "Shell completion").`,
    positionals: { name: 'SHELL', kind: 'word', min: 1, max: 1, choices: Object.keys(SHELLS) },
    examples: ['nnlab completion bash', 'eval "$(nnlab completion zsh)"'],
    load: () => import('./commands/completion.ts'),
  },
];
