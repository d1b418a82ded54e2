/**
 * Byteshuffle (filter 9): Blosc's shuffle. Byte j of every value goes to plane j; bytes of a trailing
 * partial value stay in place. Value width is that of the filter's input type.
 */
import { type FilterCodec, FilterType } from "./filter.js";
import { forwardParts, reverseParts } from "./shuffle-parts.js";
import { typeSize } from "./util.js";

export function byteShuffle(src: Uint8Array, dst: Uint8Array, width: number): void {
  const n = Math.floor(src.byteLength / width);
  if (width === 1 || n === 0) {
    dst.set(src);
    return;
  }
  if (width === 4 && n % 4 === 0 && src.byteOffset % 4 === 0 && dst.byteOffset % 4 === 0) {
    // The inverse 4x4 byte transpose of byteUnshuffle's hot path.
    const s = new Uint32Array(src.buffer, src.byteOffset, n);
    const d = new Uint32Array(dst.buffer, dst.byteOffset, n);
    const q = n >>> 2;
    for (let k = 0; k < q; k++) {
      const o = k << 2;
      const a = s[o];
      const b = s[o + 1];
      const c = s[o + 2];
      const e = s[o + 3];
      d[k] = (a & 0xff) | ((b & 0xff) << 8) | ((c & 0xff) << 16) | (e << 24);
      d[q + k] = ((a >>> 8) & 0xff) | (b & 0xff00) | ((c & 0xff00) << 8) | ((e >>> 8) << 24);
      d[2 * q + k] = ((a >>> 16) & 0xff) | ((b >>> 8) & 0xff00) | (c & 0xff0000) | ((e >>> 16) << 24);
      d[3 * q + k] = (a >>> 24) | ((b >>> 16) & 0xff00) | ((c >>> 8) & 0xff0000) | ((e >>> 24) << 24);
    }
    return;
  }
  for (let j = 0; j < width; j++) {
    const plane = j * n;
    for (let i = 0; i < n; i++) dst[plane + i] = src[i * width + j];
  }
  const tail = n * width;
  if (tail < src.byteLength) dst.set(src.subarray(tail), tail);
}

export function byteUnshuffle(src: Uint8Array, dst: Uint8Array, width: number): void {
  const n = Math.floor(src.byteLength / width);
  if (width === 1 || n === 0) {
    dst.set(src);
    return;
  }
  if (width === 4 && n % 4 === 0 && src.byteOffset % 4 === 0 && dst.byteOffset % 4 === 0) {
    // Hot path (float32/int32 tiles): load 4 bytes of each plane at once and transpose the 4x4 bytes
    // in registers; four 32-bit loads and stores per four values (little-endian host).
    const s = new Uint32Array(src.buffer, src.byteOffset, n);
    const d = new Uint32Array(dst.buffer, dst.byteOffset, n);
    const q = n >>> 2;
    const p1 = q;
    const p2 = 2 * q;
    const p3 = 3 * q;
    for (let k = 0; k < q; k++) {
      const a = s[k];
      const b = s[p1 + k];
      const c = s[p2 + k];
      const e = s[p3 + k];
      const o = k << 2;
      d[o] = (a & 0xff) | ((b & 0xff) << 8) | ((c & 0xff) << 16) | (e << 24);
      d[o + 1] = ((a >>> 8) & 0xff) | (b & 0xff00) | ((c & 0xff00) << 8) | ((e >>> 8) << 24);
      d[o + 2] = ((a >>> 16) & 0xff) | ((b >>> 8) & 0xff00) | (c & 0xff0000) | ((e >>> 16) << 24);
      d[o + 3] = (a >>> 24) | ((b >>> 16) & 0xff00) | ((c >>> 8) & 0xff0000) | ((e >>> 24) << 24);
    }
  } else if (width === 4 && dst.byteOffset % 4 === 0) {
    const out = new Uint32Array(dst.buffer, dst.byteOffset, n);
    const p1 = n;
    const p2 = 2 * n;
    const p3 = 3 * n;
    for (let i = 0; i < n; i++) out[i] = src[i] | (src[p1 + i] << 8) | (src[p2 + i] << 16) | (src[p3 + i] << 24);
  } else if (width === 8 && n % 4 === 0 && src.byteOffset % 4 === 0 && dst.byteOffset % 4 === 0) {
    // int64/float64 tiles: the same 4x4 transposes, planes 0-3 give the low words, planes 4-7 the high words.
    const s = new Uint32Array(src.buffer, src.byteOffset, 2 * n);
    const d = new Uint32Array(dst.buffer, dst.byteOffset, 2 * n);
    const q = n >>> 2;
    for (let k = 0; k < q; k++) {
      const o = k << 3;
      for (let half = 0; half < 2; half++) {
        const base = 4 * half * q + k;
        const a = s[base];
        const b = s[base + q];
        const c = s[base + 2 * q];
        const e = s[base + 3 * q];
        d[o + half] = (a & 0xff) | ((b & 0xff) << 8) | ((c & 0xff) << 16) | (e << 24);
        d[o + 2 + half] = ((a >>> 8) & 0xff) | (b & 0xff00) | ((c & 0xff00) << 8) | ((e >>> 8) << 24);
        d[o + 4 + half] = ((a >>> 16) & 0xff) | ((b >>> 8) & 0xff00) | (c & 0xff0000) | ((e >>> 16) << 24);
        d[o + 6 + half] = (a >>> 24) | ((b >>> 16) & 0xff00) | ((c >>> 8) & 0xff0000) | ((e >>> 24) << 24);
      }
    }
  } else if (width === 8 && dst.byteOffset % 4 === 0) {
    const out = new Uint32Array(dst.buffer, dst.byteOffset, 2 * n);
    for (let i = 0; i < n; i++) {
      out[2 * i] = src[i] | (src[n + i] << 8) | (src[2 * n + i] << 16) | (src[3 * n + i] << 24);
      out[2 * i + 1] = src[4 * n + i] | (src[5 * n + i] << 8) | (src[6 * n + i] << 16) | (src[7 * n + i] << 24);
    }
  } else {
    for (let j = 0; j < width; j++) {
      const plane = j * n;
      for (let i = 0; i < n; i++) dst[i * width + j] = src[plane + i];
    }
  }
  const tail = n * width;
  if (tail < src.byteLength) dst.set(src.subarray(tail), tail);
}

export const byteshuffleCodec: FilterCodec = {
  type: FilterType.BYTESHUFFLE,
  name: "byteshuffle",
  forward(data, metadata, _spec, step) {
    const w = typeSize(step.type);
    return forwardParts(data, metadata, (p, o) => byteShuffle(p, o, w));
  },
  reverse(data, metadata, _spec, step, out) {
    const w = typeSize(step.type);
    return reverseParts(data, metadata, step, "byteshuffle", (p, o) => byteUnshuffle(p, o, w), out);
  },
};
