/** XOR (filter 16): each value is XORed with the previous one, per part, in the integer width of the input type. */
import { Datatype } from "../datatype.js";
import { TileDBError } from "../errors.js";
import { type FilterCodec, type FilterStep, FilterType } from "./filter.js";
import { forwardParts, reverseParts } from "./shuffle-parts.js";
import { type TypedCtor, typeSize, viewAs } from "./util.js";

function xorPart(src: Uint8Array, dst: Uint8Array, w: number, step: FilterStep, decode: boolean): void {
  if (src.byteLength % w !== 0) throw new TileDBError("E_CORRUPT", `${step.what}: XOR part of ${src.byteLength} bytes is not a whole number of ${w}-byte values`);
  // XOR works bytewise, so 8-byte values are two independent 32-bit lanes.
  const lanes = w === 8 ? 2 : 1;
  const lw = w === 8 ? 4 : w;
  const Ctor = (lw === 1 ? Uint8Array : lw === 2 ? Uint16Array : Uint32Array) as TypedCtor<Uint8Array | Uint16Array | Uint32Array>;
  const s = viewAs(src, Ctor);
  const aligned = dst.byteOffset % lw === 0;
  const d = aligned ? new Ctor(dst.buffer as ArrayBuffer, dst.byteOffset, s.length) : new Ctor(s.length);
  const n = s.length;
  for (let i = 0; i < lanes && i < n; i++) d[i] = s[i];
  if (decode) for (let i = lanes; i < n; i++) d[i] = s[i] ^ d[i - lanes];
  else for (let i = lanes; i < n; i++) d[i] = s[i] ^ s[i - lanes];
  if (!aligned) dst.set(new Uint8Array(d.buffer, 0, d.byteLength));
}

function xorWidth(type: Datatype, step: FilterStep): number {
  const w = typeSize(type);
  if (w !== 1 && w !== 2 && w !== 4 && w !== 8) throw new TileDBError("E_SCHEMA", `${step.what}: XOR needs 1, 2, 4 or 8-byte values`);
  return w;
}

const intBySize: Record<number, Datatype> = { 1: Datatype.INT8, 2: Datatype.INT16, 4: Datatype.INT32, 8: Datatype.INT64 };

export const xorCodec: FilterCodec = {
  type: FilterType.XOR,
  name: "xor",
  outputType: (input) => intBySize[typeSize(input)] ?? input,
  forward(data, metadata, _spec, step) {
    const w = xorWidth(step.type, step);
    return forwardParts(data, metadata, (p, o) => xorPart(p, o, w, step, false));
  },
  reverse(data, metadata, _spec, step, out) {
    const w = xorWidth(step.type, step);
    return reverseParts(data, metadata, step, "xor", (p, o) => xorPart(p, o, w, step, true), out);
  },
};
