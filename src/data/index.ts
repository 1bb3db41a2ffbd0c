// The data layer: where datasets live, reading them into raw splits, pre-processing, installing.
// The runner and the CLI import from here only; the config layer and the report import catalog.ts
// (facts without I/O) directly.
export { dataHome, sourceRoot, DEBIAN_FASHION_MNIST } from './sources.ts';
export { SOURCES, SOURCE_NAMES, parts, isSource, type Source, type SourceFacts } from './catalog.ts';
export { sliceSplit, take, concatSplits, type RawSplit } from './split.ts';
export { loadParts } from './load.ts';
export { standardizeStats, preprocess, pixelMap, STD_FLOOR, type Stats, type Preprocessing } from './preprocess.ts';
export { ensureDataset, fetchDataset, missingFiles, type FetchResult, type Progress } from './install.ts';
export { describeData, installedStatus } from './describe.ts';
export { CIFAR10_URL, OFFICIAL_MD5, KNOWN_COPIES, installHint } from './hints.ts';
export { META_FILE, readMeta, type SourceMeta } from './meta.ts';
export { unpickle, type NdArray } from './pickle.ts';
