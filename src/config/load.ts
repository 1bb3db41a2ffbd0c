// Reads an experiment file and the files it extends into one plain object, remembering for every
// node the file, line and column it came from (so errors point at the right file). The schema check,
// the rules across fields and the defaults are left to resolve.ts; expansion into trials to expand.ts.
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { ConfigError, ConfigErrors, echo } from '../errors.ts';
import { aliasProblem, firstInvalidUtf8, messages as limitMessages, numberProblem } from './limits.ts';
import { showPath } from './messages.ts';

/** Where a value (and its key, if it has one) stands in a source file. */
export interface Position {
  file: string;
  line: number;
  column: number;
  keyLine?: number;
  keyColumn?: number;
}

/** JSON-pointer-like path of a node: ['training', 'lambda'] or ['variants', 0, 'set']. */
export type Path = (string | number)[];

export class SourceMap {
  private readonly positions = new Map<string, Position>();
  constructor(readonly rootFile: string) {}

  static key(path: Path): string {
    return JSON.stringify(path);
  }
  set(path: Path, pos: Position): void {
    this.positions.set(SourceMap.key(path), pos);
  }
  get(path: Path): Position | undefined {
    return this.positions.get(SourceMap.key(path));
  }
  /** The position of the node at `path`, or of its nearest ancestor that has one. */
  locate(path: Path): Position {
    for (let n = path.length; n >= 0; n--) {
      const p = this.get(path.slice(0, n));
      if (p) return p;
    }
    return { file: this.rootFile, line: 1, column: 1 };
  }
  entries(): IterableIterator<[string, Position]> {
    return this.positions.entries();
  }
  setKey(key: string, pos: Position): void {
    this.positions.set(key, pos);
  }
  /** Drops every position at or below `path` (a value that will be replaced whole). */
  clear(path: Path): void {
    const prefix = SourceMap.key(path).slice(0, -1);
    for (const k of [...this.positions.keys()]) {
      if (k === SourceMap.key(path) || k.startsWith(prefix + ',')) this.positions.delete(k);
    }
  }
}

export interface LoadedConfig {
  /** The merged object, before defaults. */
  value: Record<string, unknown>;
  sources: SourceMap;
  /** Every file read, the root file first. */
  files: string[];
}

/** Path shown in messages: relative to the working directory when that is shorter. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses one YAML text into a value and records node positions under `prefix`. `shown` names the
 * text in messages (the file, or `--set` for a flag's value, whose columns start at `column0`).
 */
export function parseYaml(
  text: string,
  file: string,
  sources: SourceMap,
  prefix: Path = [],
  shown = displayPath(file),
  column0 = 0,
): unknown {
  const lineCounter = new LineCounter();
  // Warnings (an unknown tag such as !!float abc) are mistakes too, reported here instead of printed by yaml.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, logLevel: 'silent' });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: line === 1 ? col + column0 : col };
  };
  const errorAtOffset = (offset: number, text: string) => {
    const { line, column } = at(offset);
    return new ConfigError(shown, line, column, text);
  };
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length)
    throw new ConfigErrors(problems.map((e) => errorAtOffset(e.pos[0], `invalid YAML: ${e.message.split('\n')[0]}`)));
  const alias = aliasProblem(doc);
  if (alias) throw new ConfigErrors([errorAtOffset(alias.node.range?.[0] ?? 0, alias.text)]);
  const numbers: ConfigError[] = [];
  const walk = (node: YamlNode | null | undefined, path: Path, keyNode?: YamlNode | null) => {
    if (!node) return;
    const pos: Position = { file: shown, ...at(node.range?.[0] ?? 0) };
    if (keyNode?.range) {
      const k = at(keyNode.range[0]);
      pos.keyLine = k.line;
      pos.keyColumn = k.column;
    }
    sources.set(path, pos);
    if (isScalar(node) && typeof node.value === 'number') {
      const problem = numberProblem(node.value, node.source ?? String(node.value), showPath(path));
      if (problem) numbers.push(new ConfigError(shown, pos.line, pos.column, problem));
    } else if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const value = pair.value as YamlNode | null;
        if (value) walk(value, [...path, key], pair.key as YamlNode);
        else if (isScalar(pair.key) && pair.key.range) {
          const k = at(pair.key.range[0]);
          sources.set([...path, key], { file: shown, ...k, keyLine: k.line, keyColumn: k.column });
        }
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item as YamlNode, [...path, i]));
    }
  };
  walk(doc.contents as YamlNode, prefix);
  if (numbers.length) throw new ConfigErrors(numbers);
  // aliasProblem has bounded the expansion; yaml's own count (maxAliasCount) would throw without a place.
  return doc.toJS({ maxAliasCount: -1 });
}

