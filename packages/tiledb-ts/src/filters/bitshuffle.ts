/**
 * Bitshuffle (filter 8): Blosc's bitshuffle in blocks of 8192 bytes. In a block of m values (m rounded down
 * to a multiple of 8) of w bytes, bit k of byte j of value i goes to bit i%8 of byte (j*8+k)*m/8 + i/8;
 * leftover bytes stay in place. Parts are first split so each has a multiple of 8 bytes (plus a remainder
 * part), and parts whose size is not a multiple of 8 and of the value width are stored as they are.
 */
import { ByteReader } from "../binary.js";
import { type FilterCodec, FilterType } from "./filter.js";
import { corrupt, outputBuffer, typeSize, u32Bytes } from "./util.js";

const BLOCK = 8192;

function shuffleBlock(src: Uint8Array, dst: Uint8Array, w: number, invert: boolean): void {
  const m = Math.floor(src.byteLength / w) & ~7;
  const rowBytes = m >>> 3;
  if (invert) dst.fill(0, 0, m * w);
  for (let j = 0; j < w; j++) {
    for (let k = 0; k < 8; k++) {
      const row = (j * 8 + k) * rowBytes;
      if (!invert) {
        for (let g = 0; g < rowBytes; g++) {
          let byte = 0;
          const base = g * 8 * w + j;
          for (let b = 0; b < 8; b++) byte |= ((src[base + b * w] >>> k) & 1) << b;
          dst[row + g] = byte;
        }
      } else {
        for (let g = 0; g < rowBytes; g++) {
          const byte = src[row + g];
          if (byte === 0) continue;
          const base = g * 8 * w + j;
          for (let b = 0; b < 8; b++) dst[base + b * w] |= ((byte >>> b) & 1) << k;
        }
      }
    }
  }
  const tail = m * w;
  if (tail < src.byteLength) dst.set(src.subarray(tail), tail);
}

function shufflePart(src: Uint8Array, dst: Uint8Array, w: number, invert: boolean): void {
  if (src.byteLength % w !== 0 || src.byteLength % 8 !== 0) {
    dst.set(src);
    return;
  }
  for (let o = 0; o < src.byteLength; o += BLOCK) {
    const e = Math.min(src.byteLength, o + BLOCK);
    shuffleBlock(src.subarray(o, e), dst.subarray(o, e), w, invert);
  }
}

export const bitshuffleCodec: FilterCodec = {
  type: FilterType.BITSHUFFLE,
  name: "bitshuffle",
  forward(data, metadata, _spec, step) {
    const w = typeSize(step.type);
    const parts: Uint8Array[] = [];
    for (const p of data) {
      const rem = p.byteLength % 8;
      if (rem === 0) parts.push(p);
      else parts.push(p.subarray(0, p.byteLength - rem), p.subarray(p.byteLength - rem));
    }
    let total = 0;
    for (const p of parts) total += p.byteLength;
    const out = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      shufflePart(p, out.subarray(o, o + p.byteLength), w, false);
      o += p.byteLength;
    }
    return { data: [out], metadata: [u32Bytes([parts.length, ...parts.map((p) => p.byteLength)]), ...metadata] };
  },
  reverse(data, metadata, _spec, step, out) {
    const w = typeSize(step.type);
    const md = new ByteReader(metadata, step.what);
    const n = md.u32();
    if (n * 4 > md.remaining) throw corrupt(step, "bitshuffle", `${n} parts but ${md.remaining} metadata bytes`);
    const sizes: number[] = [];
    let total = 0;
    for (let i = 0; i < n; i++) {
      sizes.push(md.u32());
      total += sizes[i];
    }
    if (total > data.byteLength) throw corrupt(step, "bitshuffle", `parts need ${total} bytes, chunk has ${data.byteLength}`);
    const dst = outputBuffer(out, total, step);
    let o = 0;
    for (const s of sizes) {
      shufflePart(data.subarray(o, o + s), dst.subarray(o, o + s), w, true);
      o += s;
    }
    return { data: dst, metadata: metadata.subarray(md.pos) };
  },
};
