// `nnlab watch FILE`: serves the watch page (src/watch/) for an experiment's run, the one in
// progress or the next one started; stops when that run ends or on Ctrl-C. `nnlab run --open` uses
// openWatch for its own run.
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { UsageError } from '../../errors.ts';
import type { Watch } from '../../watch/server.ts';

const HELP = `usage: nnlab watch FILE

Serves a page on 127.0.0.1 (a free port; the address is printed) that shows the experiment's run —
the one in progress, or the next \`nnlab run FILE\` — as it goes: its trials, their progress, and
their curves; then its report. Stops when the run ends or on Ctrl-C. \`nnlab run FILE --open\` does
the same for the run it starts.`;

/** Starts the watch server for an experiment file, prints its address and opens a browser where there is a display. */
export async function openWatch(file: string, since?: string): Promise<Watch> {
  const { resolveExperiment } = await import('../../config/resolve.ts');
  const { RunStore, runsDir } = await import('../../store/store.ts');
  const { startWatch } = await import('../../watch/server.ts');
  const exp = resolveExperiment(file);
  const watch = await startWatch({ store: new RunStore(runsDir(file), exp.name), experiment: exp.name, file, title: exp.title, since });
  console.log(`watch: ${watch.url}`);
  // A desktop session: show it in the browser; elsewhere (ssh, CI) the address above is the way in.
  if ((process.env.DISPLAY || process.env.WAYLAND_DISPLAY) && existsSync('/usr/bin/xdg-open'))
    spawn('/usr/bin/xdg-open', [watch.url], { stdio: 'ignore', detached: true }).on('error', () => {}).unref();
  return watch;
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    throw new UsageError(`watch: ${(err as Error).message}\n\n${HELP}`);
  }
  if (parsed.values.help) {
    console.log(HELP);
    return 0;
  }
  if (parsed.positionals.length !== 1) throw new UsageError(`watch: give one experiment file, e.g. nnlab watch experiments/quickstart.yaml\n\n${HELP}`);
  const watch = await openWatch(parsed.positionals[0]);
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
