// Against the real quickstart (experiments/quickstart.yaml, Debian's Fashion-MNIST) trained into a
// temporary store: the watch page in headless Chromium follows the run as it goes and opens its
// report; `nnlab runs` lists the stored trials (table, CSV, JSON; only the settings that vary);
// `nnlab run --open` on the stored run serves the page and stops when it has shown the report.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEBIAN_FASHION_MNIST } from '../../src/data/index.ts';
import { repoRoot, tempDir } from '../data/fixtures.ts';
import { NO_CHROMIUM, chartsSettled, closeBrowser, hoverCurve, newPage } from '../browser.ts';

const NO_DATA = existsSync(DEBIAN_FASHION_MNIST) ? false : `${DEBIAN_FASHION_MNIST} absent (apt-get install dataset-fashion-mnist)`;
const CLI = join(repoRoot, 'src', 'cli', 'main.ts');
const dir = tempDir('nnlab-quickstart-');
mkdirSync(join(dir, 'experiments'));
cpSync(join(repoRoot, 'experiments', 'quickstart.yaml'), join(dir, 'experiments', 'quickstart.yaml'));
const file = join(dir, 'experiments', 'quickstart.yaml');
const env = { ...process.env, NNLAB_RUNS: join(dir, 'runs') };
after(closeBrowser);

function nnlab(args: string[]): ChildProcess & { output: () => string; exited: Promise<number> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number>((ok) => child.on('exit', (code, signal) => ok(code ?? (signal ? 128 : 1))));
  return Object.assign(child, { output: () => output, exited });
}

/** The address a watch prints ("watch: http://127.0.0.1:PORT/"). */
function watchUrl(child: ReturnType<typeof nnlab>): Promise<string> {
  return new Promise((ok, fail) => {
    const look = () => {
      const m = /watch: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(child.output());
      if (m) ok(m[1]);
    };
    child.stdout!.on('data', look);
    child.on('exit', () => fail(new Error(`exited before serving:\n${child.output()}`)));
    look();
  });
}

/** The quickstart trained once into the temporary store (the watch test follows it as it runs). */
let training: ReturnType<typeof nnlab> | null = null;
const quickstart = () => (training ??= nnlab(['run', file]));

test('nnlab watch follows a running quickstart: trials, progress and curves as they come, then the report', { skip: NO_DATA || NO_CHROMIUM, timeout: 600_000 }, async () => {
  const watch = nnlab(['watch', file]);
  const url = await watchUrl(watch);
  const run = quickstart();
  const origin = new URL(url).origin;
  const w = await newPage((u) => u.startsWith(origin + '/'));
  await w.page.goto(url);
  // While it trains: a trial running with its progress, and the curves chart drawn.
  await w.page.waitForSelector('#trials tbody tr[data-status="running"]', { timeout: 300_000 });
  await w.page.waitForFunction(() => (document.getElementById('curves') as HTMLElement).dataset.rendered === 'true', null, { timeout: 300_000 });
  assert.equal(await w.page.locator('#phase').getAttribute('data-phase'), 'running');
  assert.equal(await w.page.locator('#trials tbody tr').count(), 8);
  assert.ok(await hoverCurve(w.page, '#curves'), 'a tooltip on the curves');
  // When it is done the page opens the report, and the watch stops by itself.
  await w.page.waitForURL(`${url}report`, { timeout: 300_000 });
  const charts = await chartsSettled(w.page);
  assert.ok(charts.length >= 4 && charts.every((c) => c.rendered), JSON.stringify(charts));
  assert.equal(await run.exited, 0, run.output());
  assert.equal(await watch.exited, 0, watch.output());
  assert.deepEqual(w.errors, []);
  assert.deepEqual(w.outside, []);
  assert.deepEqual([...new Set(w.requests)].sort(), [url, `${url}events`, `${url}report`].sort());
  await w.page.context().close();
});

const runs = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', CLI, 'runs', ...args], { env, cwd: repoRoot, encoding: 'utf8' });

test('nnlab runs on the quickstart store: one row per trial name, only the settings that vary, as a table, CSV and JSON', { skip: NO_DATA, timeout: 600_000 }, async () => {
  assert.equal(await quickstart().exited, 0);
  const json = runs(file, '--format', 'json');
  assert.equal(json.status, 0, json.stderr);
  const rows = JSON.parse(json.stdout) as Record<string, unknown>[];
  // 2 gradient checks, 2 variants and 4 λ values: 7 stored trials, one (λ = 0.001, no BN) listed as
  // both the no-bn variant and search/coarse/02, which share it.
  assert.equal(rows.length, 8);
  assert.deepEqual(Object.keys(rows[0]), [
    'experiment', 'trial', 'model.batch_norm', 'training.lambda', 'network.hidden', 'network.batch_norm',
    'train.accuracy', 'validation.accuracy', 'test.accuracy', 'validation.loss', 'max_relative_error', 'seconds', 'status', 'shared_with', 'hash',
  ]);
  const lambdas = rows.filter((r) => r['model.batch_norm'] === false).map((r) => r['training.lambda']).sort();
  assert.deepEqual(lambdas, [0.0001, 0.001, 0.001, 0.01, 0.1]);
  assert.ok(rows.every((r) => r.status === 'ok' && typeof r.hash === 'string' && /^[0-9a-f]{16}$/.test(r.hash as string)));

  const csv = runs(file, '--format', 'csv', '--where', 'model.batch_norm=false', '--sort', '-validation.accuracy').stdout.trim().split('\n');
  assert.equal(csv[0], 'experiment,trial,training.lambda,train.accuracy,validation.accuracy,test.accuracy,validation.loss,seconds,status,shared_with,hash');
  assert.equal(csv.length, 6);
  const acc = csv.slice(1).map((l) => Number(l.split(',')[4]));
  assert.deepEqual(acc, [...acc].sort((a, b) => b - a));

  const table = runs('--where', 'trial=gradient-check/*').stdout.split('\n');
  assert.match(table[0], /^experiment {2}trial +network\.hidden {2}network\.batch_norm {2}max_relative_error {2}seconds {2}status {2}hash$/);
  assert.match(table[1], /^quickstart {2}gradient-check\/\S+ +\[20(,20)?\] +(true|false) +\d\.\d\de-\d+ +\d+\.\d {2}ok {6}[0-9a-f]{16}$/);

  const bad = runs(file, '--where', 'trainig.lambda=1');
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr, 'nnlab: runs: --where trainig.lambda: no stored trial has a setting or column of that name; did you mean "training.lambda"?\n');
  assert.equal(runs('--format', 'xml').stderr, 'nnlab: runs: --format must be one of table, csv, json; got "xml"\n');
});

test('nnlab run --open on the stored quickstart: serves the page, shows the report, then stops', { skip: NO_DATA || NO_CHROMIUM, timeout: 600_000 }, async () => {
  assert.equal(await quickstart().exited, 0);
  const run = nnlab(['run', file, '--open']);
  const url = await watchUrl(run);
  const w = await newPage((u) => u.startsWith(new URL(url).origin + '/'));
  await w.page.goto(url);
  await w.page.waitForURL(`${url}report`, { timeout: 300_000 });
  assert.equal(await run.exited, 0, run.output());
  assert.match(run.output(), /7 trials: 0 trained, 7 cached/);
  assert.deepEqual(w.errors, []);
  assert.deepEqual(w.outside, []);
  await w.page.context().close();
});
