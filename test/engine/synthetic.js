// Seeded synthetic data for the engine tests, in plain JavaScript so that level-probe.js (run by
// node without a TypeScript loader, also under qemu-user) and the TypeScript tests share it;
// synthetic.d.ts gives its types.

/** A seeded generator of uniform values in [0, 1) (mulberry32). */
export function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n images of d pixels in 0 … 255: a prototype per class plus noise, clipped. */
export function rawPixels(n, d, classes, seed) {
  const proto = generator(1000);
  const protos = Array.from({ length: classes }, () => Array.from({ length: d }, () => 40 + proto() * 170));
  const r = generator(seed);
  const x = new Uint8Array(n * d);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % classes;
    for (let k = 0; k < d; k++)
      x[i * d + k] = Math.max(0, Math.min(255, Math.round(protos[y[i]][k] + (r() - 0.5) * 160)));
  }
  return { x, y, n, d, classes: [], fingerprint: '', files: [] };
}
