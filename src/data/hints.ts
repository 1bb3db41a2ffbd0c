// The text that tells a user how to install a source's data, shared by every "missing" error.
import type { Source } from './catalog.ts';
import { dataHome, sourceRoot, DEBIAN_FASHION_MNIST } from './sources.ts';

export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';

/** Official archives (from the CIFAR-10 page) by MD5. */
export const OFFICIAL_MD5: Record<string, { name: string; bytes: number; layout: 'binary' | 'python' | 'matlab' }> = {
  c32a1d4ab5d03f1284b67883e8d87530: { name: 'cifar-10-binary.tar.gz', bytes: 170052171, layout: 'binary' },
  c58f30108f718f92721af3b95e74349a: { name: 'cifar-10-python.tar.gz', bytes: 170498071, layout: 'python' },
  '70270af85842c9e89bb428ec9976c926': { name: 'cifar-10-matlab.tar.gz', bytes: 183434414, layout: 'matlab' },
};

/** Copies known to the project that are not official archives (see ../shared/datasets/README.md). */
export const KNOWN_COPIES: Record<string, string> = {
  '2e508a679b17574754a44d7002bf3d7d': 'JPEG q75 copy',
};

/** How to install a source, for the end of a DataError. */
export function installHint(source: Source, root?: string): string {
  const where = sourceRoot(source, root);
  const rootFlag = root ? ` --root ${where}` : '';
  switch (source) {
    case 'cifar10':
      return (
        `To install CIFAR-10: download ${CIFAR10_URL} (170052171 bytes, md5 c32a1d4ab5d03f1284b67883e8d87530) ` +
        `on any machine with a network, then run\n  nnlab data fetch cifar10 --from PATH/TO/cifar-10-binary.tar.gz${rootFlag}\n` +
        `(or just \`nnlab data fetch cifar10${rootFlag}\` where the network is reachable). ` +
        `It will live in ${where} (data home: $NNLAB_DATA, else $XDG_CACHE_HOME/nnlab, else ~/.cache/nnlab; now ${dataHome()}).`
      );
    case 'fashion_mnist':
      return (
        `To install Fashion-MNIST: \`sudo apt-get install dataset-fashion-mnist\` (files in ${DEBIAN_FASHION_MNIST}), ` +
        `or put train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz in ${where}.`
      );
    case 'mnist':
      return (
        `To install MNIST: put train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and ` +
        `t10k-labels-idx1-ubyte.gz (from https://ossci-datasets.s3.amazonaws.com/mnist/ or any MNIST mirror) in ${where}.`
      );
  }
}
