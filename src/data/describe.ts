// Human descriptions of installed data, for reports' provenance and `nnlab data where`:
// which copy of a dataset a run used ("CIFAR-10 (JPEG q75 copy, archive md5 2e508a…)").
import { existsSync } from 'node:fs';
import { locateCifar } from './cifar10.ts';
import { KNOWN_COPIES, OFFICIAL_MD5 } from './hints.ts';
import { missingFiles } from './install.ts';
import { readMeta } from './meta.ts';
import { SOURCES, type Source } from './catalog.ts';
import { DEBIAN_FASHION_MNIST, sourceRoot } from './sources.ts';

/** One line naming the data a source reads from `root` (default place when omitted). */
export function describeData(source: Source, root?: string): string {
  const where = sourceRoot(source, root);
  if (source === 'cifar10') {
    const meta = readMeta(where);
    const l = locateCifar(where);
    const md5 = meta?.md5;
    if (md5 && OFFICIAL_MD5[md5]) return `CIFAR-10 (official ${OFFICIAL_MD5[md5].layout} archive)`;
    if (md5 && KNOWN_COPIES[md5]) return `CIFAR-10 (${KNOWN_COPIES[md5]}, archive md5 ${md5.slice(0, 6)}…)`;
    if (md5) return `CIFAR-10 (unrecognized archive, md5 ${md5.slice(0, 6)}…)`;
    if (l) return `CIFAR-10 (${l.layout} layout in ${where}, origin not recorded)`;
    return `CIFAR-10 (not installed in ${where})`;
  }
  if (source === 'fashion_mnist' && where === DEBIAN_FASHION_MNIST)
    return 'Fashion-MNIST (Debian dataset-fashion-mnist)';
  return `${SOURCES[source].label} (IDX files in ${where})`;
}

/** Whether a source is installed where it would be read from, and what it is. */
export function installedStatus(
  source: Source,
  root?: string,
): { root: string; installed: boolean; description: string; missing: string[] } {
  const where = sourceRoot(source, root);
  const missing = existsSync(where) ? missingFiles(source, where) : [where];
  return { root: where, installed: missing.length === 0, description: describeData(source, root), missing };
}
