// A pool worker: a child process of the runner that lives for the whole run and takes trial after
// trial over IPC (executor.ts sends them), running each with runJob. It keeps the last prepared data
// between trials; a crash here costs only the trial in flight, and the pool starts a new worker.
import { runJob } from './run-job.ts';
import type { ParentMessage, WorkerMessage } from './executor.ts';

/** Sends `m` to the runner; resolves once it is written (or at once when the runner is gone). */
const send = (m: WorkerMessage) =>
  new Promise<void>((resolve) => (process.connected ? process.send!(m, undefined, {}, () => resolve()) : resolve()));

/** The trial in flight, if any. */
let current: AbortController | null = null;
/** Set when the runner is gone or SIGTERM came: exit once the trial in flight has stopped. */
let leaving: { code: number; reason?: string } | null = null;

function leave(code: number, reason?: string): void {
  leaving = { code, reason };
  if (current) current.abort();
  else process.exit(code);
}

process.on('message', (m: ParentMessage) => {
  if (m.type === 'abort') {
    current?.abort();
    return;
  }
  const controller = (current = new AbortController());
  runJob(m.job, {
    signal: controller.signal,
    onProgress: (p) => void send({ type: 'progress', ...p }),
  })
    .then(
      () => send({ type: 'done' }),
      (err: Error) =>
        send(
          controller.signal.aborted
            ? { type: 'aborted', ...(leaving?.reason ? { reason: leaving.reason } : {}) }
            : { type: 'error', message: err.message, stack: err.stack },
        ),
    )
    .finally(() => {
      current = null;
      if (leaving) process.exit(leaving.code);
    });
});
// The runner going away (it finished, Ctrl-C twice, kill -9) closes the IPC channel: stop the
// trial within one mini-batch and exit.
process.on('disconnect', () => leave(0));
// A runner that closed the channel before this process set its listeners sent no 'disconnect'.
if (!process.connected) leave(0);
process.on('SIGTERM', () => leave(143, 'SIGTERM'));
// Ctrl-C reaches the whole process group; the runner decides what stops (it sends 'abort').
process.on('SIGINT', () => undefined);
