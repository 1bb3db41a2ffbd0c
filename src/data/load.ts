// loadParts: the one entry point that reads a source's parts, whatever its file format.
import { DataError } from '../errors.ts';
import { loadCifar } from './cifar10.ts';
import { loadIdx } from './idx.ts';
import { parts as partNames, type Source } from './catalog.ts';
import type { RawSplit } from './split.ts';

/** Reads `names` (e.g. ['data_batch_1', 'data_batch_2']) of `source`, concatenated in that order. */
export async function loadParts(source: Source, names: string[], opts: { root?: string } = {}): Promise<RawSplit> {
  const valid = partNames(source);
  if (names.length === 0) throw new DataError(`${source}: no parts asked for; valid parts: ${valid.join(', ')}`);
  for (const p of names)
    if (!valid.includes(p)) throw new DataError(`${source}: unknown part "${p}"; valid parts: ${valid.join(', ')}`);
  return source === 'cifar10' ? loadCifar(names, opts.root) : loadIdx(source, names, opts.root);
}
