// `nnlab completion bash|zsh`: prints a completion script for the shell, written from the command
// table (src/cli/completion.ts), so every command and option completes as the parser reads it.
import { UsageError } from '../../errors.ts';
import { writeStdout } from '../../writes.ts';
import type { Args } from '../args.ts';
import { SHELLS } from '../completion.ts';
import { COMMANDS } from '../table.ts';

export async function run(args: Args): Promise<number> {
  const [shell] = args.positionals;
  const write = Object.hasOwn(SHELLS, shell) ? SHELLS[shell] : undefined;
  if (!write)
    throw new UsageError(
      `completion: no completion for "${shell}"; shells: ${Object.keys(SHELLS).join(', ')} (e.g. nnlab completion bash)`,
    );
  writeStdout(write(COMMANDS));
  return 0;
}
