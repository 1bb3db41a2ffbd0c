// The package as a user gets it: `npm pack` in the clone, `npm install -g` of the tarball into a
// temporary prefix (real npm, building the addon there; dependencies from npm's cache where it has
// them), then the installed `nnlab` from a folder outside the clone: --version, validate, quickstart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { DEBIAN_FASHION_MNIST } from '../../src/data/index.ts';
import { repoRoot, tempDir } from '../data/fixtures.ts';

const NO_DATA = existsSync(DEBIAN_FASHION_MNIST)
  ? false
  : `${DEBIAN_FASHION_MNIST} absent (apt-get install dataset-fashion-mnist)`;
/** What the tarball may hold at its top level (package.json "files", plus what npm always adds). */
const TOP = [
  'bin',
  'dist',
  'native',
  'binding.gyp',
  'schemas',
  'templates',
  'README.md',
  'LICENSE',
  'package.json',
  'npm-shrinkwrap.json',
];

// The environment without npm's own variables: `npm test` exports its configuration (npm_config_*),
// which would otherwise steer the npm and nnlab started here.
const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));

function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = clean) {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 26 });
  return { ...r, output: `${r.stdout}${r.stderr}` };
}

test(
  'npm pack and npm install -g give an nnlab that works from any folder, without TypeScript',
  { timeout: 1_800_000 },
  async (t) => {
    const tmp = tempDir('nnlab-package-');
    const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

    // Pack: its prepare script compiles src/ to dist/; only what the package needs goes in.
    mkdirSync(join(tmp, 'pack'));
    const pack = sh('npm', ['pack', '--json', '--pack-destination', join(tmp, 'pack')], repoRoot);
    assert.equal(pack.status, 0, pack.output);
    const [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as {
      filename: string;
      files: { path: string }[];
    }[];
    const paths = packed.files.map((f) => f.path);
    assert.deepEqual(
      [...new Set(paths.map((p) => p.split('/')[0]))].filter((p) => !TOP.includes(p)),
      [],
      'nothing beyond package.json "files"',
    );
    for (const need of [
      'bin/nnlab.js',
      'dist/cli/main.js',
      'dist/runner/trial-worker.js',
      'binding.gyp',
      'native/addon.cpp',
      'schemas/experiment.schema.json',
      'templates/report.md.njk',
      'npm-shrinkwrap.json',
      'LICENSE',
    ])
      assert.ok(paths.includes(need), `${need} is in the tarball`);
    assert.ok(!existsSync(join(repoRoot, 'npm-shrinkwrap.json')), 'postpack removed the shrinkwrap copy');

    // Install: the addon is built in the prefix; devDependencies (tsx, typescript) are not installed.
    const prefix = join(tmp, 'prefix');
    const install = sh(
      'npm',
      [
        'install',
        '-g',
        join(tmp, 'pack', packed.filename),
        '--prefix',
        prefix,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
      ],
      tmp,
    );
    assert.equal(install.status, 0, install.output);
    const installed = join(prefix, 'lib', 'node_modules', 'nnlab');
    assert.ok(existsSync(join(installed, 'build', 'Release', 'nnlab.node')), `the addon was built:\n${install.output}`);
    for (const absent of ['src', 'node_modules/tsx', 'node_modules/typescript'])
      assert.ok(!existsSync(join(installed, absent)), `${absent} is not installed`);

    // Use: from a folder outside the clone, with the prefix's bin first on the PATH.
    const home = join(tmp, 'work');
    mkdirSync(join(home, 'experiments'), { recursive: true });
    cpSync(join(repoRoot, 'experiments', 'quickstart.yaml'), join(home, 'experiments', 'quickstart.yaml'));
    const env = {
      ...clean,
      PATH: `${join(prefix, 'bin')}:${clean.PATH}`,
      NNLAB_RUNS: join(tmp, 'runs'),
      NNLAB_DATA: join(tmp, 'data'),
    };
    const nnlab = (...args: string[]) => sh('nnlab', args, home, env);
    assert.equal(
      realpathSync(sh('sh', ['-c', 'command -v nnlab'], home, env).stdout.trim()),
      join(installed, 'bin', 'nnlab.js'),
    );

    const v = nnlab('--version');
    assert.equal(v.status, 0, v.output);
    assert.equal(v.stdout, `${version}\n`);

    const valid = nnlab('validate', 'experiments/quickstart.yaml');
    assert.equal(valid.status, 0, valid.output);
    assert.match(valid.stdout, /^experiments\/quickstart\.yaml: ok \(\d+ variants?, \d+ search stages?\)\n$/);

    if (NO_DATA) return t.skip(NO_DATA);
    // The quickstart trains in worker processes started from the installed (compiled) files, then
    // writes its report beside experiments/; a second run trains nothing.
    const first = nnlab('run', 'experiments/quickstart.yaml');
    assert.equal(first.status, 0, first.output);
    // (A trial the plan holds twice, e.g. a search value equal to a variant's, trains once: "cached".)
    const trained = /^(\d+) trials: (\d+) trained, (\d+) cached, 0 failed, 0 diverged$/m.exec(first.stdout);
    assert.ok(
      trained && Number(trained[2]) > 0 && Number(trained[2]) + Number(trained[3]) === Number(trained[1]),
      first.output,
    );
    for (const f of ['report.md', 'report.html'])
      assert.ok(existsSync(join(home, 'reports', 'quickstart', f)), `reports/quickstart/${f} written`);
    const again = nnlab('run', 'experiments/quickstart.yaml', '--no-report');
    assert.equal(again.status, 0, again.output);
    assert.match(
      again.stdout,
      new RegExp(`^${trained[1]} trials: 0 trained, ${trained[1]} cached, 0 failed, 0 diverged$`, 'm'),
    );
  },
);
