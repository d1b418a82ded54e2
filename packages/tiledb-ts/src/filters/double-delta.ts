/**
 * Double delta (filter 6, format spec filters/double_delta.md):
 * [bitsize u8][count u64][v0][v1] then, for each later value, a sign bit and `bitsize` bits of
 * |(v[i]-v[i-1]) - (v[i-1]-v[i-2])|, packed most-significant-bit first into little-endian uint64 words.
 * When the packing would save nothing (bitsize >= width-1) the values follow the header unchanged.
 */
import { TileDBError } from "../errors.js";
import { FilterType, type FilterStep } from "./filter.js";
import { compressionCodec } from "./compression.js";
import { deltaKind, deltaType } from "./delta.js";
import { corrupt, intArrayCtor, viewAs, type IntKind } from "./util.js";

/** MSB-first bit writer over 64-bit little-endian words: stream bit k is bit 63-(k%64) of word k/64. */
class BitWriter {
  bytes: Uint8Array;
  bit = 0;
  constructor(capacityBits: number) {
    this.bytes = new Uint8Array(Math.ceil(capacityBits / 64) * 8 + 8);
  }
  put(b: number): void {
    if (b) {
      const p = 63 - (this.bit & 63);
      this.bytes[(this.bit >>> 6) * 8 + (p >>> 3)] |= 1 << (p & 7);
    }
    this.bit++;
  }
  putNumber(v: number, nbits: number): void {
    for (let j = nbits - 1; j >= 0; j--) this.put(Math.floor(v / 2 ** j) % 2);
  }
  putBig(v: bigint, nbits: number): void {
    for (let j = nbits - 1; j >= 0; j--) this.put(Number((v >> BigInt(j)) & 1n));
  }
  /** Bytes written, padded to a whole word. */
  finish(): Uint8Array {
    return this.bytes.subarray(0, Math.ceil(this.bit / 64) * 8);
  }
}

class BitReader {
  bit = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly step: FilterStep,
  ) {}
  get(): number {
    const w = this.bit >>> 6;
    if (w * 8 + 8 > this.bytes.byteLength) throw corrupt(this.step, "double delta", "bit stream ends early");
    const p = 63 - (this.bit & 63);
    this.bit++;
    return (this.bytes[w * 8 + (p >>> 3)] >>> (p & 7)) & 1;
  }
  getNumber(nbits: number): number {
    let v = 0;
    for (let j = 0; j < nbits; j++) v = v * 2 + this.get();
    return v;
  }
  getBig(nbits: number): bigint {
    let v = 0n;
    for (let j = 0; j < nbits; j++) v = (v << 1n) | BigInt(this.get());
    return v;
  }
}

function bitsOf(maxAbs: number | bigint): number {
  let bits = 0;
  let m = BigInt(maxAbs);
  do {
    bits++;
    m >>= 1n;
  } while (m > 0n);
  return bits;
}

