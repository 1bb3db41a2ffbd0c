// fast-check arbitraries for the config front door: a committed experiment with a few random
// mutations applied to its YAML tree (keys renamed, values of every type and extreme sizes, nodes
// deleted, duplicated, nested, aliased) and to its bytes (invalid UTF-8, unicode, truncation), and
// random --set flags. Each input is bytes plus flags, so a failing one can be saved as it is.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  Scalar,
  YAMLMap,
  YAMLSeq,
  type Document,
  type Node as YamlNode,
} from 'yaml';

export const EXPERIMENTS_DIR = join(import.meta.dirname, '..', '..', '..', 'experiments');
export const EXPERIMENTS = readdirSync(EXPERIMENTS_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const TEXTS = new Map(EXPERIMENTS.map((f) => [f, readFileSync(join(EXPERIMENTS_DIR, f), 'utf8')]));

/** Numbers as YAML writes them, where the text matters: overflow, underflow, NaN, ∞, past 2^53. */
const RAW_NUMBERS = [
  '1e400',
  '-1e400',
  '1e-400',
  '-1.5e-330',
  '.nan',
  '.NaN',
  '.inf',
  '-.Inf',
  '+.inf',
  '1e308',
  '-0',
  '0x7fffffff',
  '0o777',
  '9007199254740993',
  '123456789012345678901234567890',
  '0.' + '0'.repeat(400) + '1',
  '1' + '0'.repeat(400),
  '4.9e-324',
  '1_000',
  '0b101',
];
/** Scalars YAML reads as something other than the text suggests, and tags. */
const RAW_OTHER = [
  '~',
  'null',
  'yes',
  'no',
  'on',
  'True',
  '2001-12-14',
  '12:30:45',
  '!!binary aGVsbG8=',
  '!foo bar',
  '!!float abc',
  '!!int 1.5',
  '!!str 5',
  '"\\u0000"',
  "'\\x'",
  '[]',
  '{}',
  '[[[]]]',
  '{a: {b: {c: {}}}}',
  '"' + '\\n'.repeat(50) + '"',
  '|\n  block\n  text',
  '>-\n  folded',
];

const longString = fc
  .tuple(fc.constantFrom('a', 'é', '😀', '\u200b', 'x '), fc.integer({ min: 1_000, max: 300_000 }))
  .map(([c, n]) => c.repeat(n));
const text = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    'name',
    'model',
    'training',
    'lambda',
    'hidden',
    'matrix',
    'set',
    '<<',
    '*',
    '&a',
    '-',
    '#',
    ':',
  ),
  longString,
);

/** A value of any JSON type, with numbers of every size, or raw YAML text. */
const value: fc.Arbitrary<{ raw: string } | { json: unknown }> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((json) => ({ json })) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.double(),
        fc.integer(),
        fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 53 + 2, Number.MAX_VALUE, Number.MIN_VALUE),
      )
      .map((json) => ({ json })),
  },
  { weight: 1, arbitrary: text.map((json) => ({ json })) },
  {
    weight: 1,
    arbitrary: fc.array(fc.integer({ min: -5, max: 200_000 }), { maxLength: 12 }).map((json) => ({ json })),
  },
  { weight: 2, arbitrary: fc.constantFrom(...RAW_NUMBERS, ...RAW_OTHER).map((raw) => ({ raw })) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map((b) => ({ raw: String(b) })) },
);

/** Raw YAML for a flow sequence of nested aliases, `levels` deep and `width` wide. */
function aliasBomb(id: number, levels: number, width: number): string {
  const parts = [`&q${id}_0 [1, 2]`];
  for (let l = 1; l <= levels; l++)
    parts.push(
      `&q${id}_${l} [${Array(width)
        .fill(`*q${id}_${l - 1}`)
        .join(', ')}]`,
    );
  return `[${parts.join(', ')}]`;
}

export type TreeOp =
  | { op: 'rename'; at: number; key: string }
  | { op: 'set'; at: number; value: { raw: string } | { json: unknown } }
  | { op: 'delete'; at: number }
  | { op: 'duplicate'; at: number; sameKey: boolean }
  | { op: 'nest'; at: number; depth: number; asMap: boolean }
  | { op: 'alias'; at: number; to: number }
  | { op: 'bomb'; at: number; levels: number; width: number }
  | { op: 'extends'; target: string };
