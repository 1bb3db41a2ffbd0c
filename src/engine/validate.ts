// Argument checks of the engine's door: what the native code assumes (lengths, ranges, labels),
// thrown as TypeError (wrong type or length) or RangeError (a value out of range), each naming the
// argument and the value it got. Config rules across fields belong to src/config, not here.
import type { GradientCheckOptions, Model, NetworkSpec, Split, TrainOptions } from './types.ts';
import { readModel } from './model.ts';
import { EngineError } from '../errors.ts';

const show = (v: unknown) =>
  typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? `[${v.join(', ')}]` : String(v);

function finite(name: string, v: unknown, lo: number, hi: number, { loOpen = false, hiOpen = false } = {}): void {
  if (typeof v !== 'number') throw new TypeError(`${name} must be a number; got ${show(v)}`);
  const ok = Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
  if (!ok)
    throw new RangeError(
      `${name} must be a finite number in ${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}; got ${show(v)}`,
    );
}
function integer(name: string, v: unknown, lo: number, hi = 2 ** 31 - 1): void {
  if (typeof v !== 'number') throw new TypeError(`${name} must be a number; got ${show(v)}`);
  if (!Number.isInteger(v) || v < lo || v > hi)
    throw new RangeError(`${name} must be an integer in [${lo}, ${hi}]; got ${show(v)}`);
}
function oneOf(name: string, v: unknown, allowed: readonly string[]): void {
  if (v !== undefined && !allowed.includes(v as string))
    throw new RangeError(`${name} must be one of ${allowed.map((a) => `"${a}"`).join(', ')}; got ${show(v)}`);
}

export function checkNetwork(name: string, net: NetworkSpec): void {
  if (!net || typeof net !== 'object') throw new TypeError(`${name} must be an object; got ${show(net)}`);
  if (!Array.isArray(net.sizes) || net.sizes.length < 2)
    throw new TypeError(`${name}.sizes must be an array [D, H1 … C] of at least 2 sizes; got ${show(net.sizes)}`);
  net.sizes.forEach((s, i) =>
    integer(`${name}.sizes[${i}]`, s, i === net.sizes.length - 1 ? 2 : 1, i === net.sizes.length - 1 ? 256 : 1 << 24),
  );
  if (typeof net.batchNorm !== 'boolean')
    throw new TypeError(`${name}.batchNorm must be a boolean; got ${show(net.batchNorm)}`);
  if (net.bnAlpha !== undefined) finite(`${name}.bnAlpha`, net.bnAlpha, 0, 1, { hiOpen: true });
  if (!net.init || typeof net.init !== 'object')
    throw new TypeError(`${name}.init must be an object like { kind: "he" }; got ${show(net.init)}`);
  oneOf(`${name}.init.kind`, net.init.kind, ['normal', 'fan_in', 'he', 'xavier']);
  if (net.init.kind === 'normal') finite(`${name}.init.sigma`, net.init.sigma, 0, 10, { loOpen: true });
  if (net.dropout !== undefined) finite(`${name}.dropout`, net.dropout, 0, 1, { hiOpen: true });
  oneOf(`${name}.loss`, net.loss, ['cross_entropy', 'svm']);
}

export function checkTrainOptions(o: TrainOptions): void {
  if (!o || typeof o !== 'object') throw new TypeError(`options must be an object; got ${show(o)}`);
  checkNetwork('options.network', o.network);
  integer('options.seed', o.seed, 0, 2 ** 53 - 1);
  integer('options.batchSize', o.batchSize, 1);
  finite('options.lambda', o.lambda, 0, 1e6);
  if (o.momentum !== undefined) finite('options.momentum', o.momentum, 0, 1, { hiOpen: true });
  oneOf('options.precision', o.precision, ['float32', 'float64']);
  integer('options.totalSteps', o.totalSteps, 1, 2 ** 40);
  if (o.shuffle !== undefined && typeof o.shuffle !== 'boolean')
    throw new TypeError(`options.shuffle must be a boolean; got ${show(o.shuffle)}`);
  integer('options.recordEvery', o.recordEvery, 1, 2 ** 40);
  if (o.recordSubset !== undefined) integer('options.recordSubset', o.recordSubset, 0, 2 ** 40);
  if (o.threads !== undefined) integer('options.threads', o.threads, 1, 256);
  const a = o.augmentation;
  if (a !== undefined) {
    if (a.noise !== undefined) finite('options.augmentation.noise', a.noise, 0, 100);
    if (a.flip !== undefined && typeof a.flip !== 'boolean')
      throw new TypeError(`options.augmentation.flip must be a boolean; got ${show(a.flip)}`);
    if (a.translate !== undefined) integer('options.augmentation.translate', a.translate, 0, 16);
  }
  const s = o.schedule;
  if (!s || typeof s !== 'object') throw new TypeError(`options.schedule must be an object; got ${show(s)}`);
  oneOf('options.schedule.kind', s.kind, ['constant', 'step', 'cyclic', 'lr_range']);
  if (s.kind === 'constant' || s.kind === 'step') finite('options.schedule.eta', s.eta, 0, 100, { loOpen: true });
  if (s.kind === 'step') {
    finite('options.schedule.factor', s.factor, 0, 1, { loOpen: true });
    finite('options.schedule.everyEpochs', s.everyEpochs, 0, 1e9, { loOpen: true });
  }
  if (s.kind === 'cyclic' || s.kind === 'lr_range') {
    finite('options.schedule.etaMin', s.etaMin, 0, 100);
    finite('options.schedule.etaMax', s.etaMax, 0, 100, { loOpen: true });
    if (!(s.etaMin < s.etaMax))
      throw new RangeError(`options.schedule.etaMax must be greater than etaMin (${s.etaMin}); got ${s.etaMax}`);
  }
  if (s.kind === 'cyclic') {
    integer('options.schedule.stepSize', s.stepSize, 1, 2 ** 40);
    oneOf('options.schedule.policy', s.policy, ['triangular', 'triangular2', 'exp_range']);
    // No default: γ means something only to exp_range, and a value chosen here could differ from the schema's.
    if (s.policy === 'exp_range' || s.gamma !== undefined)
      finite('options.schedule.gamma', s.gamma, 0, 1, { loOpen: true });
  }
  if (s.kind === 'lr_range') {
    oneOf('options.schedule.curve', s.curve, ['linear', 'exponential']);
    if (s.curve === 'exponential' && !(s.etaMin > 0))
      throw new RangeError(`options.schedule.etaMin must be > 0 for an exponential LR range test; got ${s.etaMin}`);
  }
}

