// Bash and zsh completion scripts written from the command table (table.ts): the commands and
// subcommands, each one's options, the values of options with a fixed set, and files where a
// command takes an experiment file (*.yaml, *.yml) or a path. A command added to the table completes.
import type { CommandSpec, OptionSpec, PositionalSpec } from './args.ts';
import { HELP_OPTION } from './args.ts';

interface Leaf {
  /** "run", "data fetch". */
  key: string;
  spec: CommandSpec;
}

function leaves(commands: CommandSpec[]): Leaf[] {
  return commands.flatMap((c) =>
    c.subcommands ? c.subcommands.map((s) => ({ key: `${c.name} ${s.name}`, spec: s })) : [{ key: c.name, spec: c }],
  );
}

const optionsOf = (spec: CommandSpec): OptionSpec[] => [...(spec.options ?? []), HELP_OPTION];

/** What an option's value completes to: its choices, a folder (DIR), a file (PATH, PATH|URL), else nothing (PATH=VALUE is a setting). */
function valueKind(o: OptionSpec): { words: readonly string[] } | 'dir' | 'file' | 'none' {
  if (o.choices) return { words: o.choices };
  if (o.value === 'DIR') return 'dir';
  if (o.value === 'PATH' || o.value?.startsWith('PATH|')) return 'file';
  return 'none';
}

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function bashScript(commands: CommandSpec[]): string {
  const withSubs = commands.filter((c) => c.subcommands);
  const valueCases: string[] = [];
  const leafCases: string[] = [];
  for (const { key, spec } of leaves(commands)) {
    const opts = optionsOf(spec);
    const takes = opts.filter((o) => o.value).map((o) => `--${o.name}`);
    leafCases.push(
      `    ${sq(key)}) opts=${sq(['-h', ...opts.map((o) => `--${o.name}`)].join(' '))}; takes=${sq(takes.join(' '))}; pos=${sq(positionalBash(spec.positionals))} ;;`,
    );
    for (const o of opts.filter((x) => x.value)) {
      const kind = valueKind(o);
      const action =
        kind === 'dir'
          ? 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur"))'
          : kind === 'file'
            ? 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur"))'
            : kind === 'none'
              ? 'COMPREPLY=()'
              : `COMPREPLY=($(compgen -W ${sq(kind.words.join(' '))} -- "$cur"))`;
      valueCases.push(`      ${sq(`${key} --${o.name}`)}) ${action} ;;`);
    }
  }
  return `# bash completion for nnlab, written by \`nnlab completion bash\` from nnlab's command table.
# Load it with: eval "$(nnlab completion bash)"   (or save it in ~/.local/share/bash-completion/completions/nnlab)
_nnlab() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  COMPREPLY=()
  if (( COMP_CWORD == 1 )); then
    COMPREPLY=($(compgen -W ${sq([...commands.map((c) => c.name), '--help', '--version'].join(' '))} -- "$cur"))
    return
  fi
  local key="\${COMP_WORDS[1]}"
  case "$key" in
${withSubs.map((c) => `    ${sq(c.name)})\n      if (( COMP_CWORD == 2 )); then COMPREPLY=($(compgen -W ${sq([...c.subcommands!.map((s) => s.name), '--help'].join(' '))} -- "$cur")); return; fi\n      key="$key \${COMP_WORDS[2]}" ;;`).join('\n')}
  esac
  local opts takes pos
  case "$key" in
${leafCases.join('\n')}
    *) return ;;
  esac
  # --name=value: bash splits the word at "=", so "=" is a word of its own before the value.
  if [[ $cur == = ]]; then cur=""
  elif [[ $prev == = ]]; then prev="\${COMP_WORDS[COMP_CWORD-2]}"
  elif [[ $cur == --*=* ]]; then return; fi
  if [[ " $takes " == *" $prev "* ]]; then
    case "$key $prev" in
${valueCases.join('\n')}
    esac
    return
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return
  fi
  case "$pos" in
    '') ;;
    :experiment)
      compopt -o filenames 2>/dev/null
      COMPREPLY=($(compgen -f -X '!*.yaml' -- "$cur") $(compgen -f -X '!*.yml' -- "$cur") $(compgen -d -- "$cur")) ;;
    :path)
      compopt -o filenames 2>/dev/null
      COMPREPLY=($(compgen -f -- "$cur")) ;;
    *) COMPREPLY=($(compgen -W "$pos" -- "$cur")) ;;
  esac
}
complete -F _nnlab nnlab
`;
}