export function doubleDeltaCompress(input: Uint8Array, kind: IntKind, step: FilterStep): Uint8Array {
  if (input.byteLength % kind.size !== 0) {
    throw new TileDBError("FILTER_INPUT", `${step.what}: double delta input of ${input.byteLength} bytes is not a whole number of ${kind.size}-byte values`);
  }
  const n = input.byteLength / kind.size;
  const big = kind.size === 8;
  const vals: ArrayLike<number | bigint> = big ? (kind.signed ? viewAs(input, BigInt64Array) : viewAs(input, BigUint64Array)) : viewAs(input, intArrayCtor(kind));
  // Bit size: widest of |first delta| and every |double delta|.
  let bitsize = 0;
  if (n > 2) {
    if (big) {
      const v = vals as BigInt64Array | BigUint64Array;
      const MIN = -(1n << 63n);
      const MAX = (1n << 63n) - 1n;
      let max = 0n;
      let prev = 0n;
      for (let i = 1; i < n; i++) {
        const d = v[i] - v[i - 1];
        if (d < MIN || d > MAX) throw new TileDBError("FILTER_INPUT", `${step.what}: double delta: delta exceeds the int64 range`);
        if (i > 1) {
          const dd = d - prev;
          if (dd < MIN || dd > MAX) throw new TileDBError("FILTER_INPUT", `${step.what}: double delta: double delta exceeds the int64 range`);
          const a = dd < 0n ? -dd : dd;
          if (a > max) max = a;
        } else max = d < 0n ? -d : d;
        prev = d;
      }
      bitsize = bitsOf(max);
    } else {
      const v = vals as ArrayLike<number>;
      let max = 0;
      let prev = 0;
      for (let i = 1; i < n; i++) {
        const d = v[i] - v[i - 1];
        max = i > 1 ? Math.max(max, Math.abs(d - prev)) : Math.abs(d);
        prev = d;
      }
      bitsize = bitsOf(max);
    }
  }
  const head = new Uint8Array(9);
  head[0] = bitsize;
  new DataView(head.buffer).setBigUint64(1, BigInt(n), true);
  if (bitsize >= kind.size * 8 - 1) {
    const out = new Uint8Array(9 + input.byteLength);
    out.set(head);
    out.set(input, 9);
    return out;
  }
  const firstBytes = Math.min(n, 2) * kind.size;
  const w = new BitWriter(Math.max(0, n - 2) * (bitsize + 1));
  if (big) {
    const v = vals as BigInt64Array | BigUint64Array;
    let prev = n > 1 ? v[1] - v[0] : 0n;
    for (let i = 2; i < n; i++) {
      const d = v[i] - v[i - 1];
      const dd = d - prev;
      w.put(dd < 0n ? 1 : 0);
      w.putBig(dd < 0n ? -dd : dd, bitsize);
      prev = d;
    }
  } else {
    const v = vals as ArrayLike<number>;
    let prev = n > 1 ? v[1] - v[0] : 0;
    for (let i = 2; i < n; i++) {
      const d = v[i] - v[i - 1];
      const dd = d - prev;
      w.put(dd < 0 ? 1 : 0);
      w.putNumber(Math.abs(dd), bitsize);
      prev = d;
    }
  }
  const bits = w.finish();
  const out = new Uint8Array(9 + firstBytes + bits.byteLength);
  out.set(head);
  out.set(input.subarray(0, firstBytes), 9);
  out.set(bits, 9 + firstBytes);
  return out;
}

export function doubleDeltaDecompress(input: Uint8Array, out: Uint8Array, kind: IntKind, step: FilterStep): void {
  if (input.byteLength < 9) throw corrupt(step, "double delta", "missing header");
  const bitsize = input[0];
  const n = Number(new DataView(input.buffer, input.byteOffset + 1, 8).getBigUint64(0, true));
  if (n * kind.size !== out.byteLength) throw corrupt(step, "double delta", `${n} values do not fill ${out.byteLength} bytes`);
  const body = input.subarray(9);
  if (bitsize >= kind.size * 8 - 1) {
    if (body.byteLength < out.byteLength) throw corrupt(step, "double delta", "values truncated");
    out.set(body.subarray(0, out.byteLength));
    return;
  }
  const firstBytes = Math.min(n, 2) * kind.size;
  if (body.byteLength < firstBytes) throw corrupt(step, "double delta", "first values truncated");
  out.set(body.subarray(0, firstBytes));
  if (n <= 2) return;
  const r = new BitReader(body.subarray(firstBytes), step);
  if (kind.size === 8) {
    const dst = viewAs(out, BigInt64Array);
    let a = dst[0];
    let b = dst[1];
    for (let i = 2; i < n; i++) {
      const neg = r.get();
      const mag = bitsize > 52 ? r.getBig(bitsize) : BigInt(r.getNumber(bitsize));
      const v = BigInt.asIntN(64, (neg ? -mag : mag) + 2n * b - a);
      dst[i] = v;
      a = b;
      b = v;
    }
    if (dst.buffer !== out.buffer) out.set(new Uint8Array(dst.buffer));
  } else {
    const Ctor = intArrayCtor(kind);
    const aligned = out.byteOffset % kind.size === 0;
    const dst = aligned ? new Ctor(out.buffer as ArrayBuffer, out.byteOffset, n) : new Ctor(n);
    if (!aligned) new Uint8Array(dst.buffer).set(out.subarray(0, firstBytes));
    let a = dst[0];
    let b = dst[1];
    for (let i = 2; i < n; i++) {
      const neg = r.get();
      const mag = r.getNumber(bitsize);
      dst[i] = (neg ? -mag : mag) + 2 * b - a; // wraps to the value width on store
      a = b;
      b = dst[i];
    }
    if (!aligned) out.set(new Uint8Array(dst.buffer));
  }
}

export const doubleDeltaCodec = compressionCodec(
  FilterType.DOUBLE_DELTA,
  "double delta",
  {
    compress: (part, spec, step) => doubleDeltaCompress(part, deltaKind(spec, step, "double delta"), step),
    decompress: (input, out, spec, step) => doubleDeltaDecompress(input, out, deltaKind(spec, step, "double delta"), step),
  },
  undefined,
  (input, spec) => deltaType(spec, input),
);
