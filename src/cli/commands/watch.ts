// `nnlab watch FILE`: serves the watch page (src/watch/) for an experiment's run, the one in
// progress or the next one started; stops when that run ends or on Ctrl-C. `nnlab run --open` uses
// openWatch for its own run.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Args } from '../args.ts';
import type { Watch } from '../../watch/server.ts';

/** Starts the watch server for an experiment file, prints its address and opens a browser where there is a display. */
export async function openWatch(file: string, since?: string): Promise<Watch> {
  const { resolveExperiment } = await import('../../config/resolve.ts');
  const { RunStore, runsDir } = await import('../../store/store.ts');
  const { startWatch } = await import('../../watch/server.ts');
  const exp = resolveExperiment(file);
  const watch = await startWatch({
    store: new RunStore(runsDir(file), exp.name),
    experiment: exp.name,
    file,
    title: exp.title,
    since,
  });
  console.log(`watch: ${watch.url}`);
  // A desktop session: show it in the browser; elsewhere (ssh, CI) the address above is the way in.
  if ((process.env.DISPLAY || process.env.WAYLAND_DISPLAY) && existsSync('/usr/bin/xdg-open'))
    spawn('/usr/bin/xdg-open', [watch.url], { stdio: 'ignore', detached: true })
      .on('error', () => {})
      .unref();
  return watch;
}

export async function run(args: Args): Promise<number> {
  const watch = await openWatch(args.positionals[0]);
  let interrupted = false;
  const stop = () => {
    interrupted = true;
    watch.stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await watch.done;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  return interrupted ? 130 : 0;
}
