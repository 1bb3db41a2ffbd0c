// The text `nnlab resolve` prints: the resolved config (extends applied, defaults filled, keys
// sorted) as YAML, then the expanded trials with their hashes and what each changes from the base.
// Deterministic, so it serves as a git textconv driver; resolving is src/config's job.
import { Document, isScalar, visit } from 'yaml';
import { sortKeys } from '../config/canonical.ts';
import { configDifferences } from '../config/walk.ts';
import type { Plan } from '../config/expand.ts';
import type { ResolvedExperiment } from '../config/resolve.ts';

/** Leaf settings where `b` differs from `a`, as dotted path → new value (null where `b` has none). */
export function changesFrom(a: unknown, b: unknown): Record<string, unknown> {
  return Object.fromEntries(configDifferences(a, b).map((d) => [d.path, d.b?.value ?? null]));
}

/** Block maps, lists of scalars on one line (`train: [data_batch_1, data_batch_2]`), no line folding. */
function yaml(v: unknown): string {
  const doc = new Document(v, { aliasDuplicateObjects: false });
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((i) => isScalar(i))) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, minContentWidth: 0, indentSeq: true, flowCollectionPadding: false });
}

export function resolvedText(exp: ResolvedExperiment, plan: Plan, hashNote: string): string {
  const trials = plan.trials.map((t) => {
    if (t.kind === 'gradient_check') return { id: t.id, hash: t.hash, network: sortKeys(t.config.network) };
    const set = changesFrom(exp.base, t.config);
    return Object.keys(set).length ? { id: t.id, hash: t.hash, set: sortKeys(set) } : { id: t.id, hash: t.hash };
  });
  const parts = [
    '# Resolved by nnlab resolve: extends applied, defaults filled in, keys sorted.',
    yaml(sortKeys(exp.value)).trimEnd(),
    '---',
    `# Trials: id, hash (${hashNote}) and the settings that differ from the base.`,
    yaml({ trials, ...(plan.pending.length ? { pending: plan.pending } : {}) }).trimEnd(),
  ];
  return parts.join('\n') + '\n';
}
