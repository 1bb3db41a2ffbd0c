// `nnlab status FILE`: where each planned trial stands, from the run store, the state files the
// Slurm tasks write and Slurm itself: done, queued, running (with its step), failed (with Slurm's
// outcome), not submitted; and the stages still waiting on others. Trains and submits nothing.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planTrials, type Trial } from '../../config/expand.ts';
import { resolveExperiment } from '../../config/resolve.ts';
import { RunStore, runsDir } from '../../store/store.ts';
import { dataIdentity } from '../data-identity.ts';
import { bestOfStage } from '../../store/rank.ts';
import { storedLrBounds } from '../lr-range.ts';
import { layout, readState } from './layout.ts';
import { inFlight, standing } from './outcome.ts';
import { arrayTasks } from './slurm.ts';

type Kind = 'done' | 'running' | 'queued' | 'failed' | 'not submitted';

export async function status(
  file: string,
  opts: { set?: string[]; log: (l: string) => void },
): Promise<{ counts: Record<Kind, number> }> {
  const exp = resolveExperiment(file, { set: opts.set });
  // Read only: a damaged trial is shown as not stored, not moved.
  const store = new RunStore(runsDir(file), exp.name, { moveDamaged: false, warn: () => undefined });
  const l = layout(store.root);
  const { ENGINE_VERSION } = await import('../../engine/index.ts');
  const identity = await dataIdentity(exp, { fetch: false, log: () => undefined, allowMissing: true });
  // A stage counts as settled once its failures are recorded (by the runner or the follow-up job).
  const ctx = {
    engineVersion: ENGINE_VERSION,
    dataFingerprint: identity.fingerprint,
    bestOf: bestOfStage(store),
    lrBounds: storedLrBounds(store),
  };
  const rows = new Map<string, { t: Trial; kind: Kind; text: string }>();
  let plan = planTrials(exp, ctx);
  for (let size = -1; size !== plan.trials.length; plan = planTrials(exp, ctx)) {
    size = plan.trials.length;
    for (const t of plan.trials) {
      if (rows.has(t.id)) continue;
      // Two trials of the same hash (a search value equal to the base's) are one computation.
      const twin = [...rows.values()].find((r) => r.t.hash === t.hash);
      if (twin) {
        rows.set(t.id, { ...twin, t });
        continue;
      }
      const stored = store.read(t);
      if (stored) {
        const r = stored.result;
        const acc =
          r.kind === 'train' && r.final.validation
            ? `, val acc ${(r.final.validation.accuracy * 100).toFixed(2)}%`
            : '';
        rows.set(t.id, {
          t,
          kind: 'done',
          text: `done${r.kind === 'train' && r.status === 'diverged' ? ' (diverged)' : ''}${acc}`,
        });
        continue;
      }
      const s = readState(l, t.hash);
      if (!s) {
        rows.set(t.id, { t, kind: 'not submitted', text: 'not submitted' });
        continue;
      }
      const st = await standing(s, {});
      if (inFlight(st.outcome)) {
        const p = s.progress;
        const steps = st.outcome === 'running' && p ? `, step ${p.step}/${p.totalSteps}` : '';
        rows.set(t.id, { t, kind: st.outcome === 'running' ? 'running' : 'queued', text: `${st.message}${steps}` });
      } else {
        rows.set(t.id, { t, kind: 'failed', text: `FAILED: ${st.message}${s.log ? ` (log ${s.log})` : ''}` });
      }
    }
  }
  opts.log(
    `${exp.file}: ${plan.trials.length} trial${plan.trials.length === 1 ? '' : 's'} planned${plan.pending.length ? `, more once earlier stages finish` : ''}`,
  );
  for (const { t, text } of rows.values()) opts.log(`  ${t.hash}  ${t.id}: ${text}`);
  for (const p of plan.pending) opts.log(`  (later)           ${p.id}: ${p.reason}`);
  const followUp = join(l.root, 'follow-up.json');
  if (existsSync(followUp)) {
    const f = JSON.parse(readFileSync(followUp, 'utf8')) as { jobId: string; after: string[] };
    const info = (await arrayTasks(f.jobId)).values().next().value;
    if (info && inFlight(info.outcome))
      opts.log(
        `follow-up job ${f.jobId}: ${info.outcome}, plans the next stage once job${f.after.length === 1 ? '' : 's'} ${f.after.join(', ')} ${f.after.length === 1 ? 'has' : 'have'} ended`,
      );
  }
  const counts: Record<Kind, number> = { done: 0, running: 0, queued: 0, failed: 0, 'not submitted': 0 };
  for (const r of rows.values()) counts[r.kind]++;
  opts.log(
    `${rows.size} trials: ${counts.done} done, ${counts.running} running, ${counts.queued} queued, ${counts.failed} failed, ${counts['not submitted']} not submitted${plan.pending.length ? `; ${plan.pending.length} waiting on earlier stages` : ''}`,
  );
  return { counts };
}
