// The data layer: where datasets live, reading them into raw splits, pre-processing, installing.
// The runner and the CLI import from here only.
export { dataHome, sourceRoot, parts, isSource, SOURCE_NAMES, CIFAR10_CLASSES, FASHION_MNIST_CLASSES, MNIST_CLASSES, DEBIAN_FASHION_MNIST, type Source } from './sources.ts';
export { sliceSplit, take, concatSplits, type RawSplit } from './split.ts';
export { loadParts } from './load.ts';
export { standardizeStats, preprocess, STD_FLOOR, type Stats, type Preprocessing } from './preprocess.ts';
export { ensureDataset, fetchDataset, missingFiles, type FetchResult, type Progress } from './install.ts';
export { describeData, installedStatus } from './describe.ts';
export { CIFAR10_URL, OFFICIAL_MD5, KNOWN_COPIES, installHint } from './hints.ts';
export { META_FILE, readMeta, type SourceMeta } from './meta.ts';
export { unpickle, type NdArray } from './pickle.ts';
