// Which data an experiment's trials train on: makes sure each source is installed (fetching
// CIFAR-10 on first use) and fingerprints its files, so trial hashes change when the data does.
// Fingerprints are remembered in the data home while the files are unchanged (fingerprint-cache.ts).
import { join } from 'node:path';
import { DataError } from '../errors.ts';
import { dataHome, describeData, ensureDataset, loadParts, parts, type Source } from '../data/index.ts';
import { cachedFingerprint, FINGERPRINT_CACHE } from './fingerprint-cache.ts';
import { sha256 } from '../config/canonical.ts';
import type { ResolvedExperiment } from '../config/resolve.ts';

export interface DataIdentity {
  /** sha256 over every source's files (all parts), or 'unavailable' when allowed to be missing. */
  fingerprint: string;
  /** Human line for reports: "CIFAR-10 (JPEG q75 copy, archive md5 2e508a…)". */
  description: string;
}

function sourcesOf(exp: ResolvedExperiment): { source: Source; root?: string }[] {
  const seen = new Map<string, { source: Source; root?: string }>();
  for (const c of [exp.base, ...exp.variants.map((v) => v.config)])
    seen.set(`${c.dataset.source}\0${c.dataset.root ?? ''}`, { source: c.dataset.source, root: c.dataset.root });
  return [...seen.values()];
}

export async function dataIdentity(
  exp: ResolvedExperiment,
  opts: { fetch: boolean; log: (l: string) => void; allowMissing?: boolean },
): Promise<DataIdentity> {
  const prints: string[] = [];
  const descriptions: string[] = [];
  for (const { source, root } of sourcesOf(exp)) {
    try {
      const where = await ensureDataset(source, {
        root,
        fetch: opts.fetch,
        onProgress: (() => {
          let shown = -1;
          return (p: { bytes: number; total?: number }) => {
            const pc = p.total ? Math.floor((100 * p.bytes) / p.total / 10) * 10 : -1;
            if (pc !== shown)
              opts.log(`fetching ${source}: ${p.total ? `${pc}%` : `${(p.bytes / 1e6).toFixed(0)} MB`}`);
            shown = pc;
          };
        })(),
      });
      const all = parts(source);
      const fingerprint = await cachedFingerprint(
        `${source}\0${where}\0${all.join(',')}`,
        () => loadParts(source, all, { root: where }),
        {
          file: join(dataHome(), FINGERPRINT_CACHE),
          watch: [where],
          // The callers that allow missing data only look (a dry run, `nnlab status`): they write nothing.
          write: !opts.allowMissing,
        },
      );
      prints.push(`${source}:${fingerprint}`);
      descriptions.push(describeData(source, where));
    } catch (err) {
      if (opts.allowMissing && err instanceof DataError)
        return { fingerprint: 'unavailable', description: 'data not installed' };
      throw err;
    }
  }
  return { fingerprint: sha256(prints.join('\n')).slice(0, 16), description: descriptions.join('; ') };
}
