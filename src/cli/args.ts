// The one argument parser of `nnlab`: reads argv against a command's declaration in table.ts (its
// options, positionals, subcommands) on top of node:util parseArgs, and writes each command's -h.
// Every mistake becomes a UsageError, which main.ts prints and exits 2 with.
import { parseArgs } from 'node:util';
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors.ts';

export interface OptionSpec {
  /** The long name, without the dashes. */
  name: string;
  /** What the value is called in help (PATH=VALUE, N); absent for a flag that takes no value. */
  value?: string;
  multiple?: boolean;
  /** The values it takes: anything else is a usage error; shell completion offers them. */
  choices?: readonly string[];
  help: string;
  /** An empty value (--set '') goes to the command, which names what is wrong with it; else it is missing. */
  allowEmpty?: boolean;
  /** The heading it is listed under in help (default "options"). */
  group?: string;
}

export interface PositionalSpec {
  /** As shown in usage: FILE, A B, SOURCE. */
  name: string;
  /** experiment: an experiment file, checked to exist before the command runs; path: any file (completion only); word: free text. */
  kind: 'experiment' | 'path' | 'word';
  min: number;
  max: number;
  /** Words offered by shell completion (the command checks them, with its own message). */
  choices?: readonly string[];
}

export interface CommandSpec {
  name: string;
  /** One line for the list of commands. */
  summary: string;
  /** Usage lines after "nnlab "; default: the name, the positionals and [options]. */
  usage?: string[];
  /** What the command does, printed under the usage line. */
  about: string;
  positionals?: PositionalSpec;
  options?: OptionSpec[];
  /** Printed after the options. */
  notes?: string;
  examples: string[];
  subcommands?: CommandSpec[];
}

export type Values = Record<string, string | boolean | string[] | undefined>;

/** A parsed command line: the command's path (['store', 'gc']), its option values and positionals. */
export class Args {
  constructor(
    readonly path: string[],
    readonly spec: CommandSpec,
    readonly values: Values,
    readonly positionals: string[],
  ) {}
  /** The command as the user names it in messages: "data fetch". */
  get command(): string {
    return this.path.join(' ');
  }
  private declared(name: string): OptionSpec {
    const o = this.spec.options?.find((x) => x.name === name);
    if (!o) throw new Error(`nnlab ${this.command} declares no option --${name} (src/cli/table.ts)`);
    return o;
  }
  string(name: string): string | undefined {
    this.declared(name);
    return this.values[name] as string | undefined;
  }
  strings(name: string): string[] | undefined {
    this.declared(name);
    return this.values[name] as string[] | undefined;
  }
  flag(name: string): boolean {
    this.declared(name);
    return this.values[name] === true;
  }
}

export const HELP_OPTION: OptionSpec = { name: 'help', help: 'show this help' };

/** The result of reading argv: a command to run, or a help text to print. */
export type Parsed = { help: string } | { args: Args };

const joinOr = (words: readonly string[]) =>
  words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;

async function didYouMean(word: string, candidates: string[]): Promise<string | undefined> {
  // The typo rule (how close is close) is the config messages'; loaded only on this error path.
  const { suggest } = await import('../config/messages.ts');
  return suggest(word, candidates);
}

/** Reads argv for one of `commands` (the first word names it; subcommands follow the same way). */
export async function parseCommandLine(commands: CommandSpec[], argv: string[], top: () => string): Promise<Parsed> {
  const [name, ...rest] = argv;
  // `nnlab help run` is `nnlab run --help`.
  if (name === 'help' && rest.length) return parseCommandLine(commands, [...rest, '--help'], top);
  if (name === '-h' || name === '--help' || name === 'help') return { help: top() };
  if (name === undefined) throw new UsageError(`give a command\n\n${top()}`);
  if (name.startsWith('-'))
    throw new UsageError(`unknown option ${name}; options come after the command (nnlab --help lists the commands)`);
  const spec = commands.find((c) => c.name === name);
  if (!spec) {
    const near = await didYouMean(
      name,
      commands.map((c) => c.name),
    );
    throw new UsageError(
      `unknown command "${name}"${near ? `; did you mean "${near}"?` : ''} (nnlab --help lists the commands)`,
    );
  }
  return parseFor([name], spec, rest);
}

