// A stored trial that two planned names share (the quickstart's variant/no-bn and search/coarse/02
// have one config): `nnlab runs` lists it under both names and marks it shared, in table, CSV and
// JSON; `nnlab diff` against a copy with another λ (both run into one store) matches trials by name,
// so variant/no-bn is retrained with its result delta, not added. Real runs of the real quickstart.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEBIAN_FASHION_MNIST } from '../../src/data/index.ts';
import { repoRoot, tempDir } from '../data/fixtures.ts';
import { nnlab } from '../runner/fixtures.ts';

const NO_DATA = existsSync(DEBIAN_FASHION_MNIST)
  ? false
  : `${DEBIAN_FASHION_MNIST} absent (apt-get install dataset-fashion-mnist)`;
const dir = tempDir('nnlab-shared-');
const runs = join(dir, 'runs');
const env = { NNLAB_RUNS: runs, NNLAB_CONFIG: join(dir, 'no-config.yaml') };
mkdirSync(join(dir, 'experiments'));
mkdirSync(join(dir, 'copy'));
const file = join(dir, 'experiments', 'quickstart.yaml');
const copy = join(dir, 'copy', 'quickstart.yaml');
cpSync(join(repoRoot, 'experiments', 'quickstart.yaml'), file);
const text = readFileSync(file, 'utf8');
assert.match(text, /^ {2}lambda: 0\.001$/m);
writeFileSync(copy, text.replace(/^ {2}lambda: 0\.001$/m, '  lambda: 0.003'));

before(async () => {
  if (NO_DATA) return;
  for (const f of [file, copy]) {
    const r = await nnlab(['run', f, '--no-report'], { env }).exited;
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
});

const cli = (...args: string[]) => nnlab(args, { env }).exited;

test(
  'nnlab runs: the trial variant/no-bn and search/coarse/02 share is listed under both, each naming the other',
  { skip: NO_DATA, timeout: 600_000 },
  async () => {
    const json = await cli('runs', file, '--format', 'json', '--where', 'model.batch_norm=false');
    assert.equal(json.code, 0, json.stderr);
    const rows = JSON.parse(json.stdout) as Record<string, unknown>[];
    const byTrial = new Map(rows.filter((r) => r['training.lambda'] !== 0.003).map((r) => [r.trial, r]));
    assert.deepEqual(
      [...byTrial.keys()].sort(),
      ['search/coarse/01', 'search/coarse/02', 'search/coarse/03', 'search/coarse/04', 'variant/no-bn'],
    );
    const [noBn, c02] = [byTrial.get('variant/no-bn')!, byTrial.get('search/coarse/02')!];
    assert.equal(noBn.hash, c02.hash);
    assert.deepEqual(noBn.shared_with, ['search/coarse/02']);
    assert.deepEqual(c02.shared_with, ['variant/no-bn']);
    for (const id of ['search/coarse/01', 'search/coarse/03', 'search/coarse/04'])
      assert.equal(byTrial.get(id)!.shared_with, null, id);

    // The README's tour: every search value, coarse/02 included.
    const tour = await cli('runs', file, '--where', 'trial=search/*');
    assert.equal(tour.code, 0, tour.stderr);
    const lines = tour.stdout.trimEnd().split('\n');
    assert.match(lines[0], / {2}shared_with +hash$/);
    const at = lines[0].indexOf('shared_with');
    assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/)[1]).sort(), [
      'search/coarse/01',
      'search/coarse/02',
      'search/coarse/03',
      'search/coarse/04',
    ]);
    const c02Line = lines.find((l) => l.includes('search/coarse/02'))!;
    assert.equal(c02Line.slice(at).split(/\s+/)[0], '["variant/no-bn"]');
    assert.ok(lines.filter((l) => l !== c02Line && l !== lines[0]).every((l) => l.slice(at).startsWith('– ')));

    const csv = await cli('runs', file, '--format', 'csv', '--where', 'trial=variant/no-bn', '--where', 'training.lambda=0.001');
    const [head, row, ...rest] = csv.stdout.trimEnd().split('\n');
    assert.deepEqual(rest, []);
    assert.match(head, /,status,shared_with,hash$/);
    assert.match(row, /,ok,"\[""search\/coarse\/02""\]",[0-9a-f]{16}$/);
  },
);

test(
  'nnlab diff against the copy with λ 0.003: variant/no-bn retrained with its result delta, not added',
  { skip: NO_DATA, timeout: 600_000 },
  async () => {
    const r = await cli('diff', file, copy, '--format', 'json');
    assert.equal(r.code, 1, r.stderr);
    const {
      files: [d],
    } = JSON.parse(r.stdout) as {
      files: {
      trials: {
        added: unknown[];
        removed: unknown[];
        changed: { id: string; oldHash: string; newHash: string }[];
        unchanged: { id: string }[];
      };
      results: { id: string; validationAccuracy?: { old: number; new: number } }[];
    }[];
    };
    assert.deepEqual(d.trials.added, []);
    assert.deepEqual(d.trials.removed, []);
    assert.deepEqual(d.trials.changed.map((c) => c.id).sort(), ['variant/bn', 'variant/no-bn']);
    assert.deepEqual(d.trials.unchanged.map((u) => u.id).sort(), [
      'gradient-check/2-layer',
      'gradient-check/3-layer-bn',
      'search/coarse/01',
      'search/coarse/02',
      'search/coarse/03',
      'search/coarse/04',
    ]);
    // Its old result is the one it shares with search/coarse/02 on the old side.
    const old = JSON.parse((await cli('runs', file, '--format', 'json', '--where', 'trial=search/coarse/02')).stdout);
    const noBn = d.results.find((x) => x.id === 'variant/no-bn');
    assert.ok(noBn?.validationAccuracy, JSON.stringify(d.results));
    assert.equal(noBn.validationAccuracy.old, old[0]['validation.accuracy']);
    const terminal = await cli('diff', file, copy);
    assert.match(terminal.stdout, /^ {2}~ variant\/no-bn {2}[0-9a-f]{16} → [0-9a-f]{16}$/m);
    assert.doesNotMatch(terminal.stdout, /^ {2}\+ /m);
    assert.match(terminal.stdout, /^ {2}variant\/no-bn\n {6}validation accuracy /m);
  },
);
