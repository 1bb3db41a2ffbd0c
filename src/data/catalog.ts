// The facts about each data source that need no file: its label, its parts with their image counts,
// the input dimension and the class names. The config checks, the memory estimate and the report
// read them here; finding and reading the files is sources.ts's and the loaders' job.

export type Source = 'cifar10' | 'fashion_mnist' | 'mnist';

export interface SourceFacts {
  label: string;
  /** Part name → images, in the parts' natural order. */
  parts: Record<string, number>;
  /** Input dimension: pixels × channels. */
  d: number;
  /** Number of classes (classNames.length). */
  classes: number;
  /** Class names in label order (CIFAR-10's batches.meta and Zalando's Fashion-MNIST README). */
  classNames: string[];
}

const facts = (label: string, parts: Record<string, number>, d: number, classNames: string[]): SourceFacts => ({
  label,
  parts,
  d,
  classes: classNames.length,
  classNames,
});

export const SOURCES: Record<Source, SourceFacts> = {
  cifar10: facts(
    'CIFAR-10',
    {
      data_batch_1: 10000,
      data_batch_2: 10000,
      data_batch_3: 10000,
      data_batch_4: 10000,
      data_batch_5: 10000,
      test_batch: 10000,
    },
    3072,
    ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
  ),
  fashion_mnist: facts('Fashion-MNIST', { train: 60000, test: 10000 }, 784, [
    'T-shirt/top',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Ankle boot',
  ]),
  mnist: facts('MNIST', { train: 60000, test: 10000 }, 784, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']),
};

export const SOURCE_NAMES = Object.keys(SOURCES) as Source[];

/** Valid part names, in their natural order. */
export function parts(source: Source): string[] {
  return Object.keys(SOURCES[source].parts);
}

export function isSource(s: string): s is Source {
  return (SOURCE_NAMES as string[]).includes(s);
}
