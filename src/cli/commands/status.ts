// `nnlab status FILE`: which trials of an experiment are done, queued, running or failed, for a run
// in progress here or on a Slurm cluster (a detached one too). Changes nothing.
import type { Args } from '../args.ts';

export async function run(args: Args): Promise<number> {
  const { status } = await import('../../runner/slurm/status.ts');
  await status(args.positionals[0], { set: args.strings('set'), log: (l) => console.log(l) });
  return 0;
}
