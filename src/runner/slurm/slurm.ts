// Talking to Slurm: sbatch, scancel, and the state of an array's tasks from `scontrol show job`
// (while slurmctld still knows the job, MinJobAge, 300 s by default) or from sacct (when the
// cluster keeps accounting). Slurm's states, mapped to the outcomes nnlab reports.
import { execa } from 'execa';

/** What became of a Slurm task, in nnlab's words. */
export type Outcome =
  | 'pending'
  | 'running'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'timed out'
  | 'out of memory'
  | 'node failure'
  | 'unknown';

const STATES: Record<string, Outcome> = {
  PENDING: 'pending',
  CONFIGURING: 'running',
  RUNNING: 'running',
  COMPLETING: 'running',
  SUSPENDED: 'running',
  REQUEUED: 'pending',
  RESIZING: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  BOOT_FAIL: 'node failure',
  CANCELLED: 'cancelled',
  DEADLINE: 'timed out',
  TIMEOUT: 'timed out',
  OUT_OF_MEMORY: 'out of memory',
  NODE_FAIL: 'node failure',
  PREEMPTED: 'cancelled',
  REVOKED: 'cancelled',
};

export const finished = (o: Outcome) => o !== 'pending' && o !== 'running';

export interface TaskInfo {
  outcome: Outcome;
  /** Slurm's own word (TIMEOUT, CANCELLED, …), for messages. */
  state: string;
  reason?: string;
  exitCode?: string;
}

export class SlurmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SlurmError';
  }
}

async function slurm(
  cmd: string,
  args: string[],
  input?: string,
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  try {
    const r = await execa(cmd, args, { reject: false, input, stripFinalNewline: true });
    return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? 1 };
  } catch (err) {
    throw new SlurmError(`${cmd}: ${(err as Error).message}`);
  }
}

/** Submits a batch script (its #SBATCH lines say everything); returns the job id. */
export async function sbatch(script: string, extra: string[] = []): Promise<string> {
  const r = await slurm('sbatch', ['--parsable', ...extra], script);
  if (r.exitCode !== 0 || !/^\d+/.test(r.stdout))
    throw new SlurmError(`sbatch refused the job: ${(r.stderr || r.stdout).trim() || `exit code ${r.exitCode}`}`);
  return r.stdout.trim().split(';')[0];
}

/** Cancels jobs (whole arrays or `array_task` ids); ignores ones already gone. */
export async function scancel(ids: string[]): Promise<void> {
  if (ids.length) await slurm('scancel', ids);
}

/**
 * Every task of an array job: task index → state (a job that is no array: index 0). Empty when
 * Slurm no longer knows the job; throws SlurmError when Slurm could not be asked (a busy
 * slurmctld times out), so that a missed answer is never taken for a forgotten job.
 */
export async function arrayTasks(arrayJobId: string): Promise<Map<number, TaskInfo>> {
  const out = new Map<number, TaskInfo>();
  const r = await slurm('scontrol', ['show', 'job', '-o', arrayJobId]);
  if (r.exitCode === 0) {
    for (const line of r.stdout.split('\n')) {
      const f = Object.fromEntries([...line.matchAll(/(\w+)=(\S*)/g)].map((m) => [m[1], m[2]]));
      if (!f.JobState) continue;
      const info: TaskInfo = {
        outcome: STATES[f.JobState] ?? 'unknown',
        state: f.JobState,
        reason: f.Reason,
        exitCode: f.ExitCode,
      };
      // A pending remainder shows as one line with a range: "2-5%2" or "3,7".
      for (const i of f.ArrayTaskId === undefined ? [0] : expandRange(f.ArrayTaskId)) out.set(i, info);
    }
    return out;
  }
  if (!/Invalid job id/i.test(r.stderr))
    throw new SlurmError(`scontrol show job ${arrayJobId}: ${r.stderr.trim() || `exit code ${r.exitCode}`}`);
  // Not known to slurmctld any more: accounting, if the cluster keeps it.
  const a = await slurm('sacct', ['-n', '-P', '-X', '-j', arrayJobId, '-o', 'JobID,State,ExitCode']);
  if (a.exitCode !== 0) return out;
  for (const line of a.stdout.split('\n')) {
    const [id, state, exitCode] = line.split('|');
    const word = (state ?? '').split(' ')[0];
    const m = /_(\[?[\d,%-]+\]?)$/.exec(id ?? '');
    for (const i of m ? expandRange(m[1].replace(/[[\]]/g, '')) : id === arrayJobId ? [0] : [])
      out.set(i, { outcome: STATES[word] ?? 'unknown', state: word, exitCode });
  }
  return out;
}

export function expandRange(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.split('%')[0].split(',')) {
    const m = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part);
    if (!m) continue;
    const step = Number(m[3] ?? 1);
    for (let i = Number(m[1]); i <= Number(m[2] ?? m[1]); i += step) out.push(i);
  }
  return out;
}

/** True when the Slurm client commands are on the PATH. */
export async function slurmAvailable(): Promise<boolean> {
  try {
    const r = await execa('sbatch', ['--version'], { reject: false });
    return r.exitCode === 0;
  } catch {
    return false;
  }
}