async function parseFor(path: string[], spec: CommandSpec, argv: string[]): Promise<Parsed> {
  const command = path.join(' ');
  if (spec.subcommands) {
    const [sub, ...rest] = argv;
    const names = spec.subcommands.map((s) => s.name);
    if (sub === '-h' || sub === '--help' || sub === 'help') return { help: helpText(path, spec) };
    if (sub === undefined) throw new UsageError(`${command}: give a subcommand (${joinOr(names)})`);
    const found = spec.subcommands.find((s) => s.name === sub);
    if (!found) {
      const near = sub.startsWith('-') ? undefined : await didYouMean(sub, names);
      throw new UsageError(
        `${command}: unknown ${sub.startsWith('-') ? 'option' : 'subcommand'} ${sub.startsWith('-') ? sub : `"${sub}"`}${near ? `; did you mean "${near}"?` : ''} (${joinOr(names)})`,
      );
    }
    return parseFor([...path, sub], found, rest);
  }
  const options = [...(spec.options ?? []), HELP_OPTION];
  const config = Object.fromEntries(
    options.map((o) => [
      o.name,
      {
        type: o.value ? ('string' as const) : ('boolean' as const),
        multiple: !!o.multiple,
        ...(o.name === 'help' ? { short: 'h' } : {}),
      },
    ]),
  );
  // Not strict: the tokens are checked here, so that each mistake gets a message with its fix.
  const { tokens } = parseArgs({ args: argv, options: config, strict: false, allowPositionals: true, tokens: true });
  // -h anywhere shows the help, whatever else the line gets wrong.
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { help: helpText(path, spec) };
  const values: Values = {};
  const positionals: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') positionals.push(t.value);
    if (t.kind !== 'option') continue;
    const o = options.find((x) => x.name === t.name);
    if (!o) {
      const near = t.rawName.startsWith('--')
        ? await didYouMean(
            t.name,
            options.map((x) => x.name),
          )
        : undefined;
      const others = options.filter((x) => x !== HELP_OPTION).map((x) => `--${x.name}`);
      const which = !others.length
        ? `${command} takes no options`
        : others.length <= 6
          ? `options: ${others.join(', ')}`
          : `nnlab ${command} -h lists the options`;
      throw new UsageError(
        `${command}: unknown option ${t.rawName}${near ? `; did you mean --${near}?` : ''} (${which})`,
      );
    }
    if (!o.value) {
      if (t.value !== undefined)
        throw new UsageError(`${command}: ${t.rawName} takes no value; write ${t.rawName} alone`);
      values[o.name] = true;
      continue;
    }
    // A value taken from the next word that is itself an option means the value was left out
    // (`--set --force`); a value that starts with "-" can be written --name=-x.
    if (t.value === undefined || (t.value === '' && !o.allowEmpty) || (!t.inlineValue && t.value.startsWith('--')))
      throw new UsageError(
        `${command}: ${t.rawName} needs a value: ${t.rawName} ${o.value}${t.value?.startsWith('--') ? ` (or, for a value that starts with "--": ${t.rawName}=${t.value})` : ''}`,
      );
    if (o.choices && !o.choices.includes(t.value))
      throw new UsageError(
        `${command}: ${t.rawName} must be ${o.choices.length === 2 ? joinOr(o.choices) : `one of ${o.choices.join(', ')}`}; got "${t.value}"`,
      );
    if (o.multiple) values[o.name] = [...((values[o.name] as string[] | undefined) ?? []), t.value];
    else values[o.name] = t.value;
  }
  checkPositionals(command, spec, positionals);
  return { args: new Args(path, spec, values, positionals) };
}

function checkPositionals(command: string, spec: CommandSpec, given: string[]): void {
  const p = spec.positionals;
  if (!p) {
    if (given.length)
      throw new UsageError(`${command}: unexpected argument "${given[0]}" (nnlab ${command} takes none)`);
    return;
  }
  const example = spec.examples[0] ? `, e.g. ${spec.examples[0]}` : '';
  const what =
    p.kind === 'experiment' ? (p.max === 1 ? 'one experiment file' : 'one or more experiment files') : `the ${p.name}`;
  if (given.length < p.min) throw new UsageError(`${command}: give ${what}${example}`);
  if (given.length > p.max)
    throw new UsageError(
      `${command}: unexpected argument "${given[p.max]}" (nnlab ${command} takes ${p.max === 1 ? `one ${p.name}` : `at most ${p.max}`})`,
    );
  if (p.kind === 'experiment') for (const file of given) experimentFile(command, file);
}