/** The positional's completion as the bash script reads it: :experiment, :path, words, or nothing. */
function positionalBash(p: PositionalSpec | undefined): string {
  if (!p) return '';
  if (p.kind === 'word') return (p.choices ?? []).join(' ');
  return `:${p.kind}`;
}

/** A help text without its asides, cut to its first clause, made safe inside an _arguments [description]. */
const zshText = (s: string) =>
  s
    .replace(/\s*\([^()]*\)/g, '')
    .split(';')[0]
    .trim()
    .replace(/[[\]]/g, '')
    .replace(/:/g, '\\:');

function zshArguments(spec: CommandSpec): string[] {
  const out = (spec.options ?? []).map((o) => {
    const kind = valueKind(o);
    const action =
      kind === 'dir' ? '_files -/' : kind === 'file' ? '_files' : kind === 'none' ? ' ' : `(${kind.words.join(' ')})`;
    return sq(
      `${o.multiple ? '*' : ''}--${o.name}${o.value ? '=' : ''}[${zshText(o.help)}]${o.value ? `:${o.value.replace(/:/g, '\\:')}:${action}` : ''}`,
    );
  });
  // -h and --help exclude everything else: "(- *)".
  out.push(`'(- *)'{-h,--help}'[${HELP_OPTION.help}]'`);
  const p = spec.positionals;
  if (p) {
    const action =
      p.kind === 'experiment'
        ? '_files -g "*.(yaml|yml)"'
        : p.kind === 'path'
          ? '_files'
          : `(${(p.choices ?? []).join(' ')})`;
    const what = p.kind === 'experiment' ? 'experiment file' : p.name;
    out.push(sq(p.max > 1 ? `*:${what}:${action}` : `${p.min ? '1:' : '1::'}${what}:${action}`));
  }
  return out;
}

export function zshScript(commands: CommandSpec[]): string {
  const described = (list: CommandSpec[]) => list.map((c) => sq(`${c.name}:${zshText(c.summary)}`)).join(' ');
  const cases = commands.map((c) => {
    if (!c.subcommands) return `    ${c.name}) _arguments -s ${zshArguments(c).join(' ')} ;;`;
    const subs = c.subcommands
      .map((s) => `        ${s.name}) _arguments -s ${zshArguments(s).join(' ')} ;;`)
      .join('\n');
    return `    ${c.name})
      if (( CURRENT == 2 )); then
        local -a subcommands=(${described(c.subcommands)})
        _describe -t subcommands 'nnlab ${c.name} subcommand' subcommands
        return
      fi
      shift words; (( CURRENT-- ))
      case $words[1] in
${subs}
      esac ;;`;
  });
  return `#compdef nnlab
# zsh completion for nnlab, written by \`nnlab completion zsh\` from nnlab's command table.
# Load it with: eval "$(nnlab completion zsh)" after compinit (or save it as _nnlab in a folder of $fpath)
_nnlab() {
  if (( CURRENT == 2 )); then
    local -a commands=(${described(commands)})
    _describe -t commands 'nnlab command' commands
    return
  fi
  shift words; (( CURRENT-- ))
  case $words[1] in
${cases.join('\n')}
  esac
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then _nnlab "$@"; else compdef _nnlab nnlab; fi
`;
}

/** The shells `nnlab completion` writes for. */
export const SHELLS: Record<string, (commands: CommandSpec[]) => string> = { bash: bashScript, zsh: zshScript };