/** Parses `path=value` (value as YAML) into an override; messages name the flag as `--set:1:COLUMN`. */
export function parseSetFlag(flag: string): { path: string; value: unknown } {
  const eq = flag.indexOf('=');
  if (eq <= 0)
    throw new ConfigError('--set', 1, 1, `"${echo(flag)}" must be path=value, e.g. --set training.lambda=0.005`);
  const path = flag.slice(0, eq).trim();
  try {
    return {
      path,
      value: parseYaml(flag.slice(eq + 1), '--set', new SourceMap('--set'), path.split('.'), '--set', eq + 1),
    };
  } catch (err) {
    const first = err instanceof ConfigErrors ? err.errors[0] : err instanceof ConfigError ? err : null;
    if (!first) throw err;
    throw new ConfigError(
      '--set',
      first.line,
      first.column,
      `cannot use the value of "${echo(flag)}": ${first.detail}`,
    );
  }
}

/** The text of a file, or a located error at its first byte that is not UTF-8. */
function decodeUtf8(bytes: Buffer, shown: string): string {
  const bad = firstInvalidUtf8(bytes);
  if (bad < 0) return bytes.toString('utf8');
  const before = bytes.subarray(0, bad).toString('utf8');
  const lineStart = before.lastIndexOf('\n') + 1;
  const line = before.slice(0, lineStart).split('\n').length;
  throw new ConfigError(shown, line, [...before.slice(lineStart)].length + 1, limitMessages.notUtf8(bytes[bad]));
}

/** Keys that exclude each other: giving one in an override drops the others from the base. */
const EXCLUSIVE = [
  ['cycles', 'epochs', 'steps'],
  ['parts', 'holdout'],
  ['step_size', 'step_size_epochs'],
  ['per_cycle', 'per_epoch'],
];

/** Deep merge: maps merge key by key, everything else (lists included) is replaced by `over`. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const group of EXCLUSIVE) {
      if (group.some((k) => k in over)) for (const k of group) if (!(k in over)) delete out[k];
    }
    for (const [k, v] of Object.entries(over)) out[k] = k in base ? deepMerge(base[k], v) : v;
    return out;
  }
  return over;
}

function loadFile(file: string, sources: SourceMap, files: string[], chain: string[]): Record<string, unknown> {
  const shown = displayPath(file);
  if (chain.includes(file)) {
    throw new ConfigError(shown, 1, 1, `extends forms a cycle: ${[...chain, file].map(displayPath).join(' → ')}`);
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (chain.length) {
      const parent = chain[chain.length - 1];
      const pos = sources.get(['extends']) ?? { file: displayPath(parent), line: 1, column: 1 };
      throw new ConfigError(
        pos.file,
        pos.line,
        pos.column,
        `extends: cannot read "${shown}" (${code}); the path is relative to ${displayPath(parent)}`,
      );
    }
    throw new ConfigError(shown, 1, 1, `cannot read the experiment file (${code})`);
  }
  const text = decodeUtf8(bytes, shown);
  files.push(file);
  // Positions of this file go into a map of their own first, so that a base file's positions
  // can be laid under the extending file's.
  const own = new SourceMap(shown);
  const value = parseYaml(text, file, own);
  if (value === null || value === undefined) {
    throw new ConfigError(shown, 1, 1, 'the file is empty; an experiment needs at least a name');
  }
  if (!isPlainObject(value)) {
    const pos = own.locate([]);
    throw new ConfigError(
      shown,
      pos.line,
      pos.column,
      `an experiment file must be a map of keys (name, dataset, model, …); got a ${Array.isArray(value) ? 'list' : typeof value}`,
    );
  }
  let merged: Record<string, unknown> = value;
  if ('extends' in value) {
    const ext = value.extends;
    const pos = own.locate(['extends']);
    if (typeof ext !== 'string' || !ext) {
      throw new ConfigError(
        shown,
        pos.line,
        pos.column,
        'extends must be the path of another experiment file, e.g. extends: base.yaml',
      );
    }
    const baseSources = new SourceMap(shown);
    baseSources.set(['extends'], pos);
    const base = loadFile(resolve(dirname(file), ext), baseSources, files, [...chain, file]);
    merged = deepMerge(base, value) as Record<string, unknown>;
    delete merged.extends;
    // Base positions first, then this file's over them; a list in this file replaces the base's.
    for (const [k, p] of baseSources.entries()) sources.setKey(k, p);
    for (const [k] of own.entries()) {
      const path = JSON.parse(k) as Path;
      if (Array.isArray(getAt(value, path))) sources.clear(path);
    }
  }
  for (const [k, p] of own.entries()) sources.setKey(k, p);
  return merged;
}

export function getAt(obj: unknown, path: Path): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

/** Loads FILE and everything it extends. */
export function loadConfig(file: string): LoadedConfig {
  const abs = resolve(file);
  const sources = new SourceMap(displayPath(abs));
  const files: string[] = [];
  const value = loadFile(abs, sources, files, []);
  return { value, sources, files };
}
