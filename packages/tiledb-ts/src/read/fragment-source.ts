/**
 * A `FragmentView` over decoded fragment metadata (format spec: fragment.md): tile byte ranges come from the
 * tile offsets, the next tile's offset (or the file size, for the last tile) ends each one.
 */
import { TileDBError } from "../errors.js";
import { type FragmentMetadata, fieldFileName, fieldIndex } from "../fragment-metadata.js";
import { type ArraySchema, VAR_NUM } from "../schema.js";
import { joinUri } from "../vfs/index.js";
import type { FieldRef, FragmentView, TileLocation } from "./fragment-view.js";
import { schemaFields } from "./tiles.js";

function location(offsets: BigUint64Array, fileSize: number, t: number, uri: string, what: string): TileLocation {
  if (t >= offsets.length) throw new TileDBError("E_CORRUPT", `${uri}: fragment metadata lists ${offsets.length} tiles, tile ${t} requested (${what})`);
  const offset = Number(offsets[t]);
  const end = t + 1 < offsets.length ? Number(offsets[t + 1]) : fileSize;
  if (end < offset || end > fileSize) {
    throw new TileDBError("E_CORRUPT", `${uri}: tile ${t} spans bytes ${offset}..${end} of a ${fileSize}-byte file (${what})`);
  }
  return { uri, offset, size: end - offset };
}

/** Cells of one dense tile: the product of the tile extents. */
export function denseTileCells(schema: ArraySchema): number {
  let n = 1;
  for (const d of schema.dimensions) {
    if (d.tileExtent === null) throw new TileDBError("E_SCHEMA", `dense array dimension "${d.name}" has no tile extent`);
    n *= Number(d.tileExtent);
  }
  return n;
}

export function fragmentView(
  fragmentUri: string,
  name: string,
  timestamp: [number, number],
  meta: FragmentMetadata,
  schema: ArraySchema,
  openRange?: [number, number],
): FragmentView {
  const capacity = Number(schema.capacity);
  const dense = meta.dense;
  const tileCount = dense ? (meta.tileOffsets[0]?.length ?? 0) : meta.sparseTileNum;
  const denseCells = dense ? denseTileCells(schema) : 0;
  const slot = (f: FieldRef): number => fieldIndex(schema, f.name, meta);
  const file = (f: FieldRef, kind: "data" | "var" | "validity"): string => joinUri(fragmentUri, fieldFileName(schema, f.name, kind));
  const fileSizes = new Map<string, number>();
  for (const f of schemaFields(schema).values()) {
    if (dense && f.role === "dimension") continue;
    const i = slot(f);
    if (i < 0 || i >= meta.fileSizes.length) continue; // an attribute the fragment predates
    fileSizes.set(file(f, "data"), meta.fileSizes[i]);
    if (f.cellValNum === VAR_NUM) fileSizes.set(file(f, "var"), meta.fileVarSizes[i]);
    if (f.nullable) fileSizes.set(file(f, "validity"), meta.fileValiditySizes[i]);
  }
  return {
    uri: fragmentUri,
    fileSizes,
    name,
    timestamp,
    version: meta.version,
    dense,
    hasTimestamps: meta.hasTimestamps,
    openRange: meta.hasTimestamps ? openRange : undefined,
    nonEmptyDomain: meta.nonEmptyDomain ?? [],
    tileCount,
    hasField(fieldName: string): boolean {
      return schema.attributes.some((a) => a.name === fieldName) || schema.dimensions.some((d) => d.name === fieldName) || fieldName.startsWith("__");
    },
    cellsInTile(t: number): number {
      if (dense) return denseCells;
      return t === tileCount - 1 ? meta.lastTileCellNum : capacity;
    },
    mbr(t: number, dim: number) {
      const m = meta.mbrs[t];
      if (!m) throw new TileDBError("E_CORRUPT", `${fragmentUri}: fragment metadata has no MBR for tile ${t}`);
      return m[dim];
    },
    tile(f: FieldRef, t: number): TileLocation {
      const i = slot(f);
      return location(meta.tileOffsets[i], meta.fileSizes[i], t, file(f, "data"), `${f.role} "${f.name}"`);
    },
    varTile(f: FieldRef, t: number) {
      const i = slot(f);
      const loc = location(meta.tileVarOffsets[i], meta.fileVarSizes[i], t, file(f, "var"), `${f.role} "${f.name}" values`);
      return { ...loc, unfilteredSize: Number(meta.tileVarSizes[i][t]) };
    },
    validityTile(f: FieldRef, t: number): TileLocation {
      const i = slot(f);
      return location(meta.tileValidityOffsets[i], meta.fileValiditySizes[i], t, file(f, "validity"), `${f.role} "${f.name}" validity`);
    },
  };
}
