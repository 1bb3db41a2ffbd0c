// Where each data source lives and what it holds: the data home, part names, file names, classes.
// Reading the files is left to cifar10.ts and idx.ts; installing them to install.ts.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export type Source = 'cifar10' | 'fashion_mnist' | 'mnist';

export const SOURCE_NAMES: Source[] = ['cifar10', 'fashion_mnist', 'mnist'];

/** Debian's dataset-fashion-mnist package puts the four gzip IDX files here. */
export const DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export const LABELS: Record<Source, string> = { cifar10: 'CIFAR-10', fashion_mnist: 'Fashion-MNIST', mnist: 'MNIST' };

const CIFAR10_PARTS = ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch'];
const IDX_PARTS = ['train', 'test'];

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

/** Valid part names, in their natural order. */
export function parts(source: Source): string[] {
  return source === 'cifar10' ? [...CIFAR10_PARTS] : [...IDX_PARTS];
}

export function isSource(s: string): s is Source {
  return (SOURCE_NAMES as string[]).includes(s);
}
