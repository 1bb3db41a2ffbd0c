// Learnt weights of a one-layer network as images, one per class, and the tiny PNG encoder that
// writes them (8-bit RGB, no filter, zlib level 9, no timestamps: the same weights give the same bytes).
import { deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One PNG chunk: length, type, data, CRC. */
export function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Encodes `rgb` (width·height·3 bytes, row-major) as a PNG. */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  if (rgb.length !== width * height * 3)
    throw new RangeError(`encodePng: expected ${width * height * 3} bytes, got ${rgb.length}`);
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0; // filter: none
    Buffer.from(rgb.buffer, rgb.byteOffset + y * width * 3, width * 3).copy(raw, y * (width * 3 + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/**
 * One image per class from W (C × D, row-major). D = 3072: 32×32 colour, channel-planar
 * (1024 R, 1024 G, 1024 B, rows of 32); D = 784: 28×28 grey. Each image is rescaled to [0, 1] on
 * its own (min → 0, max → 1) and enlarged `scale` times by repeating pixels.
 */
export function weightImages(
  W: ArrayLike<number>,
  classes: number,
  d: number,
  scale = 4,
): { width: number; height: number; png: Buffer }[] | null {
  const side = d === 3072 ? 32 : d === 784 ? 28 : 0;
  if (!side || W.length !== classes * d) return null;
  const channels = d === 3072 ? 3 : 1;
  const out: { width: number; height: number; png: Buffer }[] = [];
  for (let c = 0; c < classes; c++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < d; i++) {
      const v = W[c * d + i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const span = hi - lo || 1;
    const size = side * scale;
    const rgb = new Uint8Array(size * size * 3);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const pixel = Math.floor(y / scale) * side + Math.floor(x / scale);
        for (let k = 0; k < 3; k++) {
          const v = W[c * d + (channels === 3 ? k * side * side : 0) + pixel];
          rgb[(y * size + x) * 3 + k] = Math.round(((v - lo) / span) * 255);
        }
      }
    }
    out.push({ width: size, height: size, png: encodePng(size, size, rgb) });
  }
  return out;
}
