/**
 * Writes a built fragment to storage and commits it (format spec: array_file_hierarchy.md, fragment.md):
 * data files and `__fragment_metadata.tdb` into `__fragments/<name>/`, then the empty commit file
 * `__commits/<name>.wrt` last. Readers only see fragments with a commit file, so a crash at any point leaves
 * the array with whole fragments only.
 */

import { COMMITS_DIR, FRAGMENTS_DIR } from "../array-directory.js";
import { compareByteArrays, textDecoder } from "../binary.js";
import { Datatype } from "../datatype.js";
import { readDomainValue } from "../domain-value.js";
import { FORMAT_VERSION } from "../format-version.js";
import { encodeFragmentMetadata, FRAGMENT_METADATA_FILE, type FragmentMetadataInput, type FragmentStats, type MBR, type TileBounds } from "../fragment-metadata.js";
import type { ArraySchema } from "../schema.js";
import { makeTimestampedName } from "../timestamped-name.js";
import { joinUri } from "../vfs/index.js";
import type { VFS } from "../vfs/vfs.js";
import { concatParts } from "../filters/util.js";
import { dataFileNames, type FieldFiles, type FragmentContent, fieldDataFiles, type RawRange } from "./fragment-builder.js";


export interface CommittedFragment {
  /** `__t1_t2_uuid_v` */
  name: string;
  uri: string;
  t1: number;
  t2: number;
  cellCount: number;
  tileCount: number;
}

function rangeValue(bytes: Uint8Array, type: Datatype, isVar: boolean): number | bigint | string {
  if (isVar) return textDecoder.decode(bytes);
  return readDomainValue(bytes, 0, type);
}

function toMbr(schema: ArraySchema, r: RawRange[]): MBR {
  return schema.dimensions.map((d, i) => {
    const isVar = d.cellValNum !== 1;
    return [rangeValue(r[i][0], d.type, isVar), rangeValue(r[i][1], d.type, isVar)];
  });
}

const EMPTY = new Uint8Array(0);

function bounds(f: FieldFiles, which: "min" | "max"): TileBounds {
  if (!f.hasMinMax) return { fixed: EMPTY, var: EMPTY };
  if (!f.isVar) {
    return { fixed: concatParts(f.stats.map((s) => (which === "min" ? s.min : s.max) as Uint8Array)), var: EMPTY };
  }
  const vals = f.stats.map((s) => ((which === "min" ? s.min : s.max) ?? EMPTY) as Uint8Array);
  const offs = new BigUint64Array(vals.length);
  let o = 0;
  vals.forEach((v, i) => {
    offs[i] = BigInt(o);
    o += v.byteLength;
  });
  return { fixed: new Uint8Array(offs.buffer), var: concatParts(vals) };
}

/** Fragment-level min/max/sum/null count from the tile statistics (TileDB's compute_fragment_min_max_sum_null_count). */
function fragmentStats(f: FieldFiles, cellsPerTile: (t: number) => number): FragmentStats {
  const nullCount = f.stats.reduce((s, x) => s + BigInt(x.nullCount), 0n);
  const out: FragmentStats = { min: EMPTY, max: EMPTY, sum: new Uint8Array(8), nullCount };
  const live = f.stats.filter((s, t) => !(f.nullable && s.nullCount === cellsPerTile(t)));
  if (f.hasMinMax) {
    if (f.isVar || f.type === Datatype.CHAR || f.type === Datatype.STRING_ASCII) {
      let min: Uint8Array | null = null;
      let max: Uint8Array | null = null;
      for (const s of live) {
        if (!s.min || !s.max) continue;
        if (min === null || compareByteArrays(s.min, min) < 0) min = s.min;
        if (max === null || compareByteArrays(s.max, max) > 0) max = s.max;
      }
      out.min = min ?? (f.isVar ? EMPTY : f.stats[0]?.min ?? EMPTY);
      out.max = max ?? (f.isVar ? EMPTY : f.stats[0]?.max ?? EMPTY);
    } else {
      let min: number | bigint | undefined;
      let max: number | bigint | undefined;
      let minB: Uint8Array | undefined;
      let maxB: Uint8Array | undefined;
      for (const s of live) {
        const a = readDomainValue(s.min as Uint8Array, 0, f.type);
        const b = readDomainValue(s.max as Uint8Array, 0, f.type);
        if (min === undefined || a < min) { min = a; minB = s.min as Uint8Array; }
        if (max === undefined || b > max) { max = b; maxB = s.max as Uint8Array; }
      }
      // No live tile: the type's defaults, which every all-null tile also carries.
      out.min = minB ?? (f.stats[0]?.min as Uint8Array) ?? new Uint8Array(f.cellSize);
      out.max = maxB ?? (f.stats[0]?.max as Uint8Array) ?? new Uint8Array(f.cellSize);
    }
  }
  if (f.hasSum) out.sum = sumSums(f);
  return out;
}

