// The experiment schema (schemas/experiment.schema.json, the one description of the format) and
// ajv validators built from it. Turning ajv's errors into messages is left to messages.ts.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import Ajv2020Module, { type Options, type ValidateFunction } from 'ajv/dist/2020.js';

export const SCHEMA_PATH = fileURLToPath(new URL('../../schemas/experiment.schema.json', import.meta.url));

type JsonSchema = Record<string, unknown>;
const text = readFileSync(SCHEMA_PATH, 'utf8');
export const schema: JsonSchema = JSON.parse(text);
/** Which schema a validator was compiled from. */
export const SCHEMA_SHA256 = createHash('sha256').update(text).digest('hex');

// ajv's CommonJS default export seen from ESM.
type AjvClass = typeof Ajv2020Module.default;
export const Ajv2020: AjvClass = (Ajv2020Module as unknown as { default: AjvClass }).default;

/** The ajv options of each validator (scripts/build-validators.js compiles them with these too). */
export const AJV_OPTIONS = {
  checkExperiment: { allErrors: true, strict: true, allowUnionTypes: true },
  fillDefaults: { useDefaults: true, strict: true, allowUnionTypes: true },
} satisfies Record<string, Options>;
type Validators = Record<keyof typeof AJV_OPTIONS, ValidateFunction>;

/**
 * The validators `npm run build:ts` compiled to code beside the compiled module (dist/config/validators.cjs):
 * compiling the schema at every start took ~0.25 s of CPU. Null from src/, or when they were made
 * from another schema than the one read here (an edit after the build): then compiled below.
 */
function prebuilt(): Validators | null {
  const file = fileURLToPath(new URL('./validators.cjs', import.meta.url));
  try {
    const v = createRequire(import.meta.url)(file) as Validators & { schemaSha256: string };
    return v.schemaSha256 === SCHEMA_SHA256 ? v : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && (err as Error).message.includes(file))
      return null;
    throw err;
  }
}
const built = prebuilt();

/** Validator reporting every error, without changing its input. */
export const checkExperiment = built?.checkExperiment ?? new Ajv2020(AJV_OPTIONS.checkExperiment).compile(schema);

/** Validator that fills in the schema's defaults (run on a copy that already passed the check). */
export const fillDefaults = built?.fillDefaults ?? new Ajv2020(AJV_OPTIONS.fillDefaults).compile(schema);

function deref(s: JsonSchema): JsonSchema {
  const ref = s.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/$defs/')) {
    const defs = schema.$defs as Record<string, JsonSchema>;
    return deref(defs[ref.slice('#/$defs/'.length)]);
  }
  return s;
}

/** The sub-schema at a path of property names, or undefined where the format has no such key. */
export function schemaAt(path: (string | number)[]): JsonSchema | undefined {
  let cur: JsonSchema | undefined = schema;
  for (const key of path) {
    if (!cur) return undefined;
    cur = deref(cur);
    if (typeof key === 'number') {
      cur = cur.items as JsonSchema | undefined;
      continue;
    }
    const props = cur.properties as Record<string, JsonSchema> | undefined;
    if (props && key in props) cur = props[key];
    else if (cur.additionalProperties && typeof cur.additionalProperties === 'object')
      cur = cur.additionalProperties as JsonSchema;
    else return undefined;
  }
  return cur ? deref(cur) : undefined;
}

/** Property names allowed at a path (for "did you mean" suggestions). */
export function keysAt(path: (string | number)[]): string[] {
  const s = schemaAt(path);
  return s?.properties ? Object.keys(s.properties as object) : [];
}
