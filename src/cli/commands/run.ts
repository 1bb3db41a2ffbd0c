// `nnlab run FILE`: validate, train every trial not already stored, then render the report.
import { UsageError } from '../../errors.ts';
import type { Args } from '../args.ts';
import { join } from 'node:path';
import { runExperiment } from '../../runner/run.ts';
import { runsDir } from '../../store/store.ts';
import { LiveStatus, type LiveState } from '../../watch/live.ts';
import type { Watch } from '../../watch/server.ts';
import { openWatch } from './watch.ts';
import { slurmOptions, type SlurmOptions } from '../../runner/slurm/options.ts';

/** The Slurm settings when --executor slurm; the Slurm options without it are a mistake. */
function slurmRun(args: Args): { options: SlurmOptions; detach?: boolean } | undefined {
  const values = args.values;
  if ((values.executor ?? 'local') === 'local') {
    // The Slurm options are those the table lists under the Slurm heading, --executor aside.
    const given = args.spec
      .options!.filter((o) => o.group && o.name !== 'executor' && values[o.name] !== undefined)
      .map((o) => o.name);
    if (given.length)
      throw new UsageError(`run: --${given[0]} is an option of the Slurm executor: add --executor slurm`);
    return undefined;
  }
  for (const f of ['jobs', 'threads'] as const)
    if (values[f] !== undefined)
      throw new UsageError(
        `run: --${f} is for the local executor; with --executor slurm each trial is a task with --cpus-per-task threads`,
      );
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

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`run: --${name} must be a positive integer; got "${v}"`);
  return n;
}

export async function run(args: Args): Promise<number> {
  const file = args.positionals[0];
  const slurm = slurmRun(args);
  const set = args.strings('set');
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
  if (!args.flag('dry-run')) {
    const { resolveExperiment } = await import('../../config/resolve.ts');
    const exp = resolveExperiment(file, { set });
    const since = new Date().toISOString();
    live = new LiveStatus(join(runsDir(file), exp.name), exp.name, file);
    if (args.flag('open')) watch = await openWatch(file, since);
  }
  try {
    const summary = await runExperiment(file, {
      set,
      only: args.strings('only'),
      jobs: positiveInt('jobs', args.string('jobs')),
      threads: positiveInt('threads', args.string('threads')),
      force: args.flag('force'),
      dryRun: args.flag('dry-run'),
      fetch: !args.flag('no-fetch'),
      signal: controller.signal,
      onEvent: live?.onEvent,
      slurm,
    });
    // A selection that cannot run (what it needs gave nothing to plan it from) is a failure.
    if (args.flag('dry-run')) return summary.blocked.length ? 1 : 0;
    if (summary.detached) {
      console.log(
        summary.detached.length
          ? `detached: Slurm job${summary.detached.length === 1 ? '' : 's'} ${summary.detached.join(', ')}; see where they are with: nnlab status ${file}`
          : `detached: nothing submitted; see: nnlab status ${file}`,
      );
      return summary.blocked.length ? 1 : 0;
    }
    if (!args.flag('no-report') && !interrupted) {
      const { writeReport, reportLine } = await import('../../report/index.ts');
      const out = await writeReport(file, { set, store: summary.store, log: (l: string) => console.log(l) });
      console.log(reportLine(out));
      report = out.html;
    }
    ended = interrupted ? 'interrupted' : 'finished';
    return summary.outcomes.some((o) => o.status === 'failed') || summary.blocked.length ? 1 : 0;
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
