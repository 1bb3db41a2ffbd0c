// Regenerates src/config/experiment-types.ts from schemas/experiment.schema.json (the one source
// of truth for the format). `node scripts/gen-types.js --check` fails when the committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { compile } from 'json-schema-to-typescript';

const OUT = 'src/config/experiment-types.ts';
const schema = JSON.parse(readFileSync('schemas/experiment.schema.json', 'utf8'));
const banner = '// Generated from schemas/experiment.schema.json by scripts/gen-types.js; do not edit.\n// Run `node scripts/gen-types.js` after changing the schema.\n';
const ts = await compile(schema, 'Experiment', { bannerComment: banner, additionalProperties: false, unreachableDefinitions: false, style: { singleQuote: true, printWidth: 120 } });
if (process.argv.includes('--check')) {
  const current = readFileSync(OUT, 'utf8');
  if (current !== ts) {
    console.error(`${OUT} is stale: run node scripts/gen-types.js`);
    process.exit(1);
  }
} else {
  writeFileSync(OUT, ts);
}
