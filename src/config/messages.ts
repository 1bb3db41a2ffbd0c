// Turns ajv's errors into one-line messages that point at the offending node and suggest a fix, and
// the helpers every config message shares (paths, "did you mean", placing at file:line:col). Which
// rules exist is the schema's business; rules across fields, each with its message, live in rules/.
import { closest, distance } from 'fastest-levenshtein';
import type { ErrorObject } from 'ajv';
import { ConfigError, echo } from '../errors.ts';
import { keysAt } from './schema.ts';
import type { Path, SourceMap } from './load.ts';

/** `training.lambda`, `variants[2].set` — the same words as in the YAML. */
export function showPath(path: Path): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out ? `.${k}` : k;
  return out || '(top level)';
}

/** The closest candidate when it is close enough to be a likely typo. */
export function suggest(word: string, candidates: string[]): string | undefined {
  // A word far longer than every candidate is no typo of one (and its edit distance is slow to compute).
  if (!candidates.length || word.length > 2 * Math.max(...candidates.map((c) => c.length)) + 4) return undefined;
  const best = closest(word, candidates);
  const limit = best.length <= 3 ? 1 : Math.max(2, Math.floor(best.length / 3));
  const d = distance(word, best);
  return d <= limit && d < word.length ? best : undefined;
}

export function didYouMean(word: string, candidates: string[], prefix = ''): string {
  const s = suggest(word, candidates);
  return s ? `; did you mean "${prefix}${s}"?` : '';
}

/** "did you mean" for a dotted setting path: suggests a fix of its last key. */
export function didYouMeanPath(dotted: string, keysOf: (parent: string[]) => string[]): string {
  const keys = dotted.split('.');
  const parent = keys.slice(0, -1);
  return didYouMean(keys.at(-1)!, keysOf(parent), parent.length ? parent.join('.') + '.' : '');
}

function showValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(echo(v));
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? s.slice(0, 57) + '…' : s;
}

function pointerToPath(pointer: string): Path {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a map of keys',
  array: 'a list',
};

/** Message for one ajv error, or null for errors that only echo others (if/then, anyOf wrappers). */
export function ajvMessage(
  err: ErrorObject,
  data: unknown,
  prefix: Path = [],
): { path: Path; atKey: boolean; text: string } | null {
  const path = [...prefix, ...pointerToPath(err.instancePath)];
  const value = path
    .slice(prefix.length)
    .reduce<unknown>((o, k) => (o == null ? o : (o as Record<string | number, unknown>)[k]), data);
  const where = showPath(path);
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const allowed = keysAt(path.filter((k) => typeof k === 'string' || typeof k === 'number'));
      const here = path.length ? ` in ${where}` : '';
      const hint = didYouMean(key, allowed) || (allowed.length ? `; allowed keys: ${allowed.join(', ')}` : '');
      return { path: [...path, key], atKey: true, text: `unknown key "${key}"${here}${hint}` };
    }
    case 'required':
      return { path, atKey: false, text: `${where} is missing the required key "${p.missingProperty}"` };
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(String);
      const hint = typeof value === 'string' ? didYouMean(value, allowed) : '';
      return {
        path,
        atKey: false,
        text: `${where} must be one of ${allowed.join(', ')}; got ${showValue(value)}${hint}`,
      };
    }
    case 'type':
      return {
        path,
        atKey: false,
        text: `${where} must be ${TYPE_WORDS[String(p.type)] ?? p.type}; got ${showValue(value)}`,
      };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const op = { minimum: '≥', maximum: '≤', exclusiveMinimum: '>', exclusiveMaximum: '<' }[err.keyword];
      return { path, atKey: false, text: `${where} must be ${op} ${p.limit}; got ${showValue(value)}` };
    }
    case 'minItems':
      return {
        path,
        atKey: false,
        text: `${where} must have at least ${p.limit} item${p.limit === 1 ? '' : 's'}; got ${showValue(value)}`,
      };
    case 'maxItems':
      return { path, atKey: false, text: `${where} must have at most ${p.limit} items; got ${showValue(value)}` };
    case 'uniqueItems':
      return {
        path,
        atKey: false,
        text: `${where} lists the same value twice (items ${p.j} and ${p.i}); got ${showValue(value)}`,
      };
    case 'minProperties':
      return { path, atKey: false, text: `${where} must not be empty` };
    case 'pattern': {
      const slug =
        typeof value === 'string'
          ? value
              .toLowerCase()
              .trim()
              .replace(/[^a-z0-9_.-]+/g, '-')
              .replace(/^-+|-+$/g, '')
          : '';
      const hint = slug && new RegExp(String(p.pattern)).test(slug) ? `; did you mean "${slug}"?` : '';
      return { path, atKey: false, text: `${where} must match ${p.pattern}; got ${showValue(value)}${hint}` };
    }
    case 'maxLength':
      return { path, atKey: false, text: `${where} must be at most ${p.limit} characters long` };
    case 'propertyNames':
      return null; // reported by the pattern error on the name itself
    case 'if':
    case 'anyOf':
    case 'oneOf':
      return null;
    default:
      return { path, atKey: false, text: `${where} ${err.message ?? 'is invalid'}` };
  }
}

/** The ConfigError for a message at a path: at the key for unknown keys, at the value otherwise. */
export function errorAt(sources: SourceMap, path: Path, text: string, atKey = false): ConfigError {
  const exact = sources.get(path);
  const pos = exact ?? sources.locate(path);
  if (atKey && exact?.keyLine) return new ConfigError(pos.file, exact.keyLine, exact.keyColumn!, text);
  return new ConfigError(pos.file, pos.line, pos.column, text);
}

/** For a propertyNames error: the offending key is in params.propertyName. */
export function propertyNameMessage(err: ErrorObject, prefix: Path = []): { path: Path; text: string } | null {
  if (err.keyword !== 'pattern' || !err.propertyName) return null;
  const path = [...prefix, ...pointerToPath(err.instancePath), err.propertyName];
  return {
    path,
    text: `"${err.propertyName}" is not a path into the experiment; write it as section.key, e.g. "training.lambda" or "model.hidden"`,
  };
}
