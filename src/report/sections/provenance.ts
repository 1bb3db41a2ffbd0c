// Provenance: what produced the stored results — the experiment file and config hash, code and
// engine versions, data, machine, BLAS, threads, how many trials, and when the runs were made.
import { canonicalJson, sha256 } from '../../config/canonical.ts';
import type { StoredResult } from '../../store/types.ts';
import { byText, md } from '../format.ts';
import type { Table } from '../views.ts';
import type { SectionContext } from './context.ts';
import { experimentFile } from './header.ts';
import { distinctTrials } from './timing.ts';

/** What took a training trial's first-layer products, in words. */
function firstLayerKernel(r: StoredResult & { kind: 'train' }): string {
  switch (r.kernel) {
    case undefined:
      return 'not recorded';
    case 'amx-bf16x3':
      return 'AMX tiles on the uint8 pixels, three bfloat16 parts a float32 (float32 sums)';
    case 'avx512':
      return 'AVX-512 vector kernels';
    case 'avx2':
      return 'AVX2 vector kernels';
    case 'blas':
      return 'OpenBLAS (sgemm/dgemm)';
    default:
      return r.kernel;
  }
}

export function provenanceTable(ctx: SectionContext): Table {
  const { g, exp, plan } = ctx;
  const results = [...g.stored.values()].map((s) => s.result);
  // Every distinct value among the stored trials, so a mixed store shows its mix.
  const distinctOf = <R>(list: R[], f: (r: R) => string) => [...new Set(list.map(f))].sort(byText).join('; ');
  const distinct = (f: (r: StoredResult) => string) => distinctOf(results, f);
  const trained = results.filter((r) => r.kind === 'train');
  const started = results.map((r) => r.startedAt).sort(byText)[0];
  const finished = results
    .map((r) => r.finishedAt)
    .sort(byText)
    .at(-1);
  return {
    header: ['what', 'value'],
    align: ['l', 'l'],
    rows: [
      ['experiment file', md(experimentFile(ctx))],
      [
        'config hash',
        md(`${sha256(canonicalJson(exp.value)).slice(0, 16)} (sha256 of the resolved configuration, canonical JSON)`),
      ],
      ['code version', md(distinct((r) => r.codeVersion))],
      ['engine version', md(distinct((r) => r.engineVersion))],
      ['data fingerprint', md(distinct((r) => r.dataFingerprint))],
      ['data', md(distinct((r) => r.data))],
      [
        'machine',
        md(distinct((r) => `${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.os}, Node ${r.machine.node}`)),
      ],
      [
        'BLAS',
        md(
          distinct((r) =>
            r.blas ? `OpenBLAS ${r.blas.version}, ${r.blas.core} kernels (${r.blas.reason})` : 'not recorded',
          ),
        ),
      ],
      ['first-layer kernel', md(distinctOf(trained, firstLayerKernel) || 'no training trials')],
      ['kernel level', md(distinctOf(trained, (r) => r.kernelLevel ?? 'not recorded') || 'no training trials')],
      ['threads per trial', md(distinct((r) => String(r.threads)))],
      [
        'trials',
        md(
          `${g.stored.size} stored of ${distinctTrials(ctx)} planned${plan.pending.length ? `, ${plan.pending.length} to be planned once earlier stages finish` : ''}`,
        ),
      ],
      ['runs made', md(`${started} … ${finished}`)],
    ],
  };
}
