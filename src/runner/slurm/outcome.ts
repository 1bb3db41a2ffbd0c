// Where a submitted trial stands, from the two witnesses there are: Slurm (which knows queued,
// running, cancelled, timed out, out of memory, node failure) and the state file the task wrote
// (which knows committed, and the error of a trial that failed). One message per outcome.
import { existsSync, readFileSync } from 'node:fs';
import { arrayTasks, finished, type Outcome, type TaskInfo } from './slurm.ts';
import { slurmJobId, type TaskState } from './layout.ts';

export interface Standing {
  outcome: Outcome;
  info?: TaskInfo;
  /** One line for the display and the failure record. */
  message: string;
}

/** The last lines of a task's log (the whole of it when short). */
export function tail(file: string, lines = 60): string {
  if (!existsSync(file)) return `(no log at ${file})`;
  const all = readFileSync(file, 'utf8').split('\n');
  return (all.length > lines ? ['…', ...all.slice(-lines)] : all).join('\n');
}

export function describe(
  outcome: Outcome,
  s: TaskState,
  info: TaskInfo | undefined,
  limits: { time?: string; mem?: string },
): string {
  const id = `Slurm job ${slurmJobId(s)}`;
  switch (outcome) {
    case 'pending':
      return `queued (${id}${info?.reason && info.reason !== 'None' ? `, ${info.reason}` : ''})`;
    case 'running':
      return `running on ${s.host ?? 'its node'} (${id})`;
    case 'completed':
      return `${id} ended without storing the trial${s.message ? ` (${s.message})` : ''}`;
    case 'failed':
      return `${id} failed${info?.exitCode ? ` (exit code ${info.exitCode.split(':')[0]})` : ''}${s.state === 'failed' && s.message ? `: ${s.message}` : ''}`;
    case 'cancelled':
      return `${id} was cancelled${info?.state && info.state !== 'CANCELLED' ? ` (${info.state})` : ''}`;
    case 'timed out':
      return `${id} timed out${limits.time ? ` (--time ${limits.time})` : ''}`;
    case 'out of memory':
      return `${id} ran out of memory${limits.mem ? ` (--mem ${limits.mem})` : ''}`;
    case 'node failure':
      return `${id} lost its node (${info?.state ?? 'NODE_FAIL'})`;
    default:
      return `${id}: Slurm no longer knows the job and keeps no accounting here; the task last wrote "${s.state}"${s.message ? ` (${s.message})` : ''}`;
  }
}

/**
 * Combines Slurm's word and the state file. `tasks` is the array's task map when the caller has
 * it already (one scontrol call a poll for the whole array).
 */
export async function standing(
  s: TaskState,
  limits: { time?: string; mem?: string },
  tasks?: Map<number, TaskInfo>,
): Promise<Standing> {
  const all = tasks ?? (await arrayTasks(s.arrayJobId));
  const info = all.get(s.taskId);
  let outcome: Outcome;
  if (info) outcome = info.outcome;
  // scancel of a queued array task drops it from the array without a record of its own: the array
  // is still known, the task is not, and it never started (it writes "running" first thing).
  else if (all.size && s.state === 'submitted')
    return { outcome: 'cancelled', message: `Slurm job ${slurmJobId(s)} was cancelled while queued` };
  // Slurm has forgotten the job: the state file's word is the last one there is.
  else if (s.state === 'committed') outcome = 'completed';
  else if (s.state === 'failed') outcome = 'failed';
  else outcome = 'unknown';
  return { outcome, info, message: describe(outcome, s, info, limits) };
}

export const inFlight = (o: Outcome) => !finished(o);
/** Outcomes worth a resubmission (--retries): not a cancellation, which someone chose. */
export const retryable = (o: Outcome) =>
  o === 'failed' || o === 'timed out' || o === 'out of memory' || o === 'node failure' || o === 'unknown';
