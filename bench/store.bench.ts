// The cost of the run store's checks on a full store (issue #10: ≤ 1 s on a cached rerun of
// assignment3-bn): the cheap check (a stat per file) and the full check (every byte hashed) of every
// stored trial, as `nnlab run` does them once per trial, then a cached `nnlab run` end to end.
// Usage: NNLAB_RUNS=… NNLAB_DATA=… node --import tsx bench/store.bench.ts [FILE] [--checks-only]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { resolveExperiment } from '../src/config/resolve.ts';
import { RunStore, runsDir } from '../src/store/store.ts';
import { cpuTicks } from './cpu-ticks.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const file = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? join(ROOT, 'experiments', 'assignment3-bn.yaml');
const exp = resolveExperiment(file);
const quiet = () => new RunStore(runsDir(file), exp.name, { moveDamaged: false, warn: () => undefined });
const hashes = quiet().hashes();
if (!hashes.length) throw new Error(`no stored trials of ${exp.name} in ${runsDir(file)}: run it first`);

/** Bytes the full check reads: the sizes the manifests list. */
const bytes = hashes.reduce((n, h) => {
  const m = JSON.parse(readFileSync(join(quiet().trialDir(h), 'manifest.json'), 'utf8')) as {
    files: Record<string, { size: number }>;
  };
  return n + Object.values(m.files).reduce((s, f) => s + f.size, 0);
}, 0);
const t0 = cpuTicks();
/** Wall-clock and CPU time (this process) of f, in ms: on a loaded machine the CPU time is the steadier figure. */
const timed = (f: () => void) => {
  const start = performance.now();
  const cpu = process.cpuUsage();
  f();
  const used = process.cpuUsage(cpu);
  return `${(performance.now() - start).toFixed(1)} ms (CPU ${((used.user + used.system) / 1000).toFixed(1)} ms)`;
};
const cheap = quiet();
const cheapMs = timed(() => hashes.forEach((h) => cheap.check(h)));
const full = quiet();
let damaged = 0;
const fullMs = timed(() => hashes.forEach((h) => (damaged += full.verify(h) ? 1 : 0)));
// --checks-only: the store is still being written by a run (a cached run would wait for its claims).
let runLine = 'cached nnlab run: not measured (--checks-only)';
if (!process.argv.includes('--checks-only')) {
  const start = performance.now();
  const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'nnlab.js'), 'run', file, '--no-report', '--no-fetch'], {
    encoding: 'utf8',
    env: process.env,
  });
  if (run.status !== 0) throw new Error(`nnlab run failed:\n${run.stdout}\n${run.stderr}`);
  runLine = `cached nnlab run --no-report, end to end:              ${((performance.now() - start) / 1000).toFixed(2)} s (${/^\d+ trials: .*$/m.exec(run.stdout)?.[0]})`;
}
const t1 = cpuTicks();

console.log(
  `store: ${hashes.length} trials, ${(bytes / 1e6).toFixed(1)} MB in ${runsDir(file)}/${exp.name}${damaged ? ` (${damaged} damaged)` : ''}`,
);
console.log(`cheap check (manifest + a stat per file), all trials: ${cheapMs}`);
console.log(`full check (every byte hashed), all trials:           ${fullMs}`);
console.log(runLine);
const cpuLine =
  t0 && t1 && t1.total > t0.total
    ? `all CPUs were ${((100 * (t1.busy - t0.busy)) / (t1.total - t0.total)).toFixed(0)}% busy while it ran (this bench included), ${cpus().length} CPUs`
    : 'CPU load unknown (no /proc)';
console.log(`${cpuLine}; load average ${loadavg()[0].toFixed(2)}; CPU ${cpus()[0]?.model.trim()}`);
