// `nnlab run FILE`: validate, train every trial not already stored, then render the report.
import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.ts';
import { join } from 'node:path';
import { runExperiment } from '../../runner/run.ts';
import { runsDir } from '../../store/store.ts';
import { LiveStatus, type LiveState } from '../../watch/live.ts';
import type { Watch } from '../../watch/server.ts';
import { openWatch } from './watch.ts';
import { slurmOptions, type SlurmOptions } from '../../runner/slurm/options.ts';

const SLURM_FLAGS = ['partition', 'time', 'mem', 'cpus-per-task', 'account', 'qos', 'sbatch-arg', 'array-limit', 'retries', 'detach'] as const;

/** The Slurm settings when --executor slurm; the Slurm options without it are a mistake. */
function slurmRun(values: Record<string, unknown>): { options: SlurmOptions; detach?: boolean } | undefined {
  const executor = (values.executor as string | undefined) ?? 'local';
  if (executor !== 'local' && executor !== 'slurm') throw new UsageError(`run: --executor must be local or slurm; got "${executor}"`);
  if (executor === 'local') {
    const given = SLURM_FLAGS.filter((f) => values[f] !== undefined);
    if (given.length) throw new UsageError(`run: --${given[0]} is an option of the Slurm executor: add --executor slurm`);
    return undefined;
  }
  for (const f of ['jobs', 'threads'] as const)
    if (values[f] !== undefined) throw new UsageError(`run: --${f} is for the local executor; with --executor slurm each trial is a task with --cpus-per-task threads`);
  const options = slurmOptions({
    partition: values.partition,
    time: values.time,
    mem: values.mem,
    cpusPerTask: values['cpus-per-task'],
    account: values.account,
    qos: values.qos,
    sbatchArgs: values['sbatch-arg'],
    arrayLimit: values['array-limit'],
    retries: values.retries,
  });
  return { options, detach: values.detach as boolean | undefined };
}

const HELP = `usage: nnlab run FILE [options]

Validates FILE, trains every trial that is not already in the run store (runs/<experiment>/),
and renders reports/<experiment>/report.md, report.html and report.pdf.

options:
  --set PATH=VALUE   override a setting (VALUE is YAML), e.g. --set training.lambda=0.005; repeatable
  --only NAME        run only the variant, search stage, 'final' or 'gradient-check' named; repeatable
  --jobs N           trials run at once (default: the number of cores)
  --threads N        BLAS threads in all, divided among the jobs (default: the number of cores)
  --force            retrain trials even when stored
  --dry-run          print the plan (every trial, its differences from the base, its hash, the memory
                     it needs) and stop; exit 1 if a trial needs more memory than the machine has
  --no-report        do not render the report at the end
  --no-fetch         do not download missing data
  --open             serve a page on 127.0.0.1 that shows the run as it goes, then its report
                     (as nnlab watch FILE does from another terminal)

Runners sharing a store train each trial once: a trial another runner has claimed is waited for and
its result used. Exit 1 when a trial failed; 2 when the run store cannot be written (the path and
the reason are printed; trials committed before are kept).

on a Slurm cluster (--executor slurm; defaults from the "slurm:" section of $NNLAB_CONFIG, else
~/.config/nnlab/config.yaml; see README "On a cluster"):
  --executor NAME    local (default: worker processes on this machine) or slurm (one job array a wave)
  --partition NAME   --time LIMIT   --mem SIZE   --cpus-per-task N   --account NAME   --qos NAME
                     passed to sbatch for each trial's task (--cpus-per-task is its BLAS threads)
  --sbatch-arg ARG   any other sbatch option, e.g. --sbatch-arg=--constraint=avx512; repeatable
  --array-limit N    at most N tasks of an array run at once (sbatch --array=…%N)
  --retries N        resubmit a trial whose task failed, timed out, ran out of memory or lost its node
  --detach           submit and exit; a follow-up job submits later stages (see 'nnlab status FILE')`;

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`run: --${name} must be a positive integer; got "${v}"`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        set: { type: 'string', multiple: true },
        only: { type: 'string', multiple: true },
        jobs: { type: 'string' },
        threads: { type: 'string' },
        force: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        'no-report': { type: 'boolean' },
        'no-fetch': { type: 'boolean' },
        open: { type: 'boolean' },
        executor: { type: 'string' },
        partition: { type: 'string' },
        time: { type: 'string' },
        mem: { type: 'string' },
        'cpus-per-task': { type: 'string' },
        account: { type: 'string' },
        qos: { type: 'string' },
        'sbatch-arg': { type: 'string', multiple: true },
        'array-limit': { type: 'string' },
        retries: { type: 'string' },
        detach: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(`run: ${(err as Error).message}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`run: give one experiment file, e.g. nnlab run experiments/assignment3-bn.yaml\n\n${HELP}`);
  const file = positionals[0];
  const slurm = slurmRun(values);
  const controller = new AbortController();
  let interrupted = false;
  const stop = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error('\nnnlab: stopping the trials in flight (finished trials are kept; run again to resume)…');
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // live.json tells `nnlab watch` (and --open's page) how the run goes; dry runs train nothing.
  let live: LiveStatus | null = null;
  let watch: Watch | null = null;
  let ended: LiveState['state'] = 'failed';
  let report: string | undefined;
  if (!values['dry-run']) {
    const { resolveExperiment } = await import('../../config/resolve.ts');
    const exp = resolveExperiment(file, { set: values.set });
    const since = new Date().toISOString();
    live = new LiveStatus(join(runsDir(file), exp.name), exp.name, file);
    if (values.open) watch = await openWatch(file, since);
  }
  try {
    const summary = await runExperiment(file, {
      set: values.set,
      only: values.only,
      jobs: positiveInt('jobs', values.jobs),
      threads: positiveInt('threads', values.threads),
      force: values.force,
      dryRun: values['dry-run'],
      fetch: !values['no-fetch'],
      signal: controller.signal,
      onEvent: live?.onEvent,
      slurm,
    });
    if (values['dry-run']) return 0;
    if (summary.detached) {
      console.log(summary.detached.length ? `detached: Slurm job${summary.detached.length === 1 ? '' : 's'} ${summary.detached.join(', ')}; see where they are with: nnlab status ${file}` : `detached: nothing submitted; see: nnlab status ${file}`);
      return 0;
    }
    if (!values['no-report'] && !interrupted) {
      const { writeReport, reportLine } = await import('../../report/index.ts');
      const out = await writeReport(file, { set: values.set, store: summary.store, log: (l: string) => console.log(l) });
      console.log(reportLine(out));
      report = out.html;
    }
    ended = interrupted ? 'interrupted' : 'finished';
    return summary.outcomes.some((o) => o.status === 'failed') ? 1 : 0;
  } catch (err) {
    if ((err as Error).name === 'AbortError') {
      ended = 'interrupted';
      console.error('nnlab: interrupted; run the same command again to resume.');
      return 130;
    }
    throw err;
  } finally {
    live?.finish(ended, report);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (watch) {
      const w = watch;
      // A run refused before it started has nothing to show: the page would wait for it forever.
      if (!live?.started) w.stop();
      process.once('SIGINT', w.stop);
      await w.done;
      process.off('SIGINT', w.stop);
    }
  }
}
