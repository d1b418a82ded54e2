/**
 * Reading and writing one value of a TileDB datatype (domains, tile extents, MBRs, current domains).
 * 64-bit integer types (including datetimes) come back as bigint, everything else as number.
 */
import type { ByteWriter } from "./binary.js";
import { Datatype, datatypeName, storageOf } from "./datatype.js";
import { TileDBError } from "./errors.js";
import type { DomainValue } from "./schema.js";

export function readDomainValue(bytes: Uint8Array, offset: number, type: Datatype): DomainValue {
  return readDomainValueAt(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset, type);
}

/** As readDomainValue, from an existing view (no allocation: MBR decoding runs this per tile). */
export function readDomainValueAt(v: DataView, offset: number, type: Datatype): DomainValue {
  if (!(type in Datatype)) throw new TileDBError("E_CORRUPT", `unknown TileDB datatype id ${type}`);
  switch (storageOf(type)) {
    case "int8": return v.getInt8(offset);
    case "uint8": return v.getUint8(offset);
    case "int16": return v.getInt16(offset, true);
    case "uint16": return v.getUint16(offset, true);
    case "int32": return v.getInt32(offset, true);
    case "uint32": return v.getUint32(offset, true);
    case "int64": return v.getBigInt64(offset, true);
    case "uint64": return v.getBigUint64(offset, true);
    case "float32": return v.getFloat32(offset, true);
    case "float64": return v.getFloat64(offset, true);
  }
}

/** Appends `value` as `type`; `name` is for the error message when the value does not fit. */
export function writeDomainValue(w: ByteWriter, value: DomainValue, type: Datatype, name = "value"): void {
  const bad = () => new TileDBError("E_SCHEMA", `"${name}": ${String(value)} is not a valid ${datatypeName(type)} value`);
  const int = (lo: number, hi: number): number => {
    const n = typeof value === "bigint" ? Number(value) : value;
    if (!Number.isInteger(n) || n < lo || n > hi) throw bad();
    return n;
  };
  const big = (signed: boolean): bigint => {
    let b: bigint;
    if (typeof value === "bigint") b = value;
    else if (Number.isSafeInteger(value)) b = BigInt(value);
    else throw bad();
    if (signed ? b < -(1n << 63n) || b >= 1n << 63n : b < 0n || b >= 1n << 64n) throw bad();
    return b;
  };
  if (!(type in Datatype)) throw new TileDBError("E_SCHEMA", `"${name}": unknown TileDB datatype id ${type}`);
  switch (storageOf(type)) {
    case "int8": w.i8(int(-128, 127)); return;
    case "uint8": w.u8(int(0, 255)); return;
    case "int16": w.i16(int(-32768, 32767)); return;
    case "uint16": w.u16(int(0, 65535)); return;
    case "int32": w.i32(int(-2147483648, 2147483647)); return;
    case "uint32": w.u32(int(0, 4294967295)); return;
    case "int64": w.i64(big(true)); return;
    case "uint64": w.u64(big(false)); return;
    case "float32": w.f32(Number(value)); return;
    case "float64": w.f64(Number(value)); return;
  }
}
