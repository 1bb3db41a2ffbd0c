// Writes the input that fast-check generated at SEED and PATH (as a fuzz failure prints them) to
// FILE, so it can be run by hand: node --import tsx test/config/fuzz/repro.ts SEED PATH FILE
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, input } from './mutate.ts';

const [seed, path, file] = process.argv.slice(2);
const [i] = fc.sample(input, { seed: Number(seed), path, numRuns: 1 });
writeFileSync(file, i.bytes);
console.log(`${describe(i)}\nwritten to ${file}${i.set.length ? `; --set ${i.set.join(' --set ')}` : ''}`);
