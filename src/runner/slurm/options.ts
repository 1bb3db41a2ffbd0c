// Slurm settings for `--executor slurm`: the user config file (so a lab sets its partition and
// account once), the command line over it, each value checked before anything is submitted.
// The file: $NNLAB_CONFIG, else $XDG_CONFIG_HOME/nnlab/config.yaml, else ~/.config/nnlab/config.yaml.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { UsageError } from '../../errors.ts';
import { didYouMean } from '../../config/messages.ts';

export interface SlurmOptions {
  partition?: string;
  /** Slurm's time format: minutes, MM:SS, HH:MM:SS, D-HH[:MM[:SS]]. */
  time?: string;
  /** Per task, as sbatch --mem takes it: 4G, 500M. */
  mem?: string;
  cpusPerTask: number;
  account?: string;
  qos?: string;
  /** Extra sbatch arguments, given as they are (e.g. --constraint=avx512). */
  sbatchArgs: string[];
  /** The `%` limit of an array: at most this many of its tasks run at once. */
  arrayLimit?: number;
  /** Resubmissions of a trial whose task failed, timed out, ran out of memory or lost its node. */
  retries: number;
}

/** Keys of the config file's `slurm:` section, and the option each one stands for. */
const KEYS = {
  partition: 'partition',
  time: 'time',
  mem: 'mem',
  cpus_per_task: 'cpusPerTask',
  account: 'account',
  qos: 'qos',
  sbatch_args: 'sbatchArgs',
  array_limit: 'arrayLimit',
  retries: 'retries',
} as const;

export function configFile(): string {
  if (process.env.NNLAB_CONFIG) return process.env.NNLAB_CONFIG;
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'nnlab', 'config.yaml');
}

const TIME = /^(?:\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+(?::\d{1,2}(?::\d{1,2})?)?)$/;
const MEM = /^\d+[KMGT]?$/i;

/** Bytes of a --mem size as sbatch reads it: K, M (the default unit), G or T, powers of 1024. */
export function memBytes(mem: string): number {
  const unit = mem.slice(-1).toUpperCase();
  const power = 'KMGT'.indexOf(unit);
  return power < 0 ? Number(mem) * 1024 ** 2 : Number(mem.slice(0, -1)) * 1024 ** (power + 1);
}

/** Checks one value; `where` names its place (a file key or a command-line option). */
function check(key: keyof SlurmOptions, value: unknown, where: string): unknown {
  const bad = (what: string) => new UsageError(`${where}: ${what}; got ${JSON.stringify(value)}`);
  switch (key) {
    case 'cpusPerTask':
    case 'arrayLimit': {
      const n = typeof value === 'string' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw bad('must be a positive integer');
      return n;
    }
    case 'retries': {
      const n = typeof value === 'string' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw bad('must be a whole number, 0 or more');
      return n;
    }
    case 'time':
      if (typeof value !== 'string' || !TIME.test(value))
        throw bad('must be a Slurm time: minutes, MM:SS, HH:MM:SS or D-HH:MM:SS (e.g. "02:00:00")');
      return value;
    case 'mem':
      if (typeof value !== 'string' && typeof value !== 'number')
        throw bad('must be a size as sbatch --mem takes it (e.g. 4G or 500M)');
      if (!MEM.test(String(value))) throw bad('must be a size as sbatch --mem takes it (e.g. 4G or 500M)');
      return String(value);
    case 'sbatchArgs':
      if (!Array.isArray(value) || !value.every((a) => typeof a === 'string' && a.startsWith('-')))
        throw bad('must be a list of sbatch options, each starting with "-" (e.g. ["--constraint=avx512"])');
      return value;
    default:
      if (typeof value !== 'string' || !value || /\s/.test(value)) throw bad('must be a name without spaces');
      return value;
  }
}

/** The `slurm:` section of the user config file ({} when there is no file). */
export function readConfigFile(file = configFile()): Partial<SlurmOptions> {
  if (!existsSync(file)) return {};
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new UsageError(`${file}: expected a mapping with a "slurm:" section`);
  for (const k of Object.keys(doc))
    if (k !== 'slurm')
      throw new UsageError(
        `${file}: unknown section "${k}"${didYouMean(k, ['slurm'])} (the file has one section, "slurm:")`,
      );
  const section = (doc as { slurm?: unknown }).slurm ?? {};
  if (typeof section !== 'object' || Array.isArray(section) || section === null)
    throw new UsageError(`${file}: "slurm:" must be a mapping of settings`);
  const out: Partial<SlurmOptions> = {};
  for (const [k, v] of Object.entries(section)) {
    if (!(k in KEYS))
      throw new UsageError(
        `${file}: slurm.${k} is not a setting${didYouMean(k, Object.keys(KEYS))} (settings: ${Object.keys(KEYS).join(', ')})`,
      );
    const key = KEYS[k as keyof typeof KEYS];
    (out as Record<string, unknown>)[key] = check(key, v, `${file}: slurm.${k}`);
  }
  return out;
}

/** Command-line values (strings as parsed) over the config file's. */
export function slurmOptions(cli: Partial<Record<keyof SlurmOptions, unknown>>, file = configFile()): SlurmOptions {
  const fromFile = readConfigFile(file);
  const flag: Record<keyof SlurmOptions, string> = {
    partition: '--partition',
    time: '--time',
    mem: '--mem',
    cpusPerTask: '--cpus-per-task',
    account: '--account',
    qos: '--qos',
    sbatchArgs: '--sbatch-arg',
    arrayLimit: '--array-limit',
    retries: '--retries',
  };
  const out: Record<string, unknown> = { cpusPerTask: 1, sbatchArgs: [], retries: 0, ...fromFile };
  for (const [k, v] of Object.entries(cli)) {
    if (v === undefined || (Array.isArray(v) && !v.length)) continue;
    const key = k as keyof SlurmOptions;
    // Extra sbatch arguments add to the file's; every other option replaces it.
    out[key] =
      key === 'sbatchArgs'
        ? [...(out.sbatchArgs as string[]), ...(check(key, v, `run: ${flag[key]}`) as string[])]
        : check(key, v, `run: ${flag[key]}`);
  }
  return out as unknown as SlurmOptions;
}

/** The sbatch options these settings stand for (resources only; the array and output are the wave's). */
export function sbatchResourceArgs(o: SlurmOptions): string[] {
  return [
    ...(o.partition ? [`--partition=${o.partition}`] : []),
    ...(o.time ? [`--time=${o.time}`] : []),
    ...(o.mem ? [`--mem=${o.mem}`] : []),
    `--cpus-per-task=${o.cpusPerTask}`,
    ...(o.account ? [`--account=${o.account}`] : []),
    ...(o.qos ? [`--qos=${o.qos}`] : []),
    ...o.sbatchArgs,
  ];
}

/** The same settings as `nnlab run` options, for the follow-up job that runs the next stage (which
 * reads no config file, so that file's extra sbatch arguments are not added twice). */
export function asRunArgs(o: SlurmOptions): string[] {
  return [
    ...(o.partition ? ['--partition', o.partition] : []),
    ...(o.time ? ['--time', o.time] : []),
    ...(o.mem ? ['--mem', o.mem] : []),
    '--cpus-per-task',
    String(o.cpusPerTask),
    ...(o.account ? ['--account', o.account] : []),
    ...(o.qos ? ['--qos', o.qos] : []),
    ...(o.arrayLimit ? ['--array-limit', String(o.arrayLimit)] : []),
    '--retries',
    String(o.retries),
    ...o.sbatchArgs.map((a) => `--sbatch-arg=${a}`),
  ];
}