export type ByteOp =
  | { op: 'insert'; at: number; bytes: readonly number[] }
  | { op: 'truncate'; at: number }
  | { op: 'line'; at: number; how: 'delete' | 'duplicate' | 'tab' | 'crlf' | 'bom' };

const treeOp: fc.Arbitrary<TreeOp> = fc.oneof(
  fc.record({
    op: fc.constant('rename' as const),
    at: fc.nat(),
    key: fc.oneof(
      text,
      fc.constantFrom('modle', 'hiden', 'lamda', 'batch_sise', 'Name', 'variant', 'searchs', 'extend'),
    ),
  }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), sameKey: fc.boolean() }),
  fc.record({
    op: fc.constant('nest' as const),
    at: fc.nat(),
    depth: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 50, max: 3000 })),
    asMap: fc.boolean(),
  }),
  fc.record({ op: fc.constant('alias' as const), at: fc.nat(), to: fc.nat() }),
  fc.record({
    op: fc.constant('bomb' as const),
    at: fc.nat(),
    levels: fc.integer({ min: 1, max: 9 }),
    width: fc.integer({ min: 1, max: 12 }),
  }),
  fc.record({
    op: fc.constant('extends' as const),
    target: fc.constantFrom(...EXPERIMENTS, 'self', 'missing.yaml', '', '.', '..', '/dev/null', 'x'.repeat(5000)),
  }),
);
const byteOp: fc.Arbitrary<ByteOp> = fc.oneof(
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.oneof(
      fc.constantFrom(
        [0xff],
        [0xfe, 0xff],
        [0xc3, 0x28],
        [0xed, 0xa0, 0x80],
        [0xf4, 0x90, 0x80, 0x80],
        [0xe2, 0x82],
        [0xc0, 0xaf],
        [0x00],
        [0x1b, 0x5b, 0x32, 0x4a],
        [0xef, 0xbb, 0xbf],
      ),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).map((s) => [...Buffer.from(s)]),
    ),
  }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    op: fc.constant('line' as const),
    at: fc.nat(),
    how: fc.constantFrom('delete' as const, 'duplicate' as const, 'tab' as const, 'crlf' as const, 'bom' as const),
  }),
);

/** Every node of the document with its parent, in document order (the root first). */
function nodes(doc: Document): { node: YamlNode; parent: YAMLMap | YAMLSeq | null; index: number }[] {
  const out: { node: YamlNode; parent: YAMLMap | YAMLSeq | null; index: number }[] = [];
  const walk = (node: unknown, parent: YAMLMap | YAMLSeq | null, index: number) => {
    if (!node || typeof node !== 'object') return;
    out.push({ node: node as YamlNode, parent, index });
    if (isMap(node)) node.items.forEach((p, i) => walk(p.value, node, i));
    else if (isSeq(node)) node.items.forEach((v, i) => walk(v, node, i));
  };
  walk(doc.contents, null, 0);
  return out;
}

function replace(doc: Document, parent: YAMLMap | YAMLSeq | null, index: number, next: unknown): void {
  if (!parent) doc.contents = next as never;
  else if (isMap(parent)) (parent.items[index] as { value: unknown }).value = next;
  else parent.items[index] = next as never;
}

/** Applies tree operations; raw YAML values go in as placeholders replaced in the text. */
function applyTree(doc: Document, ops: TreeOp[], self: string): string {
  const raws: string[] = [];
  const placeholder = (raw: string) => new Scalar(`RAWVALUE${raws.push(raw) - 1}X`);
  for (const o of ops) {
    const all = nodes(doc);
    if (o.op === 'extends') {
      if (isMap(doc.contents)) (doc.contents as YAMLMap).set('extends', o.target === 'self' ? self : o.target);
      continue;
    }
    const { node, parent, index } = all[o.at % all.length];
    switch (o.op) {
      case 'rename':
        if (isMap(parent)) (parent.items[index] as { key: unknown }).key = new Scalar(o.key);
        break;
      case 'set':
        replace(doc, parent, index, 'raw' in o.value ? placeholder(o.value.raw) : doc.createNode(o.value.json));
        break;
      case 'delete':
        if (parent) parent.items.splice(index, 1);
        break;
      case 'duplicate':
        if (isMap(parent)) {
          const pair = parent.items[index];
          const key = isScalar(pair.key) ? String(pair.key.value) : 'k';
          parent.items.push(doc.createPair(o.sameKey ? key : `${key}_copy`, node.clone()) as never);
        } else if (isSeq(parent)) parent.items.splice(index, 0, node.clone() as never);
        break;
      case 'nest': {
        let wrapped: unknown = node;
        for (let d = 0; d < o.depth; d++) {
          const c: YAMLMap | YAMLSeq = o.asMap ? new YAMLMap() : new YAMLSeq();
          if (isMap(c)) c.items.push(doc.createPair('k', wrapped) as never);
          else c.items.push(wrapped as never);
          c.flow = true;
          wrapped = c;
        }
        replace(doc, parent, index, wrapped);
        break;
      }
      case 'alias': {
        const target = all[o.to % all.length];
        if (target.node === node || isAlias(target.node) || isPair(target.node)) break;
        const alias = doc.createAlias(target.node as never);
        replace(doc, parent, index, alias);
        break;
      }
      case 'bomb':
        replace(doc, parent, index, placeholder(aliasBomb(raws.length, o.levels, o.width)));
        break;
    }
  }
  let out = doc.toString({ lineWidth: 0 });
  raws.forEach((raw, i) => {
    out = out.split(`RAWVALUE${i}X`).join(raw.includes('\n') ? JSON.stringify(raw) : raw);
  });
  return out;
}

