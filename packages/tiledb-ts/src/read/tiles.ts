/**
 * Loading one field's tile of one fragment: read the filtered bytes, run the filter pipeline backwards,
 * check the result has the size the fragment metadata promises (format spec: fragment.md, tile.md).
 */
import { Datatype, datatypeSize } from "../datatype.js";
import { TileDBError } from "../errors.js";
import type { FilterPipeline } from "../filters/filter.js";
import { decodeTile, decodeTileInto, decodeVarStringTile, skipsOffsetsFiltering } from "../filters/pipeline.js";
import type { ArraySchema } from "../schema.js";
import { VAR_NUM } from "../schema.js";
import type { VFS } from "../vfs/vfs.js";
import type { FieldRef, FragmentView, TileLocation } from "./fragment-view.js";
import type { TilePool } from "./tile-pool.js";

/** One field of one tile, decoded. */
export interface FieldTile {
  cellCount: number;
  /** Fixed-size values, or the var-sized value bytes. */
  data: Uint8Array;
  /** Var-sized: `cellCount + 1` byte offsets into `data`. */
  offsets?: Float64Array;
  /** Nullable: one byte per cell, 0 = null. */
  validity?: Uint8Array;
}

export interface FieldInfo extends FieldRef {
  type: Datatype;
  cellValNum: number;
  nullable: boolean;
  filters: FilterPipeline;
}

/** The attributes and dimensions of a schema as read fields, by name. */
export function schemaFields(schema: ArraySchema): Map<string, FieldInfo> {
  const out = new Map<string, FieldInfo>();
  schema.dimensions.forEach((d, index) => {
    out.set(d.name, { name: d.name, role: "dimension", index, type: d.type, cellValNum: d.cellValNum, nullable: false, filters: d.filters });
  });
  schema.attributes.forEach((a, index) => {
    out.set(a.name, { name: a.name, role: "attribute", index, type: a.type, cellValNum: a.cellValNum, nullable: a.nullable, filters: a.filters });
  });
  return out;
}

async function readRange(vfs: VFS, loc: TileLocation, what: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await vfs.read(loc.uri, loc.offset, loc.size);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOENT" || code === "E_NOT_FOUND") throw new TileDBError("E_MISSING_FILE", `${loc.uri}: file is missing (${what})`, { cause: err });
    if (err instanceof TileDBError) throw err;
    throw new TileDBError("E_IO", `${loc.uri}: cannot read ${loc.size} bytes at offset ${loc.offset} (${what}): ${(err as Error).message}`, { cause: err });
  }
  if (bytes.byteLength !== loc.size) {
    throw new TileDBError("E_CORRUPT", `${loc.uri}: truncated file: tile at offset ${loc.offset} needs ${loc.size} bytes, got ${bytes.byteLength} (${what})`);
  }
  return bytes;
}

function unfilter(
  bytes: Uint8Array,
  pipeline: FilterPipeline,
  type: Datatype,
  cellValNum: number,
  expectedSize: number,
  what: string,
  version: number,
  pool?: TilePool,
): Uint8Array {
  let out: Uint8Array;
  try {
    const ctx = { datatype: type, cellValNum, what, version };
    out = pool ? decodeTileInto(bytes, pipeline, ctx, pool.take(expectedSize), expectedSize) : decodeTile(bytes, pipeline, ctx, expectedSize);
  } catch (err) {
    throw decodeError(err, what);
  }
  if (out.byteLength !== expectedSize) {
    throw new TileDBError("E_CORRUPT", `${what}: decoded tile has ${out.byteLength} bytes, fragment metadata says ${expectedSize}`);
  }
  return out;
}

function decodeError(err: unknown, what: string): TileDBError {
  if (err instanceof TileDBError) return err.message.includes(what) ? err : new TileDBError(err.code, `${what}: ${err.message}`, { cause: err });
  return new TileDBError("E_CORRUPT", `${what}: cannot decode tile: ${(err as Error).message}`, { cause: err });
}

