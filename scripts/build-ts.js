// `npm run build:ts`: compiles src/ (tsconfig.build.json) and the schema's validators into a fresh
// folder that replaces dist/ only once complete, so an nnlab run, a worker it starts or a test going
// on in this clone meanwhile never finds dist/ missing or half-written (npm pack rebuilds it too).
import { spawnSync } from 'node:child_process';
import { renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const fresh = `dist.tmp-${process.pid}`;
const old = `dist.old-${process.pid}`;

function step(args) {
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    rmSync(fresh, { recursive: true, force: true });
    process.exit(r.status ?? 1);
  }
}

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
step([tsc, '-p', 'tsconfig.build.json', '--outDir', fresh]);
step(['scripts/build-validators.js', fresh]);
try {
  renameSync('dist', old);
} catch (err) {
  if (err.code !== 'ENOENT') throw err;
}
renameSync(fresh, 'dist');
rmSync(old, { recursive: true, force: true });
