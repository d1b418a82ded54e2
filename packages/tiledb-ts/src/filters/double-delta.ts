/**
 * Double delta (filter 6, format spec filters/double_delta.md):
 * [bitsize u8][count u64][v0][v1] then, for each later value, a sign bit and `bitsize` bits of
 * |(v[i]-v[i-1]) - (v[i-1]-v[i-2])|, packed most-significant-bit first into little-endian uint64 words.
 * When the packing would save nothing (bitsize >= width-1) the values follow the header unchanged.
 */
import { TileDBError } from "../errors.js";
import { compressionCodec } from "./compression.js";
import { deltaKind, deltaType } from "./delta.js";
import { type FilterStep, FilterType } from "./filter.js";
import { corrupt, type IntKind, int64AsNumbers, intArrayCtor, viewAs } from "./util.js";

/**
 * The bit stream is most-significant-bit first within little-endian uint64 words: stream bit k is bit
 * 63-(k%64) of word k/64. Reversing the bytes of every word turns it into a plain big-endian bit stream,
 * which both sides below use, several bits per step.
 */
function swapWords(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  for (let w = 0; w + 8 <= bytes.byteLength; w += 8) for (let i = 0; i < 8; i++) out[w + i] = bytes[w + 7 - i];
  return out;
}

class BitWriter {
  bytes: Uint8Array;
  bit = 0;
  constructor(capacityBits: number) {
    this.bytes = new Uint8Array(Math.ceil(capacityBits / 64) * 8 + 8);
  }
  put(b: number): void {
    if (b) this.bytes[this.bit >>> 3] |= 0x80 >>> (this.bit & 7);
    this.bit++;
  }
  /** Writes the low `nbits` bits of `v` (a non-negative integer below 2^53), most significant first. */
  putNumber(v: number, nbits: number): void {
    let left = nbits;
    while (left > 0) {
      const room = 8 - (this.bit & 7);
      const take = Math.min(room, left);
      const shift = left - take;
      const chunk = shift >= 31 ? Math.floor(v / 2 ** shift) % 2 ** take : (v / 2 ** shift) & ((1 << take) - 1);
      this.bytes[this.bit >>> 3] |= (chunk & ((1 << take) - 1)) << (room - take);
      this.bit += take;
      left -= take;
    }
  }
  putBig(v: bigint, nbits: number): void {
    if (nbits <= 52) {
      this.putNumber(Number(v), nbits);
      return;
    }
    this.putNumber(Number(v >> 32n), nbits - 32);
    this.putNumber(Number(v & 0xffffffffn), 32);
  }
  /** Bytes written, padded to a whole word, in the on-disk word order. */
  finish(): Uint8Array {
    return swapWords(this.bytes.subarray(0, Math.ceil(this.bit / 64) * 8));
  }
}

class BitReader {
  bit = 0;
  readonly bytes: Uint8Array;
  constructor(
    words: Uint8Array,
    readonly step: FilterStep,
  ) {
    this.bytes = swapWords(words);
  }
  /** Reads one bit; the caller has checked the stream is long enough (see `doubleDeltaDecompress`). */
  get(): number {
    const b = (this.bytes[this.bit >>> 3] >>> (7 - (this.bit & 7))) & 1;
    this.bit++;
    return b;
  }
  /** Reads `nbits` (at most 52) bits as a number, most significant first. */
  getNumber(nbits: number): number {
    let v = 0;
    let left = nbits;
    while (left > 0) {
      const off = this.bit & 7;
      const avail = 8 - off;
      const take = Math.min(avail, left);
      v = v * (1 << take) + ((this.bytes[this.bit >>> 3] >>> (avail - take)) & ((1 << take) - 1));
      this.bit += take;
      left -= take;
    }
    return v;
  }
  getBig(nbits: number): bigint {
    if (nbits <= 52) return BigInt(this.getNumber(nbits));
    const hi = this.getNumber(nbits - 32);
    return (BigInt(hi) << 32n) | BigInt(this.getNumber(32));
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
    throw new TileDBError("E_WRITE_INPUT", `${step.what}: double delta input of ${input.byteLength} bytes is not a whole number of ${kind.size}-byte values`);
  }
  const n = input.byteLength / kind.size;
  // 64-bit values go through BigInt only when they do not fit exactly in numbers (deltas of values
  // within ±2^50 stay exact).
  const asNumbers = kind.size === 8 ? int64AsNumbers(input, kind.signed, 2 ** 50) : undefined;
  const big = kind.size === 8 && !asNumbers;
  const vals: ArrayLike<number | bigint> = big
    ? kind.signed
      ? viewAs(input, BigInt64Array)
      : viewAs(input, BigUint64Array)
    : (asNumbers ?? viewAs(input, intArrayCtor(kind)));
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
        if (d < MIN || d > MAX) throw new TileDBError("E_WRITE_INPUT", `${step.what}: double delta: delta exceeds the int64 range`);
        if (i > 1) {
          const dd = d - prev;
          if (dd < MIN || dd > MAX) throw new TileDBError("E_WRITE_INPUT", `${step.what}: double delta: double delta exceeds the int64 range`);
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
  const stream = body.subarray(firstBytes);
  // TileDB reads whole words, so the stream must hold every word a value's bits fall in; checking once
  // here keeps the per-value reads free of bounds checks.
  if (Math.ceil(((n - 2) * (bitsize + 1)) / 64) * 8 > stream.byteLength) throw corrupt(step, "double delta", "bit stream ends early");
  const r = new BitReader(stream, step);
  if (kind.size === 8) {
    const dst = viewAs(out, BigInt64Array);
    let a = dst[0];
    let b = dst[1];
    const LIMIT = 2 ** 52;
    let i = 2;
    // Fast path while every value stays within ±2^52 (offsets, coordinates): plain numbers, exact.
    if (bitsize <= 52 && a >= -BigInt(LIMIT) && a <= BigInt(LIMIT) && b >= -BigInt(LIMIT) && b <= BigInt(LIMIT)) {
      const words = new Uint32Array(dst.buffer, dst.byteOffset, 2 * n);
      let an = Number(a);
      let bn = Number(b);
      for (; i < n; i++) {
        const neg = r.get();
        const mag = r.getNumber(bitsize);
        const v = (neg ? -mag : mag) + 2 * bn - an;
        if (v > LIMIT || v < -LIMIT) {
          r.bit -= 1 + bitsize; // re-read this value on the BigInt path
          break;
        }
        // Two's complement halves of v, written without a BigInt.
        words[2 * i] = v >>> 0 === v ? v : ((v % 0x100000000) + 0x100000000) % 0x100000000;
        words[2 * i + 1] = Math.floor(v / 0x100000000) >>> 0;
        an = bn;
        bn = v;
      }
      a = BigInt(an);
      b = BigInt(bn);
    }
    for (; i < n; i++) {
      const neg = r.get();
      const mag = r.getBig(bitsize);
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
