/**
 * Builds one fragment in memory (format spec: fragment.md): the filtered data tiles of every field, appended to
 * that field's data files, and everything the fragment metadata records about them (tile offsets, var sizes,
 * per-tile mins/maxes/sums/null counts, MBRs). `fragment-writer.ts` then writes the files and commits.
 */
import { compareByteArrays } from "../binary.js";
import type { Datatype } from "../datatype.js";
import { readDomainValue } from "../domain-value.js";
import { TileDBError } from "../errors.js";
import type { FilterPipeline } from "../filters/filter.js";
import type { ArraySchema } from "../schema.js";
import type { Column } from "./columns.js";
import { encodeFieldTile } from "./encode-tile.js";
import { type FieldTile, hasMinMax, hasSum, type TileStats, tileStats } from "./tile-builder.js";

/** One field's files and per-tile records in a fragment. */
export interface FieldFiles {
  name: string;
  isDim: boolean;
  isVar: boolean;
  nullable: boolean;
  type: Datatype;
  cellValNum: number;
  /** Bytes per fixed cell (8 for var offsets). */
  cellSize: number;
  hasMinMax: boolean;
  hasSum: boolean;
  /** Filtered tiles of the fixed (or offsets) file, the var file and the validity file. */
  fixedParts: Uint8Array[];
  varParts: Uint8Array[];
  validityParts: Uint8Array[];
  fileSize: number;
  varFileSize: number;
  validityFileSize: number;
  tileOffsets: number[];
  tileVarOffsets: number[];
  tileVarSizes: number[];
  tileValidityOffsets: number[];
  stats: TileStats[];
}

/** An MBR: [low, high] raw bytes per dimension (values of the dimension's type, or string bytes). */
export type RawRange = [Uint8Array, Uint8Array];

export interface FragmentContent {
  dense: boolean;
  /** Fields in schema order: attributes, then dimensions (dense fragments store no dimension tiles). */
  fields: FieldFiles[];
  tileCount: number;
  cellCount: number;
  lastTileCellNum: number;
  /** Sparse: one MBR per tile. */
  mbrs: RawRange[][];
  nonEmptyDomain: RawRange[];
}

export function newFieldFiles(name: string, isDim: boolean, col: { isVar: boolean; nullable: boolean; type: Datatype; cellValNum: number; cellSize: number }): FieldFiles {
  return {
    name,
    isDim,
    isVar: col.isVar,
    nullable: col.nullable,
    type: col.type,
    cellValNum: col.cellValNum,
    cellSize: col.cellSize,
    hasMinMax: hasMinMax(col.type, isDim, col.isVar, col.cellValNum),
    hasSum: !isDim && hasSum(col.type, col.isVar, col.cellValNum),
    fixedParts: [],
    varParts: [],
    validityParts: [],
    fileSize: 0,
    varFileSize: 0,
    validityFileSize: 0,
    tileOffsets: [],
    tileVarOffsets: [],
    tileVarSizes: [],
    tileValidityOffsets: [],
    stats: [],
  };
}

export interface Pipelines {
  data: FilterPipeline;
  offsets: FilterPipeline;
  validity: FilterPipeline;
}

export function pipelinesFor(schema: ArraySchema, name: string): Pipelines {
  const dim = schema.dimensions.find((d) => d.name === name);
  const attr = schema.attributes.find((a) => a.name === name);
  const data = dim ? dim.filters : (attr as { filters: FilterPipeline }).filters;
  return { data, offsets: schema.offsetsFilters, validity: schema.validityFilters };
}

/** Filters one gathered tile and appends it to the field's files; records offsets, sizes and statistics. */
export function appendTile(
  files: FieldFiles,
  col: Column,
  tile: FieldTile,
  pipes: Pipelines,
  what: string,
  version: number,
  stats?: TileStats,
): void {
  files.stats.push(stats ?? tileStats(col, tile, files.isDim));
  const enc = encodeFieldTile(files, tile, pipes, what, version);
  files.tileOffsets.push(files.fileSize);
  files.fixedParts.push(enc.fixed);
  files.fileSize += enc.fixed.byteLength;
  if (files.isVar) {
    files.tileVarOffsets.push(files.varFileSize);
    files.tileVarSizes.push((tile.varData as Uint8Array).byteLength);
    files.varParts.push(enc.var as Uint8Array);
    files.varFileSize += (enc.var as Uint8Array).byteLength;
  }
  if (files.nullable) {
    files.tileValidityOffsets.push(files.validityFileSize);
    files.validityParts.push(enc.validity as Uint8Array);
    files.validityFileSize += (enc.validity as Uint8Array).byteLength;
  }
}

