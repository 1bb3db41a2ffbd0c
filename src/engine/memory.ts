// Bytes the native engine allocates for one training run, counted buffer by buffer as
// native/network.h and native/train.cpp allocate them (a change there must change this). The
// runner adds the data splits and the process around it (src/runner/memory.ts).
import { AMX_KERNEL } from './first-layer.ts';

export interface EngineShape {
  /** [D, H1 … Hk−1, C] */
  sizes: number[];
  batchNorm: boolean;
  dropout: number;
  precision: 'float32' | 'float64';
  momentum: number;
  batchSize: number;
  /** Training rows (the shuffle order holds one index each). */
  trainRows: number;
  /** The largest split evaluated (record subset, validation, whole training split at the end). */
  evaluatedRows: number;
  augment: boolean;
  /** The first layer's kernel (first-layer.ts: firstLayerKernel); "amx-bf16x3" adds its buffers. */
  kernel: string;
}

export interface EngineBytes {
  /** Parameters, and the running BN statistics beside them. */
  parameters: number;
  gradients: number;
  momentum: number;
  /** Forward activations and backward buffers of one mini-batch, and the gathered batch itself. */
  activations: number;
  /** The two (chunk, widest layer) buffers of evaluation in chunks of 1000 rows. */
  evaluation: number;
  /**
   * The first layer on AMX (native/amx.h): the batch's pixels as bfloat16 in two layouts, W·scale's
   * three packed parts, δ's three parts. Counted where the kernel is "amx-bf16x3", 0 otherwise.
   */
  firstLayer: number;
  /** The shuffle order, and the saved model (made while the network still exists). */
  other: number;
  total: number;
}

/** Rows evaluated at once (Network::kEvalChunk), and their blocks on AMX (kEvalBlock). */
const EVAL_CHUNK = 1000;
const EVAL_BLOCK = 100;

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

/** amx::FirstLayer's buffers for D inputs, H units, batches of B (native/amx.h). */
function amxBytes(D: number, H: number, B: number, evaluatedRows: number): number {
  const Dp = roundUp(D, 32);
  const tiles = Math.ceil(H / 16);
  const Bk = roundUp(B, 32);
  const rows = roundUp(Math.max(B, Math.min(evaluatedRows, EVAL_BLOCK)), 16);
  return (
    3 * tiles * (Dp / 32) * 256 * 4 + // Wt: 3 parts × unit tiles × K blocks × 16 × 16 dwords
    rows * Dp * 2 + // P
    (Bk / 2) * Dp * 4 + // Q
    3 * tiles * (Bk / 32) * 16 * 32 * 2 + // dT
    H * Bk * 4 + // δᵀ before its split
    4 * D + // the shift for centred pixels
    8 * H + // Σ_d W·c of up to 2 threads
    8 * (B + EVAL_BLOCK) // the rows' pointers
  );
}

export function engineBytes(s: EngineShape): EngineBytes {
  const T = s.precision === 'float64' ? 8 : 4;
  const B = s.batchSize;
  const L = s.sizes.length - 1;
  const widest = Math.max(...s.sizes.slice(1));
  let params = 0;
  let stats = 0;
  let work = 0;
  for (let l = 0; l < L; l++) {
    const I = s.sizes[l];
    const H = s.sizes[l + 1];
    const hidden = l < L - 1;
    const bn = hidden && s.batchNorm;
    params += H * I + (bn ? 2 * H : H); // W (H, I); b (H), or γ and β (H) with BN
    if (bn) stats += 2 * H; // running mean and var
    work += B * H; // s: pre-activation (B, H)
    if (hidden) work += B * H; // h: ReLU output
    if (hidden && s.dropout > 0) work += 2 * B * H; // a and mask
    if (bn) work += 2 * B * H + 5 * H; // z, shat; mean, var, rstd, sum1, sum2
  }
  const C = s.sizes[L];
  const D = s.sizes[0];
  work += B * C + 2 * B * widest; // probs; d0, d1
  work += B * D + (s.augment ? 3072 : 0); // xb, the gathered batch (and one augmented image)
  const chunk = Math.min(Math.max(1, s.evaluatedRows), EVAL_CHUNK);
  const evaluation = (2 * chunk * widest + (T === 8 ? chunk * D : 0)) * T;
  const modelBytes = (params + stats) * T;
  const out = {
    parameters: (params + stats) * T,
    gradients: params * T,
    momentum: s.momentum > 0 ? params * T : 0,
    activations: work * T + B,
    evaluation,
    firstLayer: s.kernel === AMX_KERNEL ? amxBytes(D, s.sizes[1], B, s.evaluatedRows) : 0,
    other: 8 * s.trainRows + modelBytes,
  };
  return {
    ...out,
    total:
      out.parameters + out.gradients + out.momentum + out.activations + out.evaluation + out.firstLayer + out.other,
  };
}

/** 1.5 GB, 212 MB, 96 kB: three significant figures at most, decimal units. */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v >= 100 ? Math.round(v) : Number(v.toPrecision(3))} ${units[i]}`;
}
