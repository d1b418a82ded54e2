/**
 * Delta (filter 19, format spec filters/delta.md): [count u64][first value][deltas...], each delta stored
 * in the value width. Sums wrap in that width, so decoding does not depend on signedness.
 * The values' type is the filter's input type unless the "reinterpret datatype" option overrides it.
 */
import { Datatype } from "../datatype.js";
import { TileDBError } from "../errors.js";
import { compressionCodec } from "./compression.js";
import { type FilterSpec, type FilterStep, FilterType } from "./filter.js";
import { corrupt, type IntKind, intArrayCtor, intKindOf, viewAs } from "./util.js";

/** The type a delta-like filter works in: the reinterpret type when set (not ANY), else its input type. */
export function deltaType(spec: FilterSpec, input: Datatype): Datatype {
  const r = spec.options.reinterpretType;
  return r === undefined || r === Datatype.ANY ? input : (r as Datatype);
}

export function deltaKind(spec: FilterSpec, step: FilterStep, filter: string): IntKind {
  const t = deltaType(spec, step.type);
  if (t === Datatype.FLOAT32 || t === Datatype.FLOAT64) {
    throw new TileDBError("E_SCHEMA", `${step.what}: filter ${filter} does not accept float data (set a reinterpret datatype)`);
  }
  return intKindOf(t, step.what, filter);
}

export function deltaCompress(input: Uint8Array, kind: IntKind, step: FilterStep): Uint8Array {
  if (input.byteLength % kind.size !== 0) {
    throw new TileDBError("E_WRITE_INPUT", `${step.what}: delta input of ${input.byteLength} bytes is not a whole number of ${kind.size}-byte values`);
  }
  const n = input.byteLength / kind.size;
  const out = new Uint8Array(8 + input.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  const body = out.subarray(8);
  if (kind.size === 8) {
    const src = viewAs(input, BigUint64Array);
    const dst = viewAs(body, BigUint64Array);
    if (n > 0) dst[0] = src[0];
    for (let i = 1; i < n; i++) dst[i] = src[i] - src[i - 1]; // wraps to 64 bits on store
    if (body.byteOffset % 8 !== 0) body.set(new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength));
  } else {
    const Ctor = intArrayCtor({ size: kind.size, signed: false });
    const src = viewAs(input, Ctor);
    const dst = new Ctor(n);
    if (n > 0) dst[0] = src[0];
    for (let i = 1; i < n; i++) dst[i] = src[i] - src[i - 1];
    body.set(new Uint8Array(dst.buffer));
  }
  return out;
}

export function deltaDecompress(input: Uint8Array, out: Uint8Array, kind: IntKind, step: FilterStep): void {
  if (input.byteLength < 8) throw corrupt(step, "delta", "missing value count");
  const n = Number(new DataView(input.buffer, input.byteOffset, 8).getBigUint64(0, true));
  if (n * kind.size !== out.byteLength || 8 + n * kind.size > input.byteLength) {
    throw corrupt(step, "delta", `${n} values do not match ${out.byteLength} output bytes / ${input.byteLength} input bytes`);
  }
  const body = input.subarray(8, 8 + n * kind.size);
  if (kind.size === 8) {
    const src = viewAs(body, BigUint64Array);
    const dst = out.byteOffset % 8 === 0 ? new BigUint64Array(out.buffer, out.byteOffset, n) : new BigUint64Array(n);
    let last = 0n;
    for (let i = 0; i < n; i++) {
      last = i === 0 ? src[0] : BigInt.asUintN(64, last + src[i]);
      dst[i] = last;
    }
    if (dst.buffer !== out.buffer) out.set(new Uint8Array(dst.buffer));
  } else {
    const Ctor = intArrayCtor({ size: kind.size, signed: false });
    const src = viewAs(body, Ctor);
    const aligned = out.byteOffset % kind.size === 0;
    const dst = aligned ? new Ctor(out.buffer as ArrayBuffer, out.byteOffset, n) : new Ctor(n);
    if (n > 0) dst[0] = src[0];
    for (let i = 1; i < n; i++) dst[i] = dst[i - 1] + src[i]; // wraps on store
    if (!aligned) out.set(new Uint8Array(dst.buffer));
  }
}

export const deltaCodec = compressionCodec(
  FilterType.DELTA,
  "delta",
  {
    compress: (part, spec, step) => deltaCompress(part, deltaKind(spec, step, "delta"), step),
    decompress: (input, out, spec, step) => deltaDecompress(input, out, deltaKind(spec, step, "delta"), step),
  },
  undefined,
  (input, spec) => deltaType(spec, input),
);
