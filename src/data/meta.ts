// The small JSON file recorded beside an installed dataset (<root>/nnlab-source.json): which archive
// it came from (its MD5, whether that is an official one) and, for synthetic fixtures, the number of
// records per CIFAR-10 part when it is not the official 10000. Provenance reads it via describe.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const META_FILE = 'nnlab-source.json';

export interface SourceMeta {
  source: string;
  /** 'binary' | 'python' for CIFAR-10, 'idx' otherwise. */
  layout?: string;
  /** File name or URL of the archive installed from. */
  archive?: string;
  /** MD5 hex of that archive. */
  md5?: string;
  /** Official archive name when md5 matches one of the official sums, else null. */
  known?: string | null;
  /** How the members were checked: 'md5', 'size' or 'read'. */
  verified?: string;
  /** Records per CIFAR-10 part, when not 10000 (synthetic test data only). */
  records_per_part?: number;
  installed?: string;
}

export function readMeta(root: string): SourceMeta | null {
  try {
    return JSON.parse(readFileSync(join(root, META_FILE), 'utf8')) as SourceMeta;
  } catch {
    return null;
  }
}

export function writeMeta(root: string, meta: SourceMeta): void {
  writeFileSync(join(root, META_FILE), JSON.stringify(meta, null, 2) + '\n');
}
