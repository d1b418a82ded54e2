/**
 * The current domain (format spec: array_schema.md "Current Domain", format v22+): the part of the domain
 * in use (SOMA's "shape"). Serialized at the end of the array schema: version, empty flag, type, NDRectangle.
 */
import type { ByteReader, ByteWriter } from "./binary.js";
import { textDecoder, textEncoder } from "./binary.js";
import { datatypeSize } from "./datatype.js";
import { TileDBError } from "./errors.js";
import { readDomainValueAt, writeDomainValue } from "./domain-value.js";
import type { CurrentDomain, Dimension, DomainValue } from "./schema.js";
import { VAR_NUM } from "./schema.js";

/** Newest current-domain record version we read and the one we write. */
export const CURRENT_DOMAIN_VERSION = 0;
const NDRECTANGLE = 0;

export function decodeCurrentDomain(r: ByteReader, dimensions: Dimension[]): CurrentDomain {
  const version = r.u32();
  if (version > CURRENT_DOMAIN_VERSION) {
    throw new TileDBError(
      "E_UNSUPPORTED_VERSION",
      `${r.what}: current domain version ${version} is newer than the supported version ${CURRENT_DOMAIN_VERSION}`,
    );
  }
  if (r.bool()) return { empty: true };
  const type = r.u8();
  if (type !== NDRECTANGLE) {
    throw new TileDBError("E_UNSUPPORTED", `${r.what}: unsupported current domain type ${type} (only NDRectangle = 0 is known)`);
  }
  return { empty: false, ranges: decodeNDRectangle(r, dimensions) };
}

/** An NDRectangle / MBR: one [low, high] per dimension; var-sized dimensions carry sizes before their bytes. */
export function decodeNDRectangle(r: ByteReader, dimensions: Dimension[]): Array<[DomainValue | string, DomainValue | string]> {
  const out: Array<[DomainValue | string, DomainValue | string]> = [];
  for (const dim of dimensions) {
    if (dim.cellValNum === VAR_NUM) {
      const size = r.u64n();
      const startSize = r.u64n();
      if (startSize > size) throw new TileDBError("E_CORRUPT", `${r.what}: range of dimension "${dim.name}" has start size ${startSize} > size ${size}`);
      const bytes = r.bytesView(size);
      out.push([textDecoder.decode(bytes.subarray(0, startSize)), textDecoder.decode(bytes.subarray(startSize))]);
    } else {
      const size = datatypeSize(dim.type) * dim.cellValNum;
      const at = r.pos;
      r.bytesView(2 * size); // bounds check and advance
      out.push([readDomainValueAt(r.view, at, dim.type), readDomainValueAt(r.view, at + size, dim.type)]);
    }
  }
  return out;
}

export function encodeNDRectangle(
  w: ByteWriter,
  ranges: ReadonlyArray<readonly [DomainValue | string | Uint8Array, DomainValue | string | Uint8Array]>,
  dimensions: Dimension[],
): void {
  if (ranges.length !== dimensions.length) {
    throw new TileDBError("E_SCHEMA", `a range is needed for each of the ${dimensions.length} dimensions, got ${ranges.length}`);
  }
  dimensions.forEach((dim, d) => {
    const [lo, hi] = ranges[d];
    if (dim.cellValNum === VAR_NUM) {
      const a = typeof lo === "string" ? textEncoder.encode(lo) : lo instanceof Uint8Array ? lo : null;
      const b = typeof hi === "string" ? textEncoder.encode(hi) : hi instanceof Uint8Array ? hi : null;
      if (!a || !b) throw new TileDBError("E_SCHEMA", `dimension "${dim.name}" is var-sized: its range must be strings`);
      w.u64(a.byteLength + b.byteLength);
      w.u64(a.byteLength);
      w.bytes(a);
      w.bytes(b);
    } else {
      if (typeof lo === "string" || typeof hi === "string" || lo instanceof Uint8Array || hi instanceof Uint8Array) {
        throw new TileDBError("E_SCHEMA", `dimension "${dim.name}" is fixed-sized: its range must be numbers`);
      }
      writeDomainValue(w, lo, dim.type, dim.name);
      writeDomainValue(w, hi, dim.type, dim.name);
    }
  });
}

export function encodeCurrentDomain(w: ByteWriter, cd: CurrentDomain | undefined, dimensions: Dimension[]): void {
  w.u32(CURRENT_DOMAIN_VERSION);
  if (!cd || cd.empty) {
    w.bool(true);
    return;
  }
  w.bool(false);
  w.u8(NDRECTANGLE);
  encodeNDRectangle(w, cd.ranges, dimensions);
}