/** Reads and decodes field `field` of tile `t` of fragment `frag`; `pool`: where fixed-size values are decoded to. */
export async function loadFieldTile(
  vfs: VFS,
  schema: ArraySchema,
  frag: FragmentView,
  field: FieldInfo,
  t: number,
  pool?: TilePool,
): Promise<FieldTile> {
  const cellCount = frag.cellsInTile(t);
  if (!frag.hasField(field.name)) return fillTile(schema, field, cellCount, frag);
  const label = `${field.role} "${field.name}" tile ${t}`;
  const loc = frag.tile(field, t);
  const fixedWhat = `${loc.uri} (${label})`;
  const tile: FieldTile = { cellCount, data: new Uint8Array(0) };
  if (field.cellValNum === VAR_NUM) {
    const vloc = frag.varTile(field, t);
    const varWhat = `${vloc.uri} (${label} values)`;
    const varBytes = await readRange(vfs, vloc, `${label} values`);
    let offBytes: Uint8Array;
    if (skipsOffsetsFiltering(field.filters, field.type, frag.version)) {
      // RLE / dictionary on strings keep the offsets inside the data tile; the offsets tile is empty
      try {
        const r = decodeVarStringTile(varBytes, field.filters, { datatype: field.type, cellValNum: VAR_NUM, what: varWhat, version: frag.version }, vloc.unfilteredSize);
        tile.data = r.data;
        offBytes = r.offsets;
      } catch (err) {
        throw decodeError(err, varWhat);
      }
      if (offBytes.byteLength !== cellCount * 8) {
        throw new TileDBError("E_CORRUPT", `${varWhat}: decoded ${offBytes.byteLength / 8} offsets for ${cellCount} cells`);
      }
    } else {
      offBytes = unfilter(await readRange(vfs, loc, label), schema.offsetsFilters, Datatype.UINT64, 1, cellCount * 8, fixedWhat, frag.version);
      tile.data = unfilter(varBytes, field.filters, field.type, VAR_NUM, vloc.unfilteredSize, varWhat, frag.version);
    }
    tile.offsets = varOffsets(offBytes, cellCount, tile.data.byteLength, fixedWhat);
  } else {
    const size = cellCount * datatypeSize(field.type) * field.cellValNum;
    tile.data = unfilter(await readRange(vfs, loc, label), field.filters, field.type, field.cellValNum, size, fixedWhat, frag.version, pool);
  }
  if (field.nullable) {
    const vloc = frag.validityTile(field, t);
    tile.validity = unfilter(await readRange(vfs, vloc, `${label} validity`), schema.validityFilters, Datatype.UINT8, 1, cellCount, `${vloc.uri} (${label} validity)`, frag.version);
  }
  return tile;
}

/** A tile of fill values, for an attribute the fragment predates (schema evolution). */
function fillTile(schema: ArraySchema, field: FieldInfo, cellCount: number, frag: FragmentView): FieldTile {
  const a = field.role === "attribute" ? schema.attributes[field.index] : undefined;
  if (!a) throw new TileDBError("E_CORRUPT", `${frag.uri}: fragment has no data for dimension "${field.name}"`);
  const fill = a.fillValue;
  const data = new Uint8Array(fill.byteLength * cellCount);
  for (let i = 0; i < cellCount; i++) data.set(fill, i * fill.byteLength);
  const tile: FieldTile = { cellCount, data };
  if (field.cellValNum === VAR_NUM) tile.offsets = Float64Array.from({ length: cellCount + 1 }, (_, i) => i * fill.byteLength);
  if (field.nullable) tile.validity = new Uint8Array(cellCount).fill(a.fillValueValidity ? 1 : 0);
  return tile;
}

/** uint64 per-cell start offsets → `cellCount + 1` numbers, checked to be non-decreasing and in bounds. */
function varOffsets(bytes: Uint8Array, cellCount: number, dataSize: number, what: string): Float64Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(cellCount + 1);
  let prev = 0;
  for (let i = 0; i < cellCount; i++) {
    const lo = dv.getUint32(i * 8, true);
    const hi = dv.getUint32(i * 8 + 4, true);
    const v = hi * 4294967296 + lo;
    if (v < prev || v > dataSize) {
      throw new TileDBError("E_CORRUPT", `${what}: corrupt offsets: cell ${i} starts at ${v} (previous ${prev}, ${dataSize} value bytes)`);
    }
    out[i] = v;
    prev = v;
  }
  out[cellCount] = dataSize;
  return out;
}
