// `nnlab run FILE --executor slurm --detach`: submit what can be trained now as one job array and
// exit. When later stages depend on it, a small follow-up job (afterany: it runs however the array
// ends) runs this same command on the cluster, which plans those stages from the stored results and
// submits them with a follow-up of their own, until the plan is complete.
import type { Plan, Trial } from '../../config/expand.ts';
import type { Provenance, RunStore } from '../../store/store.ts';
import { layout, readState } from './layout.ts';
import { asRunArgs, type SlurmOptions } from './options.ts';
import { inFlight, retryable, standing, tail } from './outcome.ts';
import { submitFollowUp, submitWave } from './submit.ts';

export interface DetachInput {
  file: string;
  experiment: string;
  store: RunStore;
  provenance: Provenance;
  plan: () => Plan;
  selected: (t: Trial) => boolean;
  /** The pending entries of the selection (a follow-up job is for those only). */
  selectedPending: (p: { id: string }) => boolean;
  options: SlurmOptions;
  /** `nnlab run` arguments besides the file and the Slurm settings (--set, --only). */
  runArgs: string[];
  log: (line: string) => void;
}

export interface Detached {
  plan: Plan;
  jobs: string[];
}

export async function detachRun(d: DetachInput): Promise<Detached> {
  const l = layout(d.store.root);
  const inflight = new Map<string, string>(); // trial hash → array job id
  // Failed for good: recorded in the store, so their stage counts as settled and later ones can be planned.
  const failed = new Set<string>();
  let plan = d.plan();
  let todo: Trial[] = [];
  // Settle what earlier submissions left (in flight, failed for good), then plan again, until the
  // plan stops growing: what is left is either to submit now or waits on trials in flight.
  for (let size = -1; size !== plan.trials.length;) {
    size = plan.trials.length;
    todo = [];
    for (const t of plan.trials.filter(d.selected)) {
      if (d.store.has(t) || failed.has(t.hash) || inflight.has(t.hash) || todo.some((u) => u.hash === t.hash)) continue;
      const s = readState(l, t.hash);
      if (s) {
        const st = await standing(s, d.options);
        if (inFlight(st.outcome)) {
          inflight.set(t.hash, s.arrayJobId);
          continue;
        }
        if (!(retryable(st.outcome) && s.attempt <= d.options.retries) && st.outcome !== 'completed') {
          failed.add(t.hash);
          d.store.recordFailure(
            t,
            st.message,
            `Slurm job ${s.arrayJobId}_${s.taskId}, log ${s.log || '(none)'}\n${s.log ? tail(s.log) : ''}`,
          );
          d.log(`  not resubmitted: ${t.id}: ${st.message}`);
          continue;
        }
      }
      todo.push(t);
    }
    plan = d.plan();
  }
  const jobs: string[] = [];
  if (todo.length) {
    const id = await submitWave({
      storeRoot: d.store.root,
      experiment: d.experiment,
      jobs: todo.map((trial) => ({ trial, provenance: d.provenance })),
      options: d.options,
    });
    jobs.push(id);
    d.log(
      `submitted ${todo.length} trial${todo.length === 1 ? '' : 's'} as Slurm job array ${id} (tasks 0-${todo.length - 1}${d.options.arrayLimit ? `, at most ${d.options.arrayLimit} at once` : ''})`,
    );
    todo.forEach((t, i) => d.log(`  ${id}_${i}  ${t.id}  ${t.hash}`));
  }
  const waitingOn = [...new Set([...jobs, ...inflight.values()])];
  const pending = plan.pending.filter(d.selectedPending);
  if (inflight.size)
    d.log(
      `${inflight.size} trial${inflight.size === 1 ? '' : 's'} still queued or running from an earlier submission (job${waitingOn.length === 1 ? '' : 's'} ${[...new Set(inflight.values())].join(', ')})`,
    );
  if (pending.length && waitingOn.length) {
    const args = [
      d.file,
      '--executor',
      'slurm',
      '--detach',
      '--no-report',
      '--no-fetch',
      ...d.runArgs,
      ...asRunArgs(d.options),
    ];
    const next = await submitFollowUp(d.store.root, d.experiment, waitingOn, args, d.options);
    jobs.push(next);
    d.log(
      `follow-up job ${next} plans and submits the next stage${pending.length === 1 ? '' : 's'} (${pending.map((p) => p.id).join(', ')}) once job${waitingOn.length === 1 ? '' : 's'} ${waitingOn.join(', ')} ${waitingOn.length === 1 ? 'has' : 'have'} ended`,
    );
  }
  if (!jobs.length && !inflight.size) d.log('nothing to submit: every planned trial is stored or failed for good');
  return { plan, jobs };
}
