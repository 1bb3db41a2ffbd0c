// What a rule across fields is (a name, what it checks, its message and how it finds problems) and
// the one loop that runs a list of them and places each message at its file, line and column.
// The rules themselves are in trial.ts and experiment.ts.
import type { ConfigError } from '../../errors.ts';
import type { Path, SourceMap } from '../load.ts';
import { didYouMean, errorAt } from '../messages.ts';

/**
 * One rule: `find` reports each problem in its subject as the path it is at and the arguments of
 * `message`, which says what is wrong and how to fix it. applyRules turns the two into
 * `file:line:col: message`, the file and place found from the path.
 */
export interface Rule<S> {
  name: string;
  /** What the rule checks, in a sentence. */
  checks: string;
  message: (...args: never[]) => string;
  find: (subject: S, report: (path: Path, ...args: never[]) => void) => void;
  /** Point at the key rather than its value (an override that names no setting). */
  atKey?: boolean;
}

/** Builds a rule, checking that find reports exactly the arguments message takes. */
export function rule<S, A extends unknown[]>(r: {
  name: string;
  checks: string;
  message: (...args: A) => string;
  find: (subject: S, report: (path: Path, ...args: A) => void) => void;
  atKey?: boolean;
}): Rule<S> & { message: (...args: A) => string } {
  return r as unknown as Rule<S> & { message: (...args: A) => string };
}

const fired = new WeakMap<ConfigError, string>();

/** The name of the rule that made an error (for tests), or undefined for other errors. */
export function ruleOf(error: ConfigError): string | undefined {
  return fired.get(error);
}

/**
 * Runs RULES on SUBJECT. With `at`, every error is placed there instead of at the rule's path (a
 * variant's or stage's config is checked as a whole, but written where it is declared); `label`
 * ("variant \"a\"") then starts each message.
 */
export function applyRules<S>(
  rules: Rule<S>[],
  subject: S,
  sources: SourceMap,
  place: { at?: Path; label?: string } = {},
): ConfigError[] {
  const out: ConfigError[] = [];
  for (const r of rules) {
    r.find(subject, (path, ...args) => {
      const text = (r.message as (...a: unknown[]) => string)(...args);
      const e = errorAt(sources, place.at ?? path, place.label ? `${place.label}: ${text}` : text, r.atKey);
      fired.set(e, r.name);
      out.push(e);
    });
  }
  return out;
}

/** "did you mean" when a name is close to one of NAMES, else the list of them. */
export const suggestOrList = (word: string, names: string[], what: string) =>
  didYouMean(word, names) || `; ${what}: ${names.join(', ')}`;
