/** Small helpers shared by the filter codecs: byte plumbing, typed views, value kinds and errors. */
import { Datatype, datatypeName, datatypeSize, isDatetimeType } from "../datatype.js";
import { TileDBError } from "../errors.js";
import type { FilterStep } from "./filter.js";

/** The parts as one buffer (the part itself when there is only one). */
export function concatParts(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

export function totalLength(parts: Uint8Array[]): number {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  return n;
}

export type TypedCtor<T> = {
  new (length: number): T;
  new (buffer: ArrayBuffer, byteOffset: number, length: number): T;
  BYTES_PER_ELEMENT: number;
};

/** A typed view of `bytes` (copied only when misaligned); trailing bytes that do not fill a value are left out. */
export function viewAs<T>(bytes: Uint8Array, ctor: TypedCtor<T>): T {
  const size = ctor.BYTES_PER_ELEMENT;
  const n = Math.floor(bytes.byteLength / size);
  if (bytes.byteOffset % size === 0) return new ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, n);
  const copy = new Uint8Array(n * size);
  copy.set(bytes.subarray(0, n * size));
  return new ctor(copy.buffer as ArrayBuffer, 0, n);
}

/** How the integer codecs treat a datatype's values. */
export interface IntKind {
  size: 1 | 2 | 4 | 8;
  signed: boolean;
}

/** Integer interpretation TileDB uses for a type in delta-like codecs (bytes and strings are unsigned bytes, char is signed). */
export function intKindOf(type: Datatype, what: string, filter: string): IntKind {
  switch (type) {
    case Datatype.INT8:
    case Datatype.CHAR:
      return { size: 1, signed: true };
    case Datatype.UINT8:
    case Datatype.BOOL:
    case Datatype.BLOB:
    case Datatype.GEOM_WKB:
    case Datatype.GEOM_WKT:
    case Datatype.STRING_ASCII:
    case Datatype.STRING_UTF8:
    case Datatype.ANY:
      return { size: 1, signed: false };
    case Datatype.INT16:
      return { size: 2, signed: true };
    case Datatype.UINT16:
    case Datatype.STRING_UTF16:
    case Datatype.STRING_UCS2:
      return { size: 2, signed: false };
    case Datatype.INT32:
      return { size: 4, signed: true };
    case Datatype.UINT32:
    case Datatype.STRING_UTF32:
    case Datatype.STRING_UCS4:
      return { size: 4, signed: false };
    case Datatype.INT64:
      return { size: 8, signed: true };
    case Datatype.UINT64:
      return { size: 8, signed: false };
    default:
      if (isDatetimeType(type)) return { size: 8, signed: true };
      throw new TileDBError("E_SCHEMA", `${what}: filter ${filter} does not accept ${typeName(type)} data`);
  }
}

export function typeName(type: Datatype): string {
  try {
    return datatypeName(type);
  } catch {
    return `datatype ${type}`;
  }
}

export function typeSize(type: Datatype): number {
  return type === Datatype.ANY ? 1 : datatypeSize(type);
}

/** Integer typed-array constructors by kind. */
export function intArrayCtor(kind: IntKind): TypedCtor<Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array> {
  switch (kind.size) {
    case 1:
      return kind.signed ? Int8Array : Uint8Array;
    case 2:
      return kind.signed ? Int16Array : Uint16Array;
    case 4:
      return kind.signed ? Int32Array : Uint32Array;
    default:
      throw new RangeError("64-bit kinds use BigInt arrays");
  }
}

export function bigArrayCtor(kind: IntKind): TypedCtor<BigInt64Array | BigUint64Array> {
  return kind.signed ? BigInt64Array : BigUint64Array;
}

/**
 * 64-bit integers as exact numbers when every one lies within ±`limit` (<= 2^53), else undefined:
 * lets 64-bit codecs skip BigInt on the common case (offsets, coordinates, counts).
 */
export function int64AsNumbers(bytes: Uint8Array, signed: boolean, limit = 2 ** 52): Float64Array | undefined {
  const n = bytes.byteLength >>> 3;
  const w = viewAs(bytes.subarray(0, n * 8), Uint32Array);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lo = w[2 * i];
    const hi = signed ? w[2 * i + 1] | 0 : w[2 * i + 1];
    const v = hi * 0x100000000 + lo;
    if (v > limit || v < -limit) return undefined;
    out[i] = v;
  }
  return out;
}

/** Where a reverse filter writes `size` bytes: the chunk's destination if it fits, else a scratch or new buffer. */
export function outputBuffer(out: Uint8Array | undefined, size: number, step: FilterStep): Uint8Array {
  if (out && out.byteLength === size) return out;
  return step.scratch ? step.scratch(size) : new Uint8Array(size);
}

/** The error of a corrupt filtered tile: names the tile and the filter. */
export function corrupt(step: { what: string }, filter: string, detail: string): TileDBError {
  return new TileDBError("E_CORRUPT", `${step.what}: corrupt ${filter} data: ${detail}`);
}

/** Little-endian u32 list as bytes (filter metadata headers). */
export function u32Bytes(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) dv.setUint32(i * 4, values[i], true);
  return out;
}

/** Bytes of an integer typed array, as a Uint8Array view. */
export function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export type { FilterStep };
