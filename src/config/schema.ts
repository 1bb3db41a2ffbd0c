// The experiment schema (schemas/experiment.schema.json, the one description of the format) and
// ajv validators built from it. Turning ajv's errors into messages is left to messages.ts.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020Module from 'ajv/dist/2020.js';

export const SCHEMA_PATH = fileURLToPath(new URL('../../schemas/experiment.schema.json', import.meta.url));

type JsonSchema = Record<string, unknown>;
export const schema: JsonSchema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));

// ajv's CommonJS default export seen from ESM.
type AjvClass = typeof Ajv2020Module.default;
const Ajv2020: AjvClass = (Ajv2020Module as unknown as { default: AjvClass }).default;

/** Validator reporting every error, without changing its input. */
export const checkExperiment = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);

/** Validator that fills in the schema's defaults (run on a copy that already passed the check). */
export const fillDefaults = new Ajv2020({ useDefaults: true, strict: true, allowUnionTypes: true }).compile(schema);

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
    else if (cur.additionalProperties && typeof cur.additionalProperties === 'object') cur = cur.additionalProperties as JsonSchema;
    else return undefined;
  }
  return cur ? deref(cur) : undefined;
}

/** Property names allowed at a path (for "did you mean" suggestions). */
export function keysAt(path: (string | number)[]): string[] {
  const s = schemaAt(path);
  return s?.properties ? Object.keys(s.properties as object) : [];
}
