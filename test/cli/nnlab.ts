// Runs the real `nnlab` command (bin/nnlab.js) in a child process, several at once where a test
// asks for many, and returns its exit code and output.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../src/engine/native.ts';

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function nnlab(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Result> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'bin', 'nnlab.js'), ...args],
      { cwd: opts.cwd ?? repoRoot, env: { ...process.env, ...opts.env }, encoding: 'utf8' },
      (err, stdout, stderr) => done({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

/** Runs every command line, at most `width` at a time (the machine is shared). */
export async function nnlabAll(
  lines: string[][],
  opts: Parameters<typeof nnlab>[1] = {},
  width = 3,
): Promise<Result[]> {
  const out: Result[] = new Array(lines.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < lines.length) {
        const i = next++;
        out[i] = await nnlab(lines[i], opts);
      }
    }),
  );
  return out;
}
