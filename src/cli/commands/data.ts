// `nnlab data …`: install CIFAR-10 (download or --from a local archive), show where data lives and
// what is installed, and check an installed source by reading it. The work is src/data's.
import { basename } from 'node:path';
import { UsageError } from '../../errors.ts';
import { CIFAR10_URL, KNOWN_COPIES, SOURCE_NAMES, dataHome, describeData, fetchDataset, installedStatus, isSource, loadParts, parts, type Progress, type Source } from '../../data/index.ts';

const USAGE = `usage: nnlab data <subcommand> [options]

subcommands:
  fetch cifar10 [--from PATH|URL] [--root DIR]
        install CIFAR-10: download ${CIFAR10_URL}
        (or read a local archive / another URL with --from), check its MD5 against the official sums
        (another archive is accepted only if every member has the exact expected size), extract it
        into a temporary folder and move it into place. Default place: <data home>/cifar10.
  where [SOURCE [--root DIR]]
        print the data home and, for each source, where it is read from and whether it is installed
  check SOURCE [--root DIR]
        read every part of SOURCE (cifar10, fashion_mnist, mnist): images, classes, fingerprint

The data home is $NNLAB_DATA, else $XDG_CACHE_HOME/nnlab, else ~/.cache/nnlab.
--root DIR reads (or installs) a source in DIR instead of its default place, like dataset.root in YAML.`;

function parseFlags(argv: string[], allowed: string[]): { positional: string[]; flags: Record<string, string> } {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (!allowed.includes(name)) throw new UsageError(`data: unknown option --${name}${allowed.length ? ` (options: ${allowed.map((f) => `--${f}`).join(', ')})` : ''}`);
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new UsageError(`data: --${name} needs a value`);
    flags[name] = value;
  }
  return { positional, flags };
}

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

async function fetchCommand(argv: string[]): Promise<number> {
  const { positional, flags } = parseFlags(argv, ['from', 'root']);
  const [source, ...extra] = positional;
  if (!source) throw new UsageError('data fetch: which dataset? nnlab data fetch cifar10 [--from PATH|URL] [--root DIR]');
  if (extra.length) throw new UsageError(`data fetch: unexpected argument "${extra[0]}"`);
  if (source !== 'cifar10') {
    if (isSource(source)) throw new UsageError(`data fetch: only cifar10 can be fetched; ${source} is installed by hand (see nnlab data where)`);
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
  const how = result.known ? `official ${result.known}` : result.verified === 'size' ? 'unrecognized checksum, members verified by size' : 'unrecognized checksum, members verified by reading them';
  const copy = KNOWN_COPIES[result.md5] ? ` (${KNOWN_COPIES[result.md5]})` : '';
  console.log(`archive md5 ${result.md5}: ${how}${copy}`);
  console.log(result.replaced ? `installed CIFAR-10 in ${result.root}` : `CIFAR-10 from this archive was already installed in ${result.root}; kept it`);
  console.log(`data: ${describeData('cifar10', flags.root)}`);
  return 0;
}

function whereCommand(argv: string[]): number {
  const { positional, flags } = parseFlags(argv, ['root']);
  if (positional.length > 1) throw new UsageError(`data where: unexpected argument "${positional[1]}"`);
  const only = positional[0];
  if (only && !isSource(only)) throw new UsageError(`data where: unknown dataset "${only}"; datasets: ${SOURCE_NAMES.join(', ')}`);
  if (flags.root && !only) throw new UsageError('data where: --root applies to one dataset: nnlab data where SOURCE --root DIR');
  const why = process.env.NNLAB_DATA ? '$NNLAB_DATA' : process.env.XDG_CACHE_HOME ? '$XDG_CACHE_HOME/nnlab' : '~/.cache/nnlab; set NNLAB_DATA to move it';
  console.log(`data home: ${dataHome()}  (${why})`);
  for (const s of only ? [only as Source] : SOURCE_NAMES) {
    const st = installedStatus(s, flags.root);
    const state = st.installed ? st.description : s === 'cifar10' ? 'not installed (nnlab data fetch cifar10)' : `not installed (${st.missing[0]} missing)`;
    console.log(`${s.padEnd(14)}${st.root}\n${''.padEnd(14)}${state}`);
  }
  return 0;
}

async function checkCommand(argv: string[]): Promise<number> {
  const { positional, flags } = parseFlags(argv, ['root']);
  const [source, ...extra] = positional;
  if (!source) throw new UsageError(`data check: which dataset? (${SOURCE_NAMES.join(', ')})`);
  if (extra.length) throw new UsageError(`data check: unexpected argument "${extra[0]}"`);
  if (!isSource(source)) throw new UsageError(`data check: unknown dataset "${source}"; datasets: ${SOURCE_NAMES.join(', ')}`);
  console.log(describeData(source, flags.root));
  for (const p of parts(source)) {
    const t = performance.now();
    const split = await loadParts(source, [p], { root: flags.root });
    const counts = new Array<number>(split.classes.length).fill(0);
    for (const v of split.y) counts[v]++;
    const ms = (performance.now() - t).toFixed(0);
    console.log(`${p.padEnd(14)}${split.n} images of ${split.d}, per class ${counts.join(' ')}, sha256 ${split.fingerprint.slice(0, 16)}…  (${ms} ms)`);
  }
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help' || rest.includes('--help') || rest.includes('-h')) {
    if (!sub) {
      console.error(USAGE);
      return 2;
    }
    console.log(USAGE);
    return 0;
  }
  switch (sub) {
    case 'fetch':
      return fetchCommand(rest);
    case 'where':
      return whereCommand(rest);
    case 'check':
      return checkCommand(rest);
    default:
      throw new UsageError(`data: unknown subcommand "${sub}" (fetch, where, check)\n\n${USAGE}`);
  }
}