/** Which data files a field has: the fixed (or offsets) file always, the var and validity files when it needs them. */
export type DataFileKind = "fixed" | "var" | "validity";

/** The field's data files in file order, each with its encoded tiles and total size. */
export function fieldDataFiles(f: FieldFiles): Array<{ kind: DataFileKind; parts: Uint8Array[]; size: number }> {
  const out: Array<{ kind: DataFileKind; parts: Uint8Array[]; size: number }> = [{ kind: "fixed", parts: f.fixedParts, size: f.fileSize }];
  if (f.isVar) out.push({ kind: "var", parts: f.varParts, size: f.varFileSize });
  if (f.nullable) out.push({ kind: "validity", parts: f.validityParts, size: f.validityFileSize });
  return out;
}

/** Data file names of field `index` (attributes `a<i>`, dimensions `d<i>`), as TileDB names them since format 9. */
export function dataFileNames(files: FieldFiles, index: number): Record<DataFileKind, string> {
  const base = `${files.isDim ? "d" : "a"}${index}`;
  return { fixed: `${base}.tdb`, var: `${base}_var.tdb`, validity: `${base}_validity.tdb` };
}


/**
 * One fragment's content from consecutive pieces built apart (for example in parallel): each piece's tiles
 * follow the previous piece's in global order, and every piece but the last holds only full tiles of
 * `capacity` cells (a sparse fragment may end with a partial tile only). Offsets are shifted; nothing is
 * re-encoded.
 */
export function concatFragmentContents(pieces: FragmentContent[], capacity: number, what: string): FragmentContent {
  const kept = pieces.filter((p) => p.cellCount > 0);
  if (kept.length === 0) throw new TileDBError("E_WRITE_INPUT", `${what}: no cells to write`);
  kept.forEach((p, k) => {
    if (p.dense) throw new TileDBError("E_WRITE_INPUT", `${what}: only sparse fragment pieces can be joined`);
    if (k < kept.length - 1 && p.cellCount !== p.tileCount * capacity) {
      throw new TileDBError("E_WRITE_INPUT", `${what}: piece ${k} holds ${p.cellCount} cells in ${p.tileCount} tiles; every piece but the last must hold full tiles of ${capacity}`);
    }
  });
  const fields = kept[0].fields.map((f0, i) => {
    const out: FieldFiles = { ...f0, fixedParts: [], varParts: [], validityParts: [], fileSize: 0, varFileSize: 0, validityFileSize: 0, tileOffsets: [], tileVarOffsets: [], tileVarSizes: [], tileValidityOffsets: [], stats: [] };
    for (const p of kept) {
      const f = p.fields[i];
      out.fixedParts.push(...f.fixedParts);
      out.varParts.push(...f.varParts);
      out.validityParts.push(...f.validityParts);
      for (const o of f.tileOffsets) out.tileOffsets.push(o + out.fileSize);
      for (const o of f.tileVarOffsets) out.tileVarOffsets.push(o + out.varFileSize);
      for (const o of f.tileValidityOffsets) out.tileValidityOffsets.push(o + out.validityFileSize);
      out.tileVarSizes.push(...f.tileVarSizes);
      out.stats.push(...f.stats);
      out.fileSize += f.fileSize;
      out.varFileSize += f.varFileSize;
      out.validityFileSize += f.validityFileSize;
    }
    return out;
  });
  const last = kept[kept.length - 1];
  let nonEmpty = kept[0].nonEmptyDomain;
  const dimFields = fields.filter((f) => f.isDim);
  for (const p of kept.slice(1)) nonEmpty = unionRanges(dimFields, nonEmpty, p.nonEmptyDomain);
  return {
    dense: false,
    fields,
    tileCount: kept.reduce((s, p) => s + p.tileCount, 0),
    cellCount: kept.reduce((s, p) => s + p.cellCount, 0),
    lastTileCellNum: last.lastTileCellNum,
    mbrs: kept.flatMap((p) => p.mbrs),
    nonEmptyDomain: nonEmpty,
  };
}

/** The smallest ranges holding both (per dimension: values of its type, or string bytes). */
export function unionRanges(dims: Array<{ isVar: boolean; type: Datatype }>, a: RawRange[], b: RawRange[]): RawRange[] {
  return a.map((r, d) => {
    const col = dims[d];
    const less = (x: Uint8Array, y: Uint8Array): boolean =>
      col.isVar ? compareByteArrays(x, y) < 0 : readDomainValue(x, 0, col.type) < readDomainValue(y, 0, col.type);
    const lo = less(b[d][0], r[0]) ? b[d][0] : r[0];
    const hi = less(r[1], b[d][1]) ? b[d][1] : r[1];
    return [lo, hi];
  });
}

