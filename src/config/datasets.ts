// What the config layer knows about each data source without reading it: part names and sizes,
// input dimension and classes. Reading the files is src/data's job.

export interface SourceFacts {
  parts: Record<string, number>; // part name → images
  d: number;
  classes: number;
  label: string;
}

export const SOURCES: Record<'cifar10' | 'fashion_mnist' | 'mnist', SourceFacts> = {
  cifar10: {
    parts: { data_batch_1: 10000, data_batch_2: 10000, data_batch_3: 10000, data_batch_4: 10000, data_batch_5: 10000, test_batch: 10000 },
    d: 3072,
    classes: 10,
    label: 'CIFAR-10',
  },
  fashion_mnist: { parts: { train: 60000, test: 10000 }, d: 784, classes: 10, label: 'Fashion-MNIST' },
  mnist: { parts: { train: 60000, test: 10000 }, d: 784, classes: 10, label: 'MNIST' },
};
