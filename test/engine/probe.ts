// Running level-probe.js in a child process (natively or under qemu-user) and comparing two of its
// results: the same trainings within float32 rounding (float64 within 1e-12).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, type KernelStatus } from '../../src/engine/native.ts';

export interface Probe {
  kernels: KernelStatus;
  gradients: Record<string, number>;
  reference: Record<string, number>;
  trainings: Record<
    string,
    {
      kernel: string;
      kernelLevel: string;
      fingerprint: string;
      trainLoss: number;
      validationLoss: number;
      W1: number[];
    }
  >;
}

/** level-probe.js's result: `prefix` is the emulator's command line (empty: native). */
export function probe(prefix: string[], env: Record<string, string>, quick = false): Probe {
  const cmd = [
    ...prefix,
    process.execPath,
    join(repoRoot, 'test', 'engine', 'level-probe.js'),
    ...(quick ? ['quick'] : []),
  ];
  const r = spawnSync(cmd[0], cmd.slice(1), {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 1 << 26,
  });
  const stderr = r.stderr
    .split('\n')
    .filter((l) => l && !/TCG doesn't support requested feature/.test(l))
    .join('\n');
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} exited with ${r.status ?? r.signal}: ${stderr}`);
  return JSON.parse(r.stdout) as Probe;
}

/** Per training both have: the largest |ΔW1| over max |W1| and the losses' relative difference. */
export function agreement(a: Probe, b: Probe): { name: string; ok: boolean; text: string }[] {
  return Object.keys(a.trainings)
    .filter((name) => b.trainings[name])
    .map((name) => {
      const x = a.trainings[name];
      const y = b.trainings[name];
      const tol = name.startsWith('float64') ? 1e-12 : 1e-5;
      let dw = 0;
      let top = 0;
      for (let i = 0; i < y.W1.length; i++) {
        dw = Math.max(dw, Math.abs(x.W1[i] - y.W1[i]));
        top = Math.max(top, Math.abs(y.W1[i]));
      }
      const rel = (p: number, q: number) => Math.abs(p - q) / Math.abs(q);
      const w = dw / top;
      const loss = Math.max(rel(x.trainLoss, y.trainLoss), rel(x.validationLoss, y.validationLoss));
      const same = x.fingerprint === y.fingerprint ? ' (bit-identical)' : '';
      return {
        name,
        ok: x.W1.length === y.W1.length && w <= tol && loss <= tol,
        text: `max |ΔW1|/max |W1| ${w.toExponential(1)}, losses ${loss.toExponential(1)}, bound ${tol}${same}`,
      };
    });
}
