#!/usr/bin/env node
// Entry point of the `nnlab` command: runs the compiled JavaScript in dist/ (`npm run build:ts`).
// In a clone (src/ beside dist/) it refuses a dist/ older than any source rather than run old code.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const main = join(root, 'dist', 'cli', 'main.js');

/** The newest file under `dir`: [path, mtime in ms]. */
function newest(dir) {
  let best = ['', 0];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const got = e.isDirectory() ? newest(p) : [p, statSync(p).mtimeMs];
    if (got[1] > best[1]) best = got;
  }
  return best;
}

const fail = (why) => {
  process.stderr.write(
    `nnlab: ${why}; run \`npm run build:ts\` in ${root} (or \`npm run build\`, which also builds the engine)\n`,
  );
  process.exit(2);
};
if (!existsSync(main)) fail(`${relative(root, main)} is missing`);
if (existsSync(join(root, 'src'))) {
  const [file, mtime] = newest(join(root, 'src'));
  if (mtime > statSync(main).mtimeMs) fail(`dist/ is older than ${relative(root, file)}`);
}
await import(main);
