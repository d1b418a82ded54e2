/** What bit width reduction and positive delta share: which integer kind a type is treated as, and windows over parts. */
import { Datatype, isDatetimeType } from "../datatype.js";
import type { FilterStep } from "./filter.js";
import type { IntKind } from "./util.js";

/** The first format version in which these filters transform datetime and time values. */
const DATETIME_MIN_VERSION = 20;

/**
 * The integer kind a windowed filter works in, or undefined when TileDB passes the data through untouched
 * (floats, strings, 1-byte types for bit width reduction, datetimes before version 20).
 */
export function windowedKind(type: Datatype, step: FilterStep, bytesToo: boolean): IntKind | undefined {
  switch (type) {
    case Datatype.INT8:
      return bytesToo ? { size: 1, signed: true } : undefined;
    case Datatype.UINT8:
    case Datatype.BOOL:
    case Datatype.BLOB:
    case Datatype.GEOM_WKB:
    case Datatype.GEOM_WKT:
      return bytesToo ? { size: 1, signed: false } : undefined;
    case Datatype.INT16:
      return { size: 2, signed: true };
    case Datatype.UINT16:
      return { size: 2, signed: false };
    case Datatype.INT32:
      return { size: 4, signed: true };
    case Datatype.UINT32:
      return { size: 4, signed: false };
    case Datatype.INT64:
      return { size: 8, signed: true };
    case Datatype.UINT64:
      return { size: 8, signed: false };
    default:
      if (isDatetimeType(type) && step.version >= DATETIME_MIN_VERSION) return { size: 8, signed: true };
      return undefined;
  }
}

/** Window byte lengths of one part (TileDB: windows of the largest whole number of values within the maximum). */
export function windowsOf(partBytes: number, maxWindow: number, valueSize: number): number[] {
  if (partBytes === 0) return [];
  let w = Math.floor(Math.min(partBytes, maxWindow) / valueSize) * valueSize;
  if (w === 0) w = partBytes; // fewer bytes than one value: a single raw window
  const out: number[] = [];
  for (let o = 0; o < partBytes; o += w) out.push(Math.min(w, partBytes - o));
  return out;
}

export function readValue(dv: DataView, pos: number, kind: IntKind): number | bigint {
  switch (kind.size) {
    case 1:
      return kind.signed ? dv.getInt8(pos) : dv.getUint8(pos);
    case 2:
      return kind.signed ? dv.getInt16(pos, true) : dv.getUint16(pos, true);
    case 4:
      return kind.signed ? dv.getInt32(pos, true) : dv.getUint32(pos, true);
    default:
      return kind.signed ? dv.getBigInt64(pos, true) : dv.getBigUint64(pos, true);
  }
}

/** Writes `v` in `size` bytes, wrapping like a C cast. */
export function writeValue(dv: DataView, pos: number, size: number, v: number | bigint): void {
  if (typeof v === "number") {
    // Integer numbers below 2^53 in magnitude: bit operators wrap modulo 2^32, as a C cast would.
    if (size === 1) dv.setUint8(pos, v & 0xff);
    else if (size === 2) dv.setUint16(pos, v & 0xffff, true);
    else if (size === 4) dv.setUint32(pos, v >>> 0, true);
    else dv.setBigUint64(pos, BigInt.asUintN(64, BigInt(v)), true);
    return;
  }
  if (size === 8) dv.setBigUint64(pos, BigInt.asUintN(64, v), true);
  else writeValue(dv, pos, size, Number(BigInt.asIntN(32, v)));
}
