// One Slurm array task: `node task.ts WAVE.json` runs the wave's job number $SLURM_ARRAY_TASK_ID.
// It follows the store's steps for any process that trains a trial (src/store/README.md): claim,
// train in this process with runJob (the code a local worker runs), commit, release; it writes its
// progress into the store for the runner to show, so a detached run needs no waiting process.
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { hostname } from 'node:os';
import { runJob } from '../run-job.ts';
import { machine } from '../provenance.ts';
import { RunStore } from '../../store/store.ts';
import { claim, holder, keepFresh, refresh, release, waitFor } from '../../store/claim.ts';
import { layout, logFile, readState, writeState, type TaskState, type WaveFile } from './layout.ts';

async function main(): Promise<number> {
  const [waveFile] = process.argv.slice(2);
  const index = Number(process.env.SLURM_ARRAY_TASK_ID);
  const arrayJobId = process.env.SLURM_ARRAY_JOB_ID ?? '?';
  const wave = JSON.parse(readFileSync(waveFile, 'utf8')) as WaveFile;
  const job = wave.jobs[index];
  if (!job) {
    console.error(`nnlab task: ${waveFile} has no job ${index} (SLURM_ARRAY_TASK_ID)`);
    return 2;
  }
  const l = layout(wave.storeRoot);
  const store = new RunStore(dirname(wave.storeRoot), basename(wave.storeRoot), { warn: (w) => console.log(w) });
  const { trial } = job;
  const threads = Number(process.env.SLURM_CPUS_PER_TASK) || 1;
  const previous = readState(l, trial.hash);
  const base: TaskState = {
    hash: trial.hash,
    id: trial.id,
    arrayJobId,
    taskId: index,
    attempt: previous?.arrayJobId === arrayJobId ? previous.attempt : (previous?.attempt ?? 0) + 1,
    state: 'running',
    host: hostname(),
    log: logFile(l, arrayJobId, index),
    at: '',
  };
  console.log(
    `nnlab task ${arrayJobId}_${index}: ${trial.id} (${trial.hash}) on ${hostname()}, ${threads} thread${threads === 1 ? '' : 's'}`,
  );
  const controller = new AbortController();
  // scancel and the time limit send SIGTERM first: stop training within one mini-batch.
  process.on('SIGTERM', () => controller.abort());
  process.on('SIGINT', () => controller.abort());

  // --force retrains what is stored, but takes what another process trains meanwhile.
  let reuse = !wave.force;
  let by = '';
  for (;;) {
    if (reuse && store.read(trial)) {
      console.log(by ? `trained by ${by}: not trained twice` : 'already in the store: nothing to do');
      const elsewhere = by ? `trained by ${by}` : 'already stored when its task started';
      writeState(l, { ...base, state: 'committed', message: elsewhere, elsewhere });
      return 0;
    }
    const c = claim(store, trial.hash);
    if (!c) {
      // Another runner or task holds the trial: wait for it (in this task's slot), then take its result.
      const h = holder(store, trial.hash);
      by = h?.info ? `pid ${h.info.pid} on ${h.info.host}` : 'another process';
      console.log(`claimed by ${by}: waiting for it`);
      writeState(l, { ...base, state: 'claimed', message: `being trained by ${by}` });
      const since = Date.now();
      if ((await waitFor(store, trial.hash, { signal: controller.signal })) === 'aborted') return stopped(l, base);
      reuse = true;
      if (!store.has(trial) && store.failedSince(trial.hash, since)) {
        writeState(l, { ...base, state: 'failed', message: `failed in ${by} (log ${store.failureLog(trial.hash)})` });
        console.log(`FAILED in ${by}: see ${store.failureLog(trial.hash)}`);
        return 1;
      }
      continue;
    }
    if (c.tookOver)
      console.log(
        `took over the claim of ${c.tookOver.info ? `pid ${c.tookOver.info.pid} on ${c.tookOver.info.host}` : 'an unknown process'}: ${c.tookOver.why}`,
      );
    const stopRefreshing = keepFresh(c);
    let tmp = '';
    try {
      // Committed by another between the look above and the claim.
      if (reuse && store.read(trial)) continue;
      tmp = store.begin(trial.hash);
      writeState(l, base);
      let lastWrite = 0;
      await runJob(
        { trial, tmpDir: tmp, provenance: { ...job.provenance, machine: machine(), threads } },
        {
          signal: controller.signal,
          onProgress: (p) => {
            const now = Date.now();
            if (now - lastWrite < 500 && p.step < p.totalSteps) return;
            lastWrite = now;
            writeState(l, { ...base, progress: p });
          },
        },
      );
      stopRefreshing();
      if (!refresh(c) && store.has(trial)) {
        // Taken over while this task was stopped, and committed by the other: keep theirs.
        store.abandon(tmp);
        const elsewhere = 'trained by the process that took over its claim';
        writeState(l, { ...base, state: 'committed', message: elsewhere, elsewhere });
        return 0;
      }
      store.commit(tmp, trial.hash);
      writeState(l, { ...base, state: 'committed' });
      console.log('committed');
      return 0;
    } catch (err) {
      if (tmp) store.abandon(tmp);
      if ((err as Error).name === 'AbortError') return stopped(l, base);
      const e = err as Error;
      writeState(l, { ...base, state: 'failed', message: e.message });
      console.log(`FAILED: ${e.message}\n${e.stack ?? ''}`);
      return 1;
    } finally {
      stopRefreshing();
      release(c);
    }
  }
}

function stopped(l: ReturnType<typeof layout>, base: TaskState): number {
  writeState(l, { ...base, state: 'stopped', message: 'stopped by a signal (scancel or the time limit)' });
  console.log('stopped by SIGTERM');
  return 143;
}

process.exitCode = await main();
