/**
 * Float scale (filter 15, format spec filters/float_scale.md): lossy; stores round((x - offset) / scale)
 * as an integer of `byteWidth` bytes, and reads back scale * n + offset. Metadata: [part count u32][output
 * part sizes u32...]. TileDB prepends each converted part, so several parts are stored last part first;
 * we mirror that exactly (it only matters when an earlier filter split the data).
 */
import { ByteReader } from "../binary.js";
import { Datatype } from "../datatype.js";
import { TileDBError } from "../errors.js";
import { type FilterCodec, type FilterSpec, type FilterStep, FilterType } from "./filter.js";
import { corrupt, outputBuffer, typeSize, u32Bytes, viewAs } from "./util.js";

const intByWidth: Record<number, Datatype> = { 1: Datatype.INT8, 2: Datatype.INT16, 4: Datatype.INT32, 8: Datatype.INT64 };

function params(spec: FilterSpec, step: FilterStep) {
  const scale = spec.options.scale ?? 1;
  const offset = spec.options.offset ?? 0;
  const width = spec.options.byteWidth ?? 8;
  if (!(width in intByWidth)) throw new TileDBError("E_SCHEMA", `${step.what}: float scale byte width ${width} is not 1, 2, 4 or 8`);
  const fw = typeSize(step.type);
  if (fw !== 4 && fw !== 8) throw new TileDBError("E_SCHEMA", `${step.what}: float scale needs 4- or 8-byte floats`);
  return { scale, offset, width, fw };
}

/** C's round(): halves away from zero. */
function roundC(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

function intView(bytes: Uint8Array, width: number) {
  switch (width) {
    case 1:
      return viewAs(bytes, Int8Array);
    case 2:
      return viewAs(bytes, Int16Array);
    case 4:
      return viewAs(bytes, Int32Array);
    default:
      return viewAs(bytes, BigInt64Array);
  }
}

export const floatScaleCodec: FilterCodec = {
  type: FilterType.SCALE_FLOAT,
  name: "float scale",
  outputType: (_input, spec) => intByWidth[spec.options.byteWidth ?? 8] ?? Datatype.INT64,
  forward(data, metadata, spec, step) {
    const { scale, offset, width, fw } = params(spec, step);
    const sizes: number[] = [];
    const outs: Uint8Array[] = [];
    for (const part of data) {
      if (part.byteLength % fw !== 0) throw new TileDBError("E_WRITE_INPUT", `${step.what}: float scale part of ${part.byteLength} bytes is not whole floats`);
      const src = fw === 4 ? viewAs(part, Float32Array) : viewAs(part, Float64Array);
      const n = src.length;
      const out = new Uint8Array(n * width);
      const dst = intView(out, width);
      // The arithmetic is done in the float type, like TileDB's (elem - T(offset)) / T(scale).
      const f = fw === 4 ? Math.fround : (x: number) => x;
      const o = f(offset);
      const s = f(scale);
      if (width === 8) {
        const d = dst as BigInt64Array;
        for (let i = 0; i < n; i++) d[i] = BigInt(roundC(f(f(src[i] - o) / s)));
      } else {
        const d = dst as Int8Array | Int16Array | Int32Array;
        for (let i = 0; i < n; i++) d[i] = roundC(f(f(src[i] - o) / s));
      }
      sizes.push(out.byteLength);
      outs.unshift(out);
    }
    return { data: outs, metadata: [u32Bytes([data.length, ...sizes]), ...metadata] };
  },
  reverse(data, metadata, spec, step, out) {
    const { scale, offset, width, fw } = params(spec, step);
    const md = new ByteReader(metadata, step.what);
    const n = md.u32();
    if (n * 4 > md.remaining) throw corrupt(step, "float scale", `${n} parts but ${md.remaining} metadata bytes`);
    const pieces: Uint8Array[] = [];
    let total = 0;
    let p = 0;
    for (let k = 0; k < n; k++) {
      const size = md.u32();
      if (p + size > data.byteLength) throw corrupt(step, "float scale", "parts exceed the chunk");
      const src = intView(data.subarray(p, p + size), width);
      p += size;
      const piece = new Uint8Array(src.length * fw);
      const dst = fw === 4 ? new Float32Array(piece.buffer) : new Float64Array(piece.buffer);
      if (width === 8) {
        const s = src as BigInt64Array;
        for (let i = 0; i < s.length; i++) dst[i] = scale * Number(s[i]) + offset;
      } else {
        const s = src as Int8Array | Int16Array | Int32Array;
        for (let i = 0; i < s.length; i++) dst[i] = scale * s[i] + offset;
      }
      pieces.unshift(piece);
      total += piece.byteLength;
    }
    const dst = outputBuffer(out, total, step);
    let o = 0;
    for (const piece of pieces) {
      dst.set(piece, o);
      o += piece.byteLength;
    }
    return { data: dst, metadata: metadata.subarray(md.pos) };
  },
};
