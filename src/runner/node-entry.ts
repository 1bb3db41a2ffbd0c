// How nnlab starts its own node processes (trial workers, Slurm tasks): the compiled JavaScript with
// plain node when nnlab runs from dist/ (an installed package, or a built clone), the TypeScript
// source under tsx's loader only when nnlab itself runs from src/ (the tests import sources directly).
import { fileURLToPath } from 'node:url';

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** The file to start for `relative` (a module beside `base`, named as in src/) and the node flags it needs. */
export function nodeEntry(relative: string, base: string): { file: string; execArgv: string[] } {
  const file = fileURLToPath(new URL(FROM_SOURCE ? relative : relative.replace(/\.ts$/, '.js'), base));
  // tsx by its absolute URL: a bare `--import tsx` is resolved from the working directory, so a run
  // started outside the project failed every trial (ERR_MODULE_NOT_FOUND).
  return { file, execArgv: FROM_SOURCE ? ['--import', import.meta.resolve('tsx')] : [] };
}