function sumSums(f: FieldFiles): Uint8Array {
  const out = new Uint8Array(8);
  const d = new DataView(out.buffer);
  const float = f.type === Datatype.FLOAT32 || f.type === Datatype.FLOAT64;
  const unsigned = [Datatype.UINT8, Datatype.UINT16, Datatype.UINT32, Datatype.UINT64, Datatype.BOOL].includes(f.type);
  if (float) {
    let s = 0;
    for (const x of f.stats) {
      const v = new DataView((x.sum as Uint8Array).buffer, (x.sum as Uint8Array).byteOffset, 8).getFloat64(0, true);
      if (s < 0 === v < 0 && Math.abs(s) > Number.MAX_VALUE - Math.abs(v)) {
        s = s < 0 ? -Number.MAX_VALUE : Number.MAX_VALUE;
        break;
      }
      s += v;
    }
    d.setFloat64(0, s, true);
  } else if (unsigned) {
    let s = 0n;
    for (const x of f.stats) {
      s += new DataView((x.sum as Uint8Array).buffer, (x.sum as Uint8Array).byteOffset, 8).getBigUint64(0, true);
      if (s > (1n << 64n) - 1n) { s = (1n << 64n) - 1n; break; }
    }
    d.setBigUint64(0, s, true);
  } else {
    let s = 0n;
    for (const x of f.stats) {
      s += new DataView((x.sum as Uint8Array).buffer, (x.sum as Uint8Array).byteOffset, 8).getBigInt64(0, true);
      if (s > (1n << 63n) - 1n) { s = (1n << 63n) - 1n; break; }
      if (s < -(1n << 63n)) { s = -(1n << 63n); break; }
    }
    d.setBigInt64(0, s, true);
  }
  return out;
}

/** The fragment metadata of `content`, in the per-field slot layout TileDB uses (attributes, coords slot, dimensions). */
export function fragmentMetadataInput(schema: ArraySchema, content: FragmentContent, version = FORMAT_VERSION): FragmentMetadataInput {
  const A = schema.attributes.length;
  const D = schema.dimensions.length;
  const slots = A + 1 + D;
  const T = content.tileCount;
  const capacity = Number(schema.capacity);
  const cellsPerTile = (t: number) =>
    content.dense ? content.cellCount / Math.max(T, 1) : t === T - 1 ? content.lastTileCellNum : capacity;
  const zeros = () => new Array<number>(T).fill(0);
  const input: FragmentMetadataInput = {
    version,
    arraySchemaName: schema.fileName,
    dense: content.dense,
    nonEmptyDomain: content.cellCount === 0 ? null : toMbr(schema, content.nonEmptyDomain),
    mbrs: content.dense ? [] : content.mbrs.map((m) => toMbr(schema, m)),
    sparseTileNum: content.dense ? 0 : T,
    lastTileCellNum: content.dense ? 0 : content.lastTileCellNum,
    fileSizes: new Array(slots).fill(0),
    fileVarSizes: new Array(slots).fill(0),
    fileValiditySizes: new Array(slots).fill(0),
    tileOffsets: [],
    tileVarOffsets: [],
    tileVarSizes: [],
    tileValidityOffsets: [],
    tileMins: [],
    tileMaxes: [],
    tileSums: [],
    tileNullCounts: [],
    fragmentStats: [],
  };
  const fileSizes = input.fileSizes as number[];
  const fileVarSizes = input.fileVarSizes as number[];
  const fileValiditySizes = input.fileValiditySizes as number[];
  const byName = new Map(content.fields.map((f) => [f.name, f]));
  const slotNames: Array<string | null> = [...schema.attributes.map((a) => a.name), null, ...schema.dimensions.map((d) => d.name)];
  slotNames.forEach((name, i) => {
    const f = name === null ? undefined : byName.get(name);
    if (!f) {
      // The coords slot, and dimensions of dense fragments: tile arrays of zeros, no statistics.
      input.tileOffsets.push(zeros());
      input.tileVarOffsets.push(zeros());
      input.tileVarSizes.push(zeros());
      input.tileValidityOffsets.push(zeros());
      input.tileMins.push({ fixed: EMPTY, var: EMPTY });
      input.tileMaxes.push({ fixed: EMPTY, var: EMPTY });
      input.tileSums.push(EMPTY);
      input.tileNullCounts.push([]);
      input.fragmentStats.push({ min: EMPTY, max: EMPTY, sum: new Uint8Array(8), nullCount: 0n });
      return;
    }
    fileSizes[i] = f.fileSize;
    fileVarSizes[i] = f.varFileSize;
    fileValiditySizes[i] = f.validityFileSize;
    input.tileOffsets.push(f.tileOffsets);
    input.tileVarOffsets.push(f.isVar ? f.tileVarOffsets : zeros());
    input.tileVarSizes.push(f.isVar ? f.tileVarSizes : zeros());
    input.tileValidityOffsets.push(f.nullable ? f.tileValidityOffsets : zeros());
    input.tileMins.push(bounds(f, "min"));
    input.tileMaxes.push(bounds(f, "max"));
    input.tileSums.push(f.hasSum ? concatParts(f.stats.map((s) => s.sum as Uint8Array)) : EMPTY);
    input.tileNullCounts.push(f.nullable ? f.stats.map((s) => s.nullCount) : []);
    input.fragmentStats.push(fragmentStats(f, cellsPerTile));
  });
  return input;
}

