// Where each data source lives: the data home and each source's folder. What a source holds (parts,
// classes) is catalog.ts's; reading the files is left to cifar10.ts and idx.ts, installing them to install.ts.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Source } from './catalog.ts';

/** Debian's dataset-fashion-mnist package puts the four gzip IDX files here. */
export const DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

/** The folder shared by all experiments: $NNLAB_DATA, else $XDG_CACHE_HOME/nnlab, else ~/.cache/nnlab. */
export function dataHome(): string {
  if (process.env.NNLAB_DATA) return resolve(process.env.NNLAB_DATA);
  if (process.env.XDG_CACHE_HOME) return resolve(process.env.XDG_CACHE_HOME, 'nnlab');
  return join(homedir(), '.cache', 'nnlab');
}

/**
 * The folder holding a source's files. `root` (a config's dataset.root, a --root flag) overrides.
 * cifar10: <data home>/cifar10 (holding cifar-10-batches-bin/ or cifar-10-batches-py/);
 * fashion_mnist: Debian's folder when present, else <data home>/fashion_mnist; mnist: <data home>/mnist.
 */
export function sourceRoot(source: Source, root?: string): string {
  if (root) return resolve(root);
  switch (source) {
    case 'cifar10':
      return join(dataHome(), 'cifar10');
    case 'fashion_mnist': {
      const own = join(dataHome(), 'fashion_mnist');
      return existsSync(DEBIAN_FASHION_MNIST) || !existsSync(own) ? DEBIAN_FASHION_MNIST : own;
    }
    case 'mnist':
      return join(dataHome(), 'mnist');
  }
}
