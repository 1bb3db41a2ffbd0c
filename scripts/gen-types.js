// Regenerates the TypeScript types of the experiment format from schemas/experiment.schema.json (the
// one source of truth): src/config/experiment-types.ts holds the root type and re-exports the section
// types, which go to one file per group below, each under src/'s 400-line limit.
// `node scripts/gen-types.js --check` fails when a committed file is stale.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { compile } from 'json-schema-to-typescript';

const ROOT = 'src/config/experiment-types.ts';
const DIR = 'src/config/experiment-types';
const MAX_LINES = 400;
/** Which generated declaration goes to which file; a declaration the schema adds must be placed here. */
const GROUPS = {
  'trial-config.ts': {
    what: "the sections of one trial's configuration (what the engine trains with)",
    names: ['Dataset', 'Model', 'Training', 'Schedule', 'Recording'],
  },
  'experiment-plan.ts': {
    what: 'what the experiment runs around the trial configuration and how it reports',
    names: ['GradientCheck', 'VariantEntry', 'PathOverrides', 'Search', 'Final', 'Report'],
  },
};
const ROOT_NAME = 'NnlabExperiment';
const banner = (what) =>
  `// ${what}\n// Generated from schemas/experiment.schema.json by scripts/gen-types.js; do not edit.\n// Run \`node scripts/gen-types.js\` after changing the schema.\n`;

const schema = JSON.parse(readFileSync('schemas/experiment.schema.json', 'utf8'));
const ts = await compile(schema, 'Experiment', {
  bannerComment: '',
  additionalProperties: false,
  unreachableDefinitions: false,
  style: { singleQuote: true, printWidth: 120 },
});

/** Top-level declarations of the generated text, each with the doc comment above it. */
function declarations(text) {
  const lines = text.split('\n');
  const starts = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^export (?:interface|type) (\w+)/.exec(lines[i]);
    if (!m) continue;
    let s = i;
    if (lines[i - 1] === ' */') for (s = i - 1; lines[s] !== '/**'; s--);
    starts.push({ s, name: m[1] });
  }
  return starts.map((st, k) => ({
    name: st.name,
    text:
      lines
        .slice(st.s, starts[k + 1]?.s ?? lines.length)
        .join('\n')
        .trimEnd() + '\n',
  }));
}

/** Names of other declarations a declaration uses (comments and strings left out). */
function uses(decl, names) {
  const code = decl.text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/'(?:[^'\\]|\\.)*'/g, "''");
  return names.filter((n) => n !== decl.name && new RegExp(`\\b${n}\\b`).test(code));
}

const decls = declarations(ts);
const all = decls.map((d) => d.name);
const fileOf = new Map([[ROOT_NAME, null]]);
for (const [file, g] of Object.entries(GROUPS)) for (const n of g.names) fileOf.set(n, file);
const unplaced = all.filter((n) => !fileOf.has(n));
if (unplaced.length) {
  console.error(
    `scripts/gen-types.js: the schema now generates ${unplaced.join(', ')}: add ${unplaced.length === 1 ? 'it' : 'them'} to a file in GROUPS`,
  );
  process.exit(1);
}

/** import type lines for the names `group` uses from other files; `from` is where this file sits. */
function imports(group, from) {
  const byFile = new Map();
  for (const d of group)
    for (const n of uses(d, all)) {
      const f = fileOf.get(n);
      if (f === fileOf.get(d.name)) continue;
      byFile.set(f, [...new Set([...(byFile.get(f) ?? []), n])]);
    }
  const spec = (f) => (f === null ? '../experiment-types.ts' : from === 'root' ? `./experiment-types/${f}` : `./${f}`);
  return [...byFile].map(([f, ns]) => `import type { ${ns.sort().join(', ')} } from '${spec(f)}';\n`).join('');
}

const out = new Map();
for (const [file, g] of Object.entries(GROUPS)) {
  const group = decls.filter((d) => g.names.includes(d.name));
  const head = imports(group, 'group');
  out.set(
    `${DIR}/${file}`,
    banner(`Types of ${g.what}.`) + (head ? `${head}\n` : '\n') + group.map((d) => d.text).join(''),
  );
}
const root = decls.filter((d) => d.name === ROOT_NAME);
const reexports = Object.entries(GROUPS)
  .map(
    ([file, g]) =>
      `export type { ${g.names.filter((n) => all.includes(n)).join(', ')} } from './experiment-types/${file}';\n`,
  )
  .join('');
out.set(
  ROOT,
  banner('Type of an experiment file; the types of its sections are in experiment-types/.') +
    imports(root, 'root') +
    reexports +
    '\n' +
    root.map((d) => d.text).join(''),
);

for (const [file, text] of out) {
  const n = text.split('\n').length - 1;
  if (n > MAX_LINES) {
    console.error(
      `scripts/gen-types.js: ${file} would have ${n} lines (limit ${MAX_LINES}): move declarations to another file in GROUPS`,
    );
    process.exit(1);
  }
}

if (process.argv.includes('--check')) {
  const stale = [...out]
    .filter(([file, text]) => !existsSync(file) || readFileSync(file, 'utf8') !== text)
    .map(([file]) => file);
  const extra = existsSync(DIR)
    ? readdirSync(DIR)
        .map((f) => `${DIR}/${f}`)
        .filter((f) => !out.has(f))
    : [];
  for (const f of stale) console.error(`${f} is stale: run node scripts/gen-types.js`);
  for (const f of extra)
    console.error(`${f} is not generated from the schema: remove it (generated types only in ${DIR}/)`);
  if (stale.length || extra.length) process.exit(1);
} else {
  mkdirSync(DIR, { recursive: true });
  for (const [file, text] of out) writeFileSync(file, text);
}