export interface CommitOptions {
  vfs: VFS;
  /** Timestamp (ms) of the fragment; default now. A [t1, t2] range for consolidated fragments. */
  timestamp?: number | [number, number];
  version?: number;
}

/** Writes one field's data files into the fragment folder `dir` (names as TileDB gives them). */
export type FieldFileWriter = (field: FieldFiles, fieldIndex: number, names: ReturnType<typeof dataFileNames>, dir: string) => Promise<void>;

/**
 * Writes the fragment's files and then its commit file. Returns the committed fragment.
 * The fragment's folder is invisible to readers until the commit file exists. `writeField` puts a field's data
 * files in place (default: written from the content's encoded tiles).
 */
export async function commitFragment(
  arrayUri: string,
  schema: ArraySchema,
  content: FragmentContent,
  options: CommitOptions,
  writeField: FieldFileWriter = writeFieldParts(options.vfs),
): Promise<CommittedFragment> {
  const version = options.version ?? FORMAT_VERSION;
  const ts = options.timestamp ?? Date.now();
  const [t1, t2] = typeof ts === "number" ? [ts, ts] : ts;
  const name = makeTimestampedName(t1, t2, version);
  const dir = joinUri(arrayUri, FRAGMENTS_DIR, name);
  const vfs = options.vfs;
  await vfs.mkdir(dir);
  await Promise.all(
    content.fields.map((f, i) => {
      const idx = f.isDim ? schema.dimensions.findIndex((d) => d.name === f.name) : schema.attributes.findIndex((a) => a.name === f.name);
      return writeField(f, i, dataFileNames(f, idx), dir);
    }),
  );
  const meta = encodeFragmentMetadata(fragmentMetadataInput(schema, content, version), schema);
  await vfs.write(joinUri(dir, FRAGMENT_METADATA_FILE), meta);
  // The commit file is written last: its existence is what makes the fragment part of the array.
  await vfs.write(joinUri(arrayUri, COMMITS_DIR, `${name}.wrt`), new Uint8Array(0));
  return { name, uri: dir, t1, t2, cellCount: content.cellCount, tileCount: content.tileCount };
}

/** Writes a field's data files from its encoded tiles, named by `names`, into `dir`. */
export function writeFieldParts(vfs: VFS): FieldFileWriter {
  return async (f, _i, names, dir) => {
    for (const file of fieldDataFiles(f)) await vfs.write(joinUri(dir, names[file.kind]), file.parts);
  };
}
