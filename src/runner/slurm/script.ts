// The batch scripts nnlab submits: a wave's job array (task i trains the wave's trial i) and the
// small follow-up job that, once a wave has ended (afterany), plans and submits the next stage.
// The environment (NNLAB_DATA, NNLAB_RUNS, PATH) travels with sbatch's default --export=ALL.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { nodeEntry } from '../node-entry.ts';
import { sbatchResourceArgs, type SlurmOptions } from './options.ts';

const TASK = nodeEntry('./task.ts', import.meta.url);
const NNLAB = fileURLToPath(new URL('../../../bin/nnlab.js', import.meta.url));

/** Quotes a word for bash. */
export const sh = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);

export interface WaveScript {
  name: string;
  count: number;
  waveFile: string;
  logs: string;
  options: SlurmOptions;
}

export function waveScript(w: WaveScript): string {
  const limit = w.options.arrayLimit ? `%${w.options.arrayLimit}` : '';
  return [
    '#!/bin/bash',
    `#SBATCH --job-name=${sh(w.name)}`,
    `#SBATCH --array=0-${w.count - 1}${limit}`,
    `#SBATCH --output=${sh(join(w.logs, '%A_%a.out'))}`,
    ...sbatchResourceArgs(w.options).map((a) => `#SBATCH ${a}`),
    '# One trial a task: the wave file lists them; the task claims, trains and commits its trial.',
    `export OPENBLAS_NUM_THREADS=\${SLURM_CPUS_PER_TASK:-1}`,
    `exec ${[process.execPath, ...TASK.execArgv, TASK.file, w.waveFile].map(sh).join(' ')}`,
    '',
  ].join('\n');
}

export interface FollowUpScript {
  name: string;
  log: string;
  cwd: string;
  /** `nnlab run` arguments: the experiment file and its options, with --detach. */
  runArgs: string[];
  options: SlurmOptions;
}

/** One CPU, a little memory, the same partition/account/qos and time limit as the trials. */
export function followUpScript(f: FollowUpScript): string {
  const o = f.options;
  return [
    '#!/bin/bash',
    `#SBATCH --job-name=${sh(f.name)}`,
    `#SBATCH --output=${sh(f.log)}`,
    '#SBATCH --cpus-per-task=1',
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.account ? [`#SBATCH --account=${o.account}`] : []),
    ...(o.qos ? [`#SBATCH --qos=${o.qos}`] : []),
    ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
    '# Plans the stages the finished wave allows and submits them (with a follow-up of its own).',
    `cd ${sh(f.cwd)}`,
    `export NNLAB_CONFIG=/dev/null`,
    `exec ${sh(process.execPath)} ${sh(NNLAB)} run ${f.runArgs.map(sh).join(' ')}`,
    '',
  ].join('\n');
}