function applyBytes(bytes: Buffer, ops: ByteOp[]): Buffer {
  let b = bytes;
  for (const o of ops) {
    const at = b.length ? o.at % (b.length + 1) : 0;
    if (o.op === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from(o.bytes), b.subarray(at)]);
    else if (o.op === 'truncate') b = b.subarray(0, at);
    else {
      const lines = b.toString('latin1').split('\n');
      const i = o.at % lines.length;
      if (o.how === 'delete') lines.splice(i, 1);
      else if (o.how === 'duplicate') lines.splice(i, 0, lines[i]);
      else if (o.how === 'tab') lines[i] = lines[i].replace(/^ +/, '\t');
      else if (o.how === 'crlf') lines[i] += '\r';
      else lines[0] = '\xef\xbb\xbf' + lines[0];
      b = Buffer.from(lines.join('\n'), 'latin1');
    }
  }
  return b;
}

/** A mutated experiment: which file it started from, its bytes, and --set flags. */
export interface Input {
  base: string;
  bytes: Buffer;
  set: string[];
  ops: (TreeOp | ByteOp)[];
}

const setFlag = fc
  .tuple(
    fc.constantFrom(
      'training.lambda',
      'model.hidden',
      'training.batch_size',
      'schedule.eta_max',
      'seed',
      'dataset.train',
      'name',
      'training.cycles',
      'model',
      'training.lamda',
      'a..b',
      '',
      'variants',
    ),
    fc.oneof(
      value.map((v) => ('raw' in v ? v.raw : (JSON.stringify(v.json) ?? 'null'))),
      fc.constantFrom('[', '&a [*a]', '*nope', aliasBomb(0, 8, 10), ''),
    ),
    fc.boolean(),
  )
  .map(([path, v, withEq]) => (withEq ? `${path}=${v}` : path));

export const input: fc.Arbitrary<Input> = fc
  .record({
    base: fc.constantFrom(...EXPERIMENTS),
    tree: fc.array(treeOp, { minLength: 0, maxLength: 4 }),
    bytes: fc.array(byteOp, { maxLength: 2 }),
    set: fc.oneof(
      { weight: 4, arbitrary: fc.constant([] as string[]) },
      { weight: 1, arbitrary: fc.array(setFlag, { minLength: 1, maxLength: 2 }) },
    ),
  })
  .map(({ base, tree, bytes, set }) => {
    const doc = parseDocument(TEXTS.get(base)!);
    let text: string;
    try {
      text = applyTree(doc, tree, base);
    } catch {
      text = TEXTS.get(base)!; // an operation yaml cannot write (an alias before its anchor)
    }
    return { base, bytes: applyBytes(Buffer.from(text), bytes), set, ops: [...tree, ...bytes] };
  });

/** How an input is shown in a failure: short, and enough to rebuild it. */
export function describe(i: Input): string {
  const ops = JSON.stringify(i.ops, (_k, v) =>
    typeof v === 'string' && v.length > 80 ? `${v.slice(0, 40)}…(${v.length} chars)` : v,
  );
  return `${i.base} ${i.ops.length ? ops : '(as stored)'} set=${JSON.stringify(i.set).slice(0, 300)}`;
}
