// No import cycle inside src/engine, type-only imports included: its modules share types through
// types.ts, and index.ts (the door) is imported by none of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../src/engine/native.ts';

const dir = join(repoRoot, 'src', 'engine');
/** Each module's imports of sibling modules (static `from './x.ts'`, `import type` and `export … from` alike). */
function siblings(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(dir, f), 'utf8');
    graph.set(
      f,
      [...text.matchAll(/\bfrom\s+'\.\/([\w-]+\.ts)'/g)].map((m) => m[1]),
    );
  }
  return graph;
}

test('src/engine has no import cycle, and none of its modules imports the door, index.ts', () => {
  const graph = siblings();
  assert.ok(graph.get('index.ts')!.includes('types.ts'), 'the parser sees the imports (index.ts imports types.ts)');
  const cycles: string[] = [];
  const walk = (f: string, path: string[]) => {
    if (path.includes(f)) return void cycles.push([...path.slice(path.indexOf(f)), f].join(' → '));
    for (const g of graph.get(f) ?? []) walk(g, [...path, f]);
  };
  for (const f of graph.keys()) walk(f, []);
  assert.deepEqual([...new Set(cycles)], []);
  assert.deepEqual(
    [...graph].filter(([, deps]) => deps.includes('index.ts')).map(([f]) => f),
    [],
  );
});