/** An experiment file named on the command line: there, a file, readable; else the fix. */
export function experimentFile(command: string, file: string): string {
  let st;
  try {
    st = statSync(file);
  } catch {
    const dir = dirname(file);
    let near: string[];
    try {
      near = readdirSync(dir).filter((n) => /\.ya?ml$/.test(n));
    } catch {
      throw new UsageError(`${command}: ${file}: no such file (the folder ${dir} does not exist either)`);
    }
    const close = near.find((n) => n.toLowerCase() === basename(file).toLowerCase());
    const hint = close
      ? `; did you mean ${join(dir, close)}?`
      : near.length
        ? `; the YAML files there: ${near.sort().slice(0, 8).join(', ')}${near.length > 8 ? ', …' : ''}`
        : '';
    throw new UsageError(`${command}: ${file}: no such file${hint}`);
  }
  if (st.isDirectory())
    throw new UsageError(
      `${command}: ${file} is a folder; give an experiment file in it, e.g. ${join(file, 'quickstart.yaml')}`,
    );
  try {
    accessSync(file, constants.R_OK);
  } catch {
    throw new UsageError(`${command}: ${file}: not readable (permission denied); allow reading it (chmod u+r ${file})`);
  }
  return file;
}

/** `fetch cifar10 [--from PATH|URL] [--root DIR]`: a command's one-line synopsis. */
export function synopsis(spec: CommandSpec): string {
  const p = spec.positionals;
  const pos = !p ? '' : p.min === 0 ? ` [${p.name}${p.max > 1 ? '…' : ''}]` : ` ${p.name}${p.max > 1 ? '…' : ''}`;
  const opts = (spec.options ?? [])
    .filter((o) => !o.group)
    .map((o) => ` [--${o.name}${o.value ? ` ${o.value}` : ''}]${o.multiple ? '…' : ''}`);
  return `${spec.name}${pos}${opts.join('')}`;
}

/** Word-wraps `text` to `width` columns, each line after the first indented by `indent`. */
function wrap(text: string, width: number, indent: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width - indent) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

/** Two columns: a name and its description wrapped under itself (the first column `w` wide). */
export function columns(
  rows: [string, string][],
  w = Math.max(...rows.map(([l]) => l.length)) + 3,
  width = 100,
): string {
  return rows.map(([l, r]) => `  ${l.padEnd(w)}${wrap(r, width, w + 2)}`).join('\n');
}

/** A command's -h: usage, what it does, its options (or subcommands), notes and an example. */
export function helpText(path: string[], spec: CommandSpec): string {
  const command = path.join(' ');
  const usage = spec.usage ?? [
    spec.subcommands
      ? `${command} <subcommand> [options]`
      : `${command}${synopsis(spec)
          .slice(spec.name.length)
          .replace(/ \[--.*$/, '')}${spec.options?.length ? ' [options]' : ''}`,
  ];
  const out = [usage.map((u, i) => `${i ? '       ' : 'usage: '}nnlab ${u}`).join('\n'), '', spec.about];
  if (spec.subcommands) {
    out.push(
      '',
      'subcommands:',
      columns(spec.subcommands.map((s) => [synopsis(s), s.summary])),
      '',
      `Run 'nnlab ${command} <subcommand> -h' for a subcommand's options.`,
    );
  } else {
    const rows = new Map<string, [string, string][]>();
    for (const o of [...(spec.options ?? []), HELP_OPTION]) {
      const heading = o.group ?? 'options:';
      rows.set(heading, [
        ...(rows.get(heading) ?? []),
        [
          `${o === HELP_OPTION ? '-h, ' : ''}--${o.name}${o.value ? ` ${o.value}` : ''}`,
          `${o.help}${o.multiple ? '; repeatable' : ''}`,
        ],
      ]);
    }
    const w = Math.max(...[...rows.values()].flat().map(([l]) => l.length)) + 3;
    for (const [heading, group] of rows) out.push('', wrap(heading, 100, 0), columns(group, w));
  }
  if (spec.notes) out.push('', spec.notes);
  out.push('', spec.examples.length > 1 ? 'examples:' : 'example:', ...spec.examples.map((e) => `  ${e}`));
  return out.join('\n');
}
