// `nnlab status FILE`: which trials of an experiment are done, queued, running or failed, for a run
// in progress here or on a Slurm cluster (a detached one too). Changes nothing.
import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.ts';

const HELP = `usage: nnlab status FILE [--set PATH=VALUE]…

Shows every trial planned so far and where it stands: done (in the run store), queued or running
(a Slurm job, with its step), failed (with Slurm's outcome: failed, cancelled, timed out, out of
memory, node failure, and its log), not submitted; and the stages still waiting on earlier ones.

options:
  --set PATH=VALUE   the same overrides as the run; repeatable`;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { set: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    throw new UsageError(`status: ${(err as Error).message}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`status: give one experiment file, e.g. nnlab status experiments/quickstart.yaml\n\n${HELP}`);
  const { status } = await import('../../runner/slurm/status.ts');
  await status(positionals[0], { set: values.set, log: (l) => console.log(l) });
  return 0;
}