export function checkGradientCheck(o: Pick<GradientCheckOptions, 'network' | 'lambda' | 'seed' | 'h' | 'eps'>): void {
  checkNetwork('options.network', o.network);
  finite('options.lambda', o.lambda, 0, 1e6);
  integer('options.seed', o.seed, 0, 2 ** 53 - 1);
  if (o.h !== undefined) finite('options.h', o.h, 0, 1, { loOpen: true });
  if (o.eps !== undefined) finite('options.eps', o.eps, 0, 1, { loOpen: true });
}

/** x, y, n, d consistent; every label a class 0 … classes−1; d as the network expects. */
export function checkSplit(name: string, data: Split, d: number, classes: number): void {
  if (!data || typeof data !== 'object')
    throw new TypeError(`${name} must be a split { x, y, n, d }; got ${show(data)}`);
  integer(`${name}.n`, data.n, 1, 2 ** 31 - 1);
  integer(`${name}.d`, data.d, 1, 1 << 24);
  if (data.d !== d)
    throw new RangeError(`${name}.d must equal the network's input size sizes[0] = ${d}; got ${data.d}`);
  if (!(data.x instanceof Float32Array))
    throw new TypeError(
      `${name}.x must be a Float32Array; got ${data.x === null ? 'null' : ((data.x as object)?.constructor?.name ?? typeof data.x)}`,
    );
  if (data.x.length !== data.n * data.d)
    throw new TypeError(
      `${name}.x must hold n·d = ${data.n}·${data.d} = ${data.n * data.d} values; got ${data.x.length}`,
    );
  if (!(data.y instanceof Uint8Array))
    throw new TypeError(
      `${name}.y must be a Uint8Array; got ${data.y === null ? 'null' : ((data.y as object)?.constructor?.name ?? typeof data.y)}`,
    );
  if (data.y.length !== data.n) throw new TypeError(`${name}.y must hold n = ${data.n} labels; got ${data.y.length}`);
  if (data.pixels !== undefined || data.scale !== undefined || data.shift !== undefined) {
    const want = [
      ['pixels', Uint8Array, data.n * data.d, 'n·d'],
      ['scale', Float32Array, data.d, 'd'],
      ['shift', Float32Array, data.d, 'd'],
    ] as const;
    for (const [key, type, length, what] of want) {
      const v = data[key];
      if (!(v instanceof type))
        throw new TypeError(
          `${name}.${key} must be a ${type.name} (pixels, scale and shift come together); got ${show(v)}`,
        );
      if (v.length !== length)
        throw new TypeError(`${name}.${key} must hold ${what} = ${length} values; got ${v.length}`);
    }
  }
  for (let i = 0; i < data.n; i++)
    if (data.y[i] >= classes)
      throw new RangeError(`${name}.y[${i}] must be a class label in [0, ${classes - 1}]; got ${data.y[i]}`);
}

export function checkModel(model: Uint8Array): Model {
  if (!(model instanceof Uint8Array))
    throw new TypeError(`model must be a Uint8Array (NNLB bytes); got ${show(model)}`);
  try {
    return readModel(model);
  } catch (err) {
    if (err instanceof EngineError) throw new TypeError(err.message, { cause: err });
    throw err;
  }
}
