// `nnlab data …`: install CIFAR-10 (download or --from a local archive), show where data lives and
// what is installed, and check an installed source by reading it. The work is src/data's.
import { basename } from 'node:path';
import { UsageError } from '../../errors.ts';
import type { Args } from '../args.ts';
import {
  CIFAR10_URL,
  KNOWN_COPIES,
  SOURCE_NAMES,
  dataHome,
  describeData,
  fetchDataset,
  installedStatus,
  isSource,
  loadParts,
  parts,
  type Progress,
  type Source,
} from '../../data/index.ts';

const mb = (b: number) => (b / 1e6).toFixed(1);

/** A progress line on stderr: rewritten in place on a terminal, one line per 10 % (or 20 MB) otherwise. */
function progressBar(label: string): { onProgress: Progress; end: () => void } {
  const tty = process.stderr.isTTY;
  const start = Date.now();
  let lastStep = -1;
  let lastDraw = 0;
  let drawn = false;
  const onProgress: Progress = ({ bytes, total }) => {
    const now = Date.now();
    const rate = bytes / 1e6 / Math.max(0.001, (now - start) / 1000);
    const pc = total ? Math.min(100, Math.floor((100 * bytes) / total)) : null;
    const text = `${label} ${pc === null ? '' : `${String(pc).padStart(3)}%  `}${mb(bytes)}${total ? ` / ${mb(total)}` : ''} MB  ${rate.toFixed(1)} MB/s`;
    if (tty) {
      if (now - lastDraw < 100 && bytes !== total) return;
      lastDraw = now;
      const width = 24;
      const bar = pc === null ? '' : `[${'#'.repeat(Math.round((pc / 100) * width)).padEnd(width, '.')}] `;
      process.stderr.write(`\r${bar}${text}\x1b[K`);
      drawn = true;
    } else {
      const step = pc === null ? Math.floor(bytes / 20e6) : Math.floor(pc / 10);
      if (step === lastStep) return;
      lastStep = step;
      process.stderr.write(`${text}\n`);
    }
  };
  return { onProgress, end: () => drawn && process.stderr.write('\n') };
}

async function fetchCommand(args: Args): Promise<number> {
  const [source] = args.positionals;
  const flags = { from: args.string('from'), root: args.string('root') };
  if (source !== 'cifar10') {
    if (isSource(source))
      throw new UsageError(
        `data fetch: only cifar10 can be fetched; ${source} is installed by hand (see nnlab data where)`,
      );
    throw new UsageError(`data fetch: unknown dataset "${source}"; datasets: ${SOURCE_NAMES.join(', ')}`);
  }
  const from = flags.from ?? CIFAR10_URL;
  const bar = progressBar(`reading ${basename(from)}`);
  let result;
  try {
    result = await fetchDataset('cifar10', { from, root: flags.root, onProgress: bar.onProgress });
  } finally {
    bar.end();
  }
  const how = result.known
    ? `official ${result.known}`
    : result.verified === 'size'
      ? 'unrecognized checksum, members verified by size'
      : 'unrecognized checksum, members verified by reading them';
  const copy = KNOWN_COPIES[result.md5] ? ` (${KNOWN_COPIES[result.md5]})` : '';
  console.log(`archive md5 ${result.md5}: ${how}${copy}`);
  console.log(
    result.replaced
      ? `installed CIFAR-10 in ${result.root}`
      : `CIFAR-10 from this archive was already installed in ${result.root}; kept it`,
  );
  console.log(`data: ${describeData('cifar10', flags.root)}`);
  return 0;
}

function whereCommand(args: Args): number {
  const [only] = args.positionals;
  const flags = { root: args.string('root') };
  if (only && !isSource(only))
    throw new UsageError(`data where: unknown dataset "${only}"; datasets: ${SOURCE_NAMES.join(', ')}`);
  if (flags.root && !only)
    throw new UsageError('data where: --root applies to one dataset: nnlab data where SOURCE --root DIR');
  const why = process.env.NNLAB_DATA
    ? '$NNLAB_DATA'
    : process.env.XDG_CACHE_HOME
      ? '$XDG_CACHE_HOME/nnlab'
      : '~/.cache/nnlab; set NNLAB_DATA to move it';
  console.log(`data home: ${dataHome()}  (${why})`);
  for (const s of only ? [only as Source] : SOURCE_NAMES) {
    const st = installedStatus(s, flags.root);
    const state = st.installed
      ? st.description
      : s === 'cifar10'
        ? 'not installed (nnlab data fetch cifar10)'
        : `not installed (${st.missing[0]} missing)`;
    console.log(`${s.padEnd(14)}${st.root}\n${''.padEnd(14)}${state}`);
  }
  return 0;
}

async function checkCommand(args: Args): Promise<number> {
  const [source] = args.positionals;
  const flags = { root: args.string('root') };
  if (!isSource(source))
    throw new UsageError(`data check: unknown dataset "${source}"; datasets: ${SOURCE_NAMES.join(', ')}`);
  console.log(describeData(source, flags.root));
  for (const p of parts(source)) {
    const t = performance.now();
    const split = await loadParts(source, [p], { root: flags.root });
    const counts = new Array<number>(split.classes.length).fill(0);
    for (const v of split.y) counts[v]++;
    const ms = (performance.now() - t).toFixed(0);
    console.log(
      `${p.padEnd(14)}${split.n} images of ${split.d}, per class ${counts.join(' ')}, sha256 ${split.fingerprint.slice(0, 16)}…  (${ms} ms)`,
    );
  }
  return 0;
}

export async function run(args: Args): Promise<number> {
  const sub = args.path[1];
  return sub === 'fetch' ? fetchCommand(args) : sub === 'where' ? whereCommand(args) : checkCommand(args);
}
