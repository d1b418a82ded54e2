/**
 * Byteshuffle (filter 9): Blosc's shuffle. Byte j of every value goes to plane j; bytes of a trailing
 * partial value stay in place. Value width is that of the filter's input type.
 */
import { FilterType, type FilterCodec } from "./filter.js";
import { forwardParts, reverseParts } from "./shuffle-parts.js";
import { typeSize } from "./util.js";

export function byteShuffle(src: Uint8Array, dst: Uint8Array, width: number): void {
  const n = Math.floor(src.byteLength / width);
  if (width === 1 || n === 0) {
    dst.set(src);
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
  if (width === 4 && dst.byteOffset % 4 === 0) {
    // Hot path (float32/int32 tiles): assemble each value in one 32-bit store (little-endian host).
    const out = new Uint32Array(dst.buffer, dst.byteOffset, n);
    const p1 = n;
    const p2 = 2 * n;
    const p3 = 3 * n;
    for (let i = 0; i < n; i++) out[i] = src[i] | (src[p1 + i] << 8) | (src[p2 + i] << 16) | (src[p3 + i] << 24);
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
