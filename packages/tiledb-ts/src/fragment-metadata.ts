/**
 * Fragment metadata (format spec: fragment.md, "Fragment Metadata File"): `__fragment_metadata.tdb` holds a
 * run of generic tiles (R-tree, per-field tile offsets, var offsets, var sizes, validity offsets, tile
 * mins/maxes/sums/null counts, fragment-level stats, processed conditions) and ends with a plain footer
 * that records where each of them starts. Field order and version gates follow TileDB's serializer.
 *
 * Field indexes: attributes 0..A-1, then the legacy `__coords` slot A, then dimensions A+1..A+D, then the
 * timestamps and delete-metadata slots of consolidated fragments.
 */
import { ByteReader, ByteWriter } from "./binary.js";
import { datatypeSize } from "./datatype.js";
import { decodeNDRectangle, encodeNDRectangle } from "./current-domain.js";
import { TileDBError } from "./errors.js";
import { FORMAT_VERSION, MAX_READ_FORMAT_VERSION } from "./format-version.js";
import { decodeGenericTileAt, encodeGenericTile, readGenericTile } from "./generic-tile.js";
import type { ArraySchema, DomainValue } from "./schema.js";
import { VAR_NUM } from "./schema.js";
import { joinUri } from "./vfs/index.js";
import type { VFS } from "./vfs/vfs.js";

export const FRAGMENT_METADATA_FILE = "__fragment_metadata.tdb";
/** TileDB's R-tree fanout. */
export const RTREE_FANOUT = 10;
/** Oldest fragment format this module decodes (the footer/R-tree layout of format 5). */
export const MIN_FRAGMENT_VERSION = 5;

/** One [low, high] per dimension; strings for var-sized (string) dimensions. */
export type Range1D = [DomainValue | string, DomainValue | string];
export type MBR = Range1D[];

/** Where each generic tile of the metadata file starts (byte offsets into `__fragment_metadata.tdb`). */
export interface GenericTileOffsets {
  rtree: number;
  tileOffsets: number[];
  tileVarOffsets: number[];
  tileVarSizes: number[];
  tileValidityOffsets: number[];
  tileMinOffsets: number[];
  tileMaxOffsets: number[];
  tileSumOffsets: number[];
  tileNullCountOffsets: number[];
  fragmentMinMaxSumNullCount: number;
  processedConditions: number;
  /** Format v23 optional section (sparse fragments): per dimension. */
  tileGlobalOrderMinOffsets?: number[];
  tileGlobalOrderMaxOffsets?: number[];
}

/** The footer: everything needed to open a fragment without reading its other metadata tiles. */
export interface FragmentFooter {
  version: number;
  /** The schema the fragment was written with (`__schema/<name>`, or `__array_schema.tdb` before v10). */
  arraySchemaName: string;
  dense: boolean;
  /** null when the fragment is empty. */
  nonEmptyDomain: MBR | null;
  sparseTileNum: number;
  lastTileCellNum: number;
  hasTimestamps: boolean;
  hasDeleteMeta: boolean;
  /** Per field: size of its data file (offsets file for var-sized fields). */
  fileSizes: number[];
  fileVarSizes: number[];
  fileValiditySizes: number[];
  gtOffsets: GenericTileOffsets;
  /** Bytes of the footer (without the trailing length field). */
  footerSize: number;
}

/** Per-tile minimum or maximum values of one field: fixed-size values, or uint64 offsets into `var`. */
export interface TileBounds {
  fixed: Uint8Array;
  var: Uint8Array;
}

export interface FragmentStats {
  min: Uint8Array;
  max: Uint8Array;
  /** 8 bytes: int64 for signed, uint64 for unsigned integers, float64 for floats. */
  sum: Uint8Array;
  nullCount: bigint;
}

/** Everything in a fragment metadata file, decoded. */
export interface FragmentMetadata extends FragmentFooter {
  rtree: { fanout: number; /** Root level first, leaves (one MBR per tile) last. */ levels: MBR[][] };
  /** The leaf MBRs: one per sparse tile (empty for dense fragments). */
  mbrs: MBR[];
  /** Per field: on-disk start offset of each tile in the data file. */
  tileOffsets: BigUint64Array[];
  tileVarOffsets: BigUint64Array[];
  /** Per var-sized field: unfiltered size of each var tile. */
  tileVarSizes: BigUint64Array[];
  tileValidityOffsets: BigUint64Array[];
  tileMins: TileBounds[];
  tileMaxes: TileBounds[];
  /** Per field: 8 bytes per tile (see FragmentStats.sum). */
  tileSums: Uint8Array[];
  tileNullCounts: BigUint64Array[];
  fragmentStats: FragmentStats[];
  processedConditions: string[];
  tileGlobalOrderMins?: TileBounds[];
  tileGlobalOrderMaxes?: TileBounds[];
}

// ---- field indexes ----

/** Number of field slots in the fragment: attributes, the coords slot, dimensions, timestamps/delete slots. */
export function fieldCount(schema: ArraySchema, footer: Pick<FragmentFooter, "hasTimestamps" | "hasDeleteMeta">): number {
  return schema.attributes.length + 1 + schema.dimensions.length + (footer.hasTimestamps ? 1 : 0) + (footer.hasDeleteMeta ? 2 : 0);
}

/** Special field names of consolidated fragments. */
export const COORDS_FIELD = "__coords";
export const TIMESTAMPS_FIELD = "__timestamps";
export const DELETE_TIMESTAMPS_FIELD = "__delete_timestamps";
export const DELETE_CONDITION_INDEX_FIELD = "__delete_condition_index";

/** The slot of an attribute or dimension (or special field) in per-field arrays and file names. */
export function fieldIndex(schema: ArraySchema, name: string, footer?: Pick<FragmentFooter, "hasTimestamps" | "hasDeleteMeta">): number {
  const a = schema.attributes.findIndex((x) => x.name === name);
  if (a >= 0) return a;
  const A = schema.attributes.length;
  if (name === COORDS_FIELD) return A;
  const d = schema.dimensions.findIndex((x) => x.name === name);
  if (d >= 0) return A + 1 + d;
  let idx = A + 1 + schema.dimensions.length;
  if (footer?.hasTimestamps) {
    if (name === TIMESTAMPS_FIELD) return idx;
    idx++;
  }
  if (footer?.hasDeleteMeta) {
    if (name === DELETE_TIMESTAMPS_FIELD) return idx;
    if (name === DELETE_CONDITION_INDEX_FIELD) return idx + 1;
  }
  throw new TileDBError("E_NOT_FOUND", `no attribute or dimension named "${name}" in schema ${schema.fileName}`);
}

/** Characters format 8 percent-encoded in data file names (RFC 3986 reserved plus those Windows forbids). */
const V8_ESCAPED = new Set('!#$%&\'()*+,/:;=?@[]"<>\\|');

/**
 * The data file name of a field in a fragment folder: `a<i>`, `d<i>`, `t`, `dt`, `dci` since format 9;
 * before that the field's own name (percent-encoded in format 8 only).
 */
export function fieldFileName(schema: ArraySchema, name: string, kind: "data" | "var" | "validity" = "data", version = FORMAT_VERSION): string {
  const suffix = kind === "var" ? "_var.tdb" : kind === "validity" ? "_validity.tdb" : ".tdb";
  const a = schema.attributes.findIndex((x) => x.name === name);
  const d = schema.dimensions.findIndex((x) => x.name === name);
  if (version < 9 && (a >= 0 || d >= 0)) {
    const encoded = version === 8 ? [...name].map((c) => (V8_ESCAPED.has(c) ? `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}` : c)).join("") : name;
    return `${encoded}${suffix}`;
  }
  if (a >= 0) return `a${a}${suffix}`;
  if (d >= 0) return `d${d}${suffix}`;
  if (name === TIMESTAMPS_FIELD) return `t${suffix}`;
  if (name === DELETE_TIMESTAMPS_FIELD) return `dt${suffix}`;
  if (name === DELETE_CONDITION_INDEX_FIELD) return `dci${suffix}`;
  if (name === COORDS_FIELD) return `__coords${suffix}`;
  throw new TileDBError("E_NOT_FOUND", `no attribute or dimension named "${name}" in schema ${schema.fileName}`);
}

/** Number of cells in the sparse fragment (all tiles full except the last). */
export function sparseCellNum(footer: FragmentFooter, schema: ArraySchema): bigint {
  if (footer.sparseTileNum === 0) return 0n;
  return BigInt(footer.sparseTileNum - 1) * schema.capacity + BigInt(footer.lastTileCellNum);
}

// ---- footer ----

function corrupt(what: string, detail: string): TileDBError {
  return new TileDBError("E_CORRUPT", `${what}: invalid fragment metadata: ${detail}`);
}

function u64s(r: ByteReader, n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = r.u64n();
  return out;
}

function decodeNonEmptyDomain(r: ByteReader, schema: ArraySchema): MBR | null {
  const isNull = r.u8() !== 0;
  if (!isNull) return decodeNDRectangle(r, schema.dimensions);
  // Writers put zeros in place of an empty fixed-size domain.
  if (schema.dimensions.every((d) => d.cellValNum !== VAR_NUM)) {
    r.bytesView(schema.dimensions.reduce((n, d) => n + 2 * datatypeSize(d.type) * d.cellValNum, 0));
  }
  return null;
}

/**
 * Decodes a footer from `bytes` at `offset`. `schemaFor` maps the footer's schema name to the schema
 * (pre-v10 fragments name `__array_schema.tdb`). Returns the footer, its schema and where it ended.
 */
export function decodeFragmentFooter(
  bytes: Uint8Array,
  offset: number,
  schemaFor: (name: string) => ArraySchema | undefined,
  what: string,
): { footer: FragmentFooter; schema: ArraySchema; end: number } {
  const r = new ByteReader(bytes, what, offset);
  try {
    const version = r.u32();
    if (version > MAX_READ_FORMAT_VERSION || version < MIN_FRAGMENT_VERSION) {
      throw new TileDBError(
        "E_UNSUPPORTED_VERSION",
        `${what}: fragment format version ${version} is not supported (this library reads ${MIN_FRAGMENT_VERSION} to ${MAX_READ_FORMAT_VERSION})`,
      );
    }
    let arraySchemaName = "__array_schema.tdb";
    if (version >= 10) {
      const n = r.u64n();
      if (n === 0 || n > r.remaining) throw corrupt(what, `bad array schema name length ${n}`);
      arraySchemaName = r.string(n);
    }
    const schema = schemaFor(arraySchemaName);
    if (!schema) {
      throw new TileDBError("E_NOT_FOUND", `${what}: fragment refers to array schema "${arraySchemaName}", which the array does not have`);
    }
    const dense = r.u8() !== 0;
    const nonEmptyDomain = decodeNonEmptyDomain(r, schema);
    const sparseTileNum = r.u64n();
    const lastTileCellNum = r.u64n();
    const hasTimestamps = version >= 14 ? r.u8() !== 0 : false;
    const hasDeleteMeta = version >= 15 ? r.u8() !== 0 : false;
    const num = fieldCount(schema, { hasTimestamps, hasDeleteMeta });
    const fileSizes = u64s(r, num);
    const fileVarSizes = u64s(r, num);
    const fileValiditySizes = version >= 7 ? u64s(r, num) : new Array<number>(num).fill(0);
    const none = () => new Array<number>(num).fill(0);
    const gt: GenericTileOffsets = {
      rtree: r.u64n(),
      tileOffsets: u64s(r, num),
      tileVarOffsets: u64s(r, num),
      tileVarSizes: u64s(r, num),
      tileValidityOffsets: version >= 7 ? u64s(r, num) : none(),
      tileMinOffsets: version >= 11 ? u64s(r, num) : none(),
      tileMaxOffsets: version >= 11 ? u64s(r, num) : none(),
      tileSumOffsets: version >= 11 ? u64s(r, num) : none(),
      tileNullCountOffsets: version >= 11 ? u64s(r, num) : none(),
      fragmentMinMaxSumNullCount: version >= 12 ? r.u64n() : 0,
      processedConditions: version >= 16 ? r.u64n() : 0,
    };
    if (version >= 23) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const id = r.u64();
        const size = r.u32();
        if (id === 0n) {
          const D = schema.dimensions.length;
          if (size !== 16 * D) throw corrupt(what, `tile global order section has ${size} bytes, expected ${16 * D}`);
          gt.tileGlobalOrderMinOffsets = u64s(r, D);
          gt.tileGlobalOrderMaxOffsets = u64s(r, D);
        } else {
          r.bytesView(size); // unknown optional sections are skipped, as the spec asks
        }
      }
    }
    const footer: FragmentFooter = {
      version,
      arraySchemaName,
      dense,
      nonEmptyDomain,
      sparseTileNum,
      lastTileCellNum,
      hasTimestamps,
      hasDeleteMeta,
      fileSizes,
      fileVarSizes,
      fileValiditySizes,
      gtOffsets: gt,
      footerSize: r.pos - offset,
    };
    return { footer, schema, end: r.pos };
  } catch (err) {
    if (err instanceof RangeError) throw corrupt(what, `${err.message} (truncated?)`);
    throw err;
  }
}

/** Footer size for pre-v10 fragments whose dimensions are all fixed-size (they store no footer length). */
function legacyFooterSize(schema: ArraySchema, version: number): number {
  const num = fieldCount(schema, { hasTimestamps: false, hasDeleteMeta: false });
  const domain = schema.dimensions.reduce((n, d) => n + 2 * datatypeSize(d.type), 0);
  let size = 4 + 1 + 1 + domain + 8 + 8 + 8;
  size += num * 8 * (version >= 7 ? 7 : 5);
  return size;
}

/**
 * Reads the footer of `<fragmentUri>/__fragment_metadata.tdb`. `nameVersion` is the version from the
 * fragment folder's name, needed for pre-v10 fragments whose footer length is implicit.
 */
export async function readFragmentFooter(
  fragmentUri: string,
  schemaFor: (name: string) => ArraySchema | undefined,
  vfs: VFS,
  nameVersion?: number,
): Promise<{ footer: FragmentFooter; schema: ArraySchema }> {
  const uri = joinUri(fragmentUri, FRAGMENT_METADATA_FILE);
  const fileSize = await vfs.size(uri).catch((err: unknown) => {
    throw new TileDBError("E_NOT_FOUND", `fragment metadata file ${uri} is missing`, { cause: err });
  });
  let footerOffset: number;
  let footerSize: number;
  const legacySchema = schemaFor("__array_schema.tdb");
  if (nameVersion !== undefined && nameVersion < 10 && legacySchema?.dimensions.every((d) => d.cellValNum !== VAR_NUM)) {
    footerSize = legacyFooterSize(legacySchema, nameVersion);
    footerOffset = fileSize - footerSize;
  } else {
    if (fileSize < 8) throw corrupt(uri, `file has only ${fileSize} bytes`);
    const tail = await vfs.read(uri, fileSize - 8, 8);
    const len = new DataView(tail.buffer, tail.byteOffset, 8).getBigUint64(0, true);
    if (len === 0n || len > BigInt(fileSize - 8)) throw corrupt(uri, `footer length ${len} does not fit in a ${fileSize}-byte file`);
    footerSize = Number(len);
    footerOffset = fileSize - 8 - footerSize;
  }
  if (footerOffset < 0) throw corrupt(uri, `footer of ${footerSize} bytes does not fit in a ${fileSize}-byte file`);
  const bytes = await vfs.read(uri, footerOffset, footerSize);
  const { footer, schema } = decodeFragmentFooter(bytes, 0, schemaFor, uri);
  return { footer, schema };
}

// ---- the generic tiles ----

function bigU64s(data: Uint8Array, what: string, section: string): BigUint64Array {
  const r = new ByteReader(data, what);
  const n = r.u64n();
  if (n * 8 !== r.remaining) throw corrupt(what, `${section} holds ${r.remaining} bytes for ${n} values`);
  const copy = data.slice(8, 8 + n * 8);
  return new BigUint64Array(copy.buffer, 0, n);
}

function decodeRtree(data: Uint8Array, schema: ArraySchema, what: string): FragmentMetadata["rtree"] {
  const r = new ByteReader(data, what);
  const fanout = r.u32();
  const levelNum = r.u32();
  const levels: MBR[][] = [];
  for (let l = 0; l < levelNum; l++) {
    const n = r.u64n();
    if (n > r.remaining) throw corrupt(what, `R-tree level ${l} claims ${n} MBRs`);
    const level: MBR[] = new Array(n);
    for (let m = 0; m < n; m++) level[m] = decodeNDRectangle(r, schema.dimensions);
    levels.push(level);
  }
  return { fanout, levels };
}

function decodeBounds(data: Uint8Array, what: string): TileBounds {
  const r = new ByteReader(data, what);
  const fixedSize = r.u64n();
  const varSize = r.u64n();
  const fixed = r.bytesView(fixedSize).slice();
  return { fixed, var: r.bytesView(varSize).slice() };
}

function decodeFragmentStats(data: Uint8Array, num: number, what: string): FragmentStats[] {
  const r = new ByteReader(data, what);
  const out: FragmentStats[] = [];
  for (let i = 0; i < num; i++) {
    const min = r.bytesView(r.u64n()).slice();
    const max = r.bytesView(r.u64n()).slice();
    const sum = r.bytesView(8).slice();
    out.push({ min, max, sum, nullCount: r.u64() });
  }
  return out;
}

function decodeProcessedConditions(data: Uint8Array, what: string): string[] {
  const r = new ByteReader(data, what);
  const n = r.u64n();
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.string(r.u64n()));
  return out;
}

/** The unfiltered payload of the generic tile at `offset` of the metadata file bytes. */
function tileAt(file: Uint8Array, offset: number, what: string, section: string): Uint8Array {
  if (offset >= file.byteLength) throw corrupt(what, `${section} offset ${offset} is past the end of the ${file.byteLength}-byte file`);
  return decodeGenericTileAt(file, offset, `${what} (${section})`).data;
}

/** Decodes every section of a fragment metadata file already read into memory. */
export function decodeFragmentMetadata(
  file: Uint8Array,
  schemaFor: (name: string) => ArraySchema | undefined,
  what: string,
  nameVersion?: number,
): FragmentMetadata {
  if (file.byteLength < 8) throw corrupt(what, `file has only ${file.byteLength} bytes`);
  let footerOffset: number;
  const legacySchema = schemaFor("__array_schema.tdb");
  if (nameVersion !== undefined && nameVersion < 10 && legacySchema?.dimensions.every((d) => d.cellValNum !== VAR_NUM)) {
    footerOffset = file.byteLength - legacyFooterSize(legacySchema, nameVersion);
  } else {
    const len = new DataView(file.buffer, file.byteOffset + file.byteLength - 8, 8).getBigUint64(0, true);
    if (len === 0n || len > BigInt(file.byteLength - 8)) throw corrupt(what, `footer length ${len} does not fit in a ${file.byteLength}-byte file`);
    footerOffset = file.byteLength - 8 - Number(len);
  }
  if (footerOffset < 0) throw corrupt(what, "footer does not fit in the file");
  const { footer, schema } = decodeFragmentFooter(file, footerOffset, schemaFor, what);
  return decodeFragmentMetadataTiles(file, footer, schema, what);
}

/** Decodes the generic tiles a footer points at. */
export function decodeFragmentMetadataTiles(file: Uint8Array, footer: FragmentFooter, schema: ArraySchema, what: string): FragmentMetadata {
  const gt = footer.gtOffsets;
  const num = fieldCount(schema, footer);
  const perField = <T>(offsets: number[], section: string, fn: (data: Uint8Array, sec: string) => T, absent: () => T, present = true): T[] =>
    offsets.map((o, i) => (present ? fn(tileAt(file, o, what, `${section} ${i}`), `${section} ${i}`) : absent()));
  const noU64 = () => new BigUint64Array(0);
  const noBounds = (): TileBounds => ({ fixed: new Uint8Array(0), var: new Uint8Array(0) });
  const rtree = decodeRtree(tileAt(file, gt.rtree, what, "R-tree"), schema, `${what} (R-tree)`);
  const v = footer.version;
  const meta: FragmentMetadata = {
    ...footer,
    rtree,
    mbrs: rtree.levels.length > 0 ? rtree.levels[rtree.levels.length - 1] : [],
    tileOffsets: perField(gt.tileOffsets, "tile offsets", (d, s) => bigU64s(d, what, s), noU64),
    tileVarOffsets: perField(gt.tileVarOffsets, "tile var offsets", (d, s) => bigU64s(d, what, s), noU64),
    tileVarSizes: perField(gt.tileVarSizes, "tile var sizes", (d, s) => bigU64s(d, what, s), noU64),
    tileValidityOffsets: perField(gt.tileValidityOffsets, "tile validity offsets", (d, s) => bigU64s(d, what, s), noU64, v >= 7),
    tileMins: perField(gt.tileMinOffsets, "tile mins", (d, s) => decodeBounds(d, `${what} (${s})`), noBounds, v >= 11),
    tileMaxes: perField(gt.tileMaxOffsets, "tile maxes", (d, s) => decodeBounds(d, `${what} (${s})`), noBounds, v >= 11),
    tileSums: perField(gt.tileSumOffsets, "tile sums", (d, s) => new Uint8Array(bigU64s(d, what, s).buffer), () => new Uint8Array(0), v >= 11),
    tileNullCounts: perField(gt.tileNullCountOffsets, "tile null counts", (d, s) => bigU64s(d, what, s), noU64, v >= 11),
    fragmentStats: v >= 12 ? decodeFragmentStats(tileAt(file, gt.fragmentMinMaxSumNullCount, what, "fragment stats"), num, `${what} (fragment stats)`) : [],
    processedConditions: v >= 16 ? decodeProcessedConditions(tileAt(file, gt.processedConditions, what, "processed conditions"), what) : [],
  };
  if (gt.tileGlobalOrderMinOffsets && gt.tileGlobalOrderMaxOffsets) {
    meta.tileGlobalOrderMins = perField(gt.tileGlobalOrderMinOffsets, "tile global order mins", (d, s) => decodeBounds(d, `${what} (${s})`), noBounds);
    meta.tileGlobalOrderMaxes = perField(gt.tileGlobalOrderMaxOffsets, "tile global order maxes", (d, s) => decodeBounds(d, `${what} (${s})`), noBounds);
  }
  return meta;
}

/** Reads and decodes the whole metadata file of a fragment whose footer is known. */
export async function loadFragmentMetadata(fragmentUri: string, footer: FragmentFooter, schema: ArraySchema, vfs: VFS): Promise<FragmentMetadata> {
  const uri = joinUri(fragmentUri, FRAGMENT_METADATA_FILE);
  const file = await vfs.read(uri);
  return decodeFragmentMetadataTiles(file, footer, schema, uri);
}

/**
 * Loads single sections of a fragment's metadata on demand (one small read each), for readers that need
 * only the R-tree and a few fields' tile offsets of a large fragment.
 */
export class FragmentMetadataSections {
  private readonly uri: string;
  private readonly cache = new Map<string, Promise<unknown>>();
  constructor(
    readonly fragmentUri: string,
    readonly footer: FragmentFooter,
    readonly schema: ArraySchema,
    private readonly vfs: VFS,
  ) {
    this.uri = joinUri(fragmentUri, FRAGMENT_METADATA_FILE);
  }
  private section<T>(key: string, offset: number, decode: (data: Uint8Array, what: string) => T): Promise<T> {
    let p = this.cache.get(key) as Promise<T> | undefined;
    if (!p) {
      const what = `${this.uri} (${key})`;
      p = readGenericTile(this.vfs, this.uri, offset).then((t) => decode(t.data, what));
      this.cache.set(key, p);
    }
    return p;
  }
  rtree(): Promise<FragmentMetadata["rtree"]> {
    return this.section("R-tree", this.footer.gtOffsets.rtree, (d, w) => decodeRtree(d, this.schema, w));
  }
  async mbrs(): Promise<MBR[]> {
    const t = await this.rtree();
    return t.levels.length > 0 ? t.levels[t.levels.length - 1] : [];
  }
  tileOffsets(field: number): Promise<BigUint64Array> {
    return this.section(`tile offsets ${field}`, this.footer.gtOffsets.tileOffsets[field], (d, w) => bigU64s(d, w, "tile offsets"));
  }
  tileVarOffsets(field: number): Promise<BigUint64Array> {
    return this.section(`tile var offsets ${field}`, this.footer.gtOffsets.tileVarOffsets[field], (d, w) => bigU64s(d, w, "tile var offsets"));
  }
  tileVarSizes(field: number): Promise<BigUint64Array> {
    return this.section(`tile var sizes ${field}`, this.footer.gtOffsets.tileVarSizes[field], (d, w) => bigU64s(d, w, "tile var sizes"));
  }
  tileValidityOffsets(field: number): Promise<BigUint64Array> {
    return this.section(`tile validity offsets ${field}`, this.footer.gtOffsets.tileValidityOffsets[field], (d, w) =>
      bigU64s(d, w, "tile validity offsets"),
    );
  }
  tileMins(field: number): Promise<TileBounds> {
    return this.section(`tile mins ${field}`, this.footer.gtOffsets.tileMinOffsets[field], decodeBounds);
  }
  tileMaxes(field: number): Promise<TileBounds> {
    return this.section(`tile maxes ${field}`, this.footer.gtOffsets.tileMaxOffsets[field], decodeBounds);
  }
  tileSums(field: number): Promise<Uint8Array> {
    return this.section(`tile sums ${field}`, this.footer.gtOffsets.tileSumOffsets[field], (d, w) => new Uint8Array(bigU64s(d, w, "tile sums").buffer));
  }
  tileNullCounts(field: number): Promise<BigUint64Array> {
    return this.section(`tile null counts ${field}`, this.footer.gtOffsets.tileNullCountOffsets[field], (d, w) => bigU64s(d, w, "tile null counts"));
  }
  fragmentStats(): Promise<FragmentStats[]> {
    if (this.footer.version < 12) return Promise.resolve([]);
    return this.section("fragment stats", this.footer.gtOffsets.fragmentMinMaxSumNullCount, (d, w) =>
      decodeFragmentStats(d, fieldCount(this.schema, this.footer), w),
    );
  }
  /** Everything at once (one read of the whole file). */
  all(): Promise<FragmentMetadata> {
    let p = this.cache.get("all") as Promise<FragmentMetadata> | undefined;
    if (!p) {
      p = loadFragmentMetadata(this.fragmentUri, this.footer, this.schema, this.vfs);
      this.cache.set("all", p);
    }
    return p;
  }
}

// ---- encoding ----

/** What a writer supplies; the footer's offsets and sizes are computed while encoding. */
export interface FragmentMetadataInput {
  version?: number;
  arraySchemaName: string;
  dense: boolean;
  nonEmptyDomain: MBR | null;
  /** Sparse: one MBR per tile, in tile order (the R-tree is built from them). Dense: empty. */
  mbrs: MBR[];
  /** Dense fragments: number of tiles is implied by the domain; sparse: mbrs.length. */
  sparseTileNum?: number;
  lastTileCellNum: number;
  hasTimestamps?: boolean;
  hasDeleteMeta?: boolean;
  fileSizes: ArrayLike<number | bigint>;
  fileVarSizes: ArrayLike<number | bigint>;
  fileValiditySizes: ArrayLike<number | bigint>;
  tileOffsets: ArrayLike<number | bigint>[];
  tileVarOffsets: ArrayLike<number | bigint>[];
  tileVarSizes: ArrayLike<number | bigint>[];
  tileValidityOffsets: ArrayLike<number | bigint>[];
  tileMins: TileBounds[];
  tileMaxes: TileBounds[];
  tileSums: Uint8Array[];
  tileNullCounts: ArrayLike<number | bigint>[];
  fragmentStats: FragmentStats[];
  processedConditions?: string[];
  tileGlobalOrderMins?: TileBounds[];
  tileGlobalOrderMaxes?: TileBounds[];
}

/** Builds the R-tree levels bottom-up from the leaf MBRs, as TileDB does (root first). */
export function buildRtreeLevels(leaves: MBR[], schema: ArraySchema, fanout = RTREE_FANOUT): MBR[][] {
  if (leaves.length === 0) return [];
  const levels: MBR[][] = [leaves];
  if (leaves.length === 1) return levels;
  // The same floating-point formula as TileDB, so trees (and bytes) match even where log rounds up.
  const height = Math.ceil(Math.log(leaves.length) / Math.log(fanout)) + 1;
  for (let h = 0; h < height - 1; h++) {
    const prev = levels[levels.length - 1];
    const next: MBR[] = [];
    for (let i = 0; i < prev.length; i += fanout) {
      const group = prev.slice(i, i + fanout);
      next.push(
        schema.dimensions.map((_, d) => {
          let lo = group[0][d][0];
          let hi = group[0][d][1];
          for (const m of group) {
            if (m[d][0] < lo) lo = m[d][0];
            if (m[d][1] > hi) hi = m[d][1];
          }
          return [lo, hi] as Range1D;
        }),
      );
    }
    levels.push(next);
  }
  return levels.reverse();
}

function u64Tile(values: ArrayLike<number | bigint>): Uint8Array {
  const w = new ByteWriter(8 + values.length * 8);
  w.u64(values.length);
  for (let i = 0; i < values.length; i++) w.u64(values[i]);
  return w.finish();
}

function boundsTile(b: TileBounds): Uint8Array {
  const w = new ByteWriter(16 + b.fixed.byteLength + b.var.byteLength);
  w.u64(b.fixed.byteLength).u64(b.var.byteLength).bytes(b.fixed).bytes(b.var);
  return w.finish();
}

function rangeBytes(w: ByteWriter, mbrs: MBR[], schema: ArraySchema): void {
  for (const m of mbrs) encodeNDRectangle(w, m, schema.dimensions);
}

/** Encodes a whole `__fragment_metadata.tdb` file in TileDB's section order. */
export function encodeFragmentMetadata(input: FragmentMetadataInput, schema: ArraySchema): Uint8Array {
  const version = input.version ?? FORMAT_VERSION;
  if (version < 12 || version > MAX_READ_FORMAT_VERSION) {
    throw new TileDBError("E_UNSUPPORTED_VERSION", `cannot write fragment format version ${version} (supported: 12 to ${MAX_READ_FORMAT_VERSION})`);
  }
  const hasTimestamps = input.hasTimestamps ?? false;
  const hasDeleteMeta = input.hasDeleteMeta ?? false;
  const num = fieldCount(schema, { hasTimestamps, hasDeleteMeta });
  const check = (name: string, arr: { length: number }) => {
    if (arr.length !== num) throw new TileDBError("E_FRAGMENT", `fragment metadata: ${name} has ${arr.length} entries, the schema needs ${num}`);
  };
  for (const [k, v] of Object.entries({
    fileSizes: input.fileSizes,
    fileVarSizes: input.fileVarSizes,
    fileValiditySizes: input.fileValiditySizes,
    tileOffsets: input.tileOffsets,
    tileVarOffsets: input.tileVarOffsets,
    tileVarSizes: input.tileVarSizes,
    tileValidityOffsets: input.tileValidityOffsets,
    tileMins: input.tileMins,
    tileMaxes: input.tileMaxes,
    tileSums: input.tileSums,
    tileNullCounts: input.tileNullCounts,
    fragmentStats: input.fragmentStats,
  })) check(k, v);

  const parts: Uint8Array[] = [];
  let offset = 0;
  const put = (payload: Uint8Array): number => {
    const tile = encodeGenericTile(payload, { version });
    const at = offset;
    parts.push(tile);
    offset += tile.byteLength;
    return at;
  };

  const levels = buildRtreeLevels(input.mbrs, schema);
  const rt = new ByteWriter(64);
  rt.u32(RTREE_FANOUT).u32(levels.length);
  for (const level of levels) {
    rt.u64(level.length);
    rangeBytes(rt, level, schema);
  }
  const gt: GenericTileOffsets = {
    rtree: put(rt.finish()),
    tileOffsets: input.tileOffsets.map((t) => put(u64Tile(t))),
    tileVarOffsets: input.tileVarOffsets.map((t) => put(u64Tile(t))),
    tileVarSizes: input.tileVarSizes.map((t) => put(u64Tile(t))),
    tileValidityOffsets: input.tileValidityOffsets.map((t) => put(u64Tile(t))),
    tileMinOffsets: input.tileMins.map((b) => put(boundsTile(b))),
    tileMaxOffsets: input.tileMaxes.map((b) => put(boundsTile(b))),
    tileSumOffsets: [],
    tileNullCountOffsets: [],
    fragmentMinMaxSumNullCount: 0,
    processedConditions: 0,
  };
  const globalOrder = version >= 23 && !input.dense && input.tileGlobalOrderMins && input.tileGlobalOrderMaxes;
  if (globalOrder) {
    gt.tileGlobalOrderMinOffsets = input.tileGlobalOrderMins!.map((b) => put(boundsTile(b)));
    gt.tileGlobalOrderMaxOffsets = input.tileGlobalOrderMaxes!.map((b) => put(boundsTile(b)));
  }
  gt.tileSumOffsets = input.tileSums.map((s) => {
    if (s.byteLength % 8 !== 0) throw new TileDBError("E_FRAGMENT", `fragment metadata: tile sums must be 8 bytes per tile, got ${s.byteLength}`);
    const w = new ByteWriter(8 + s.byteLength);
    w.u64(s.byteLength / 8).bytes(s);
    return put(w.finish());
  });
  gt.tileNullCountOffsets = input.tileNullCounts.map((t) => put(u64Tile(t)));
  const fs = new ByteWriter(64);
  for (const s of input.fragmentStats) {
    fs.u64(s.min.byteLength).bytes(s.min).u64(s.max.byteLength).bytes(s.max);
    if (s.sum.byteLength !== 8) throw new TileDBError("E_FRAGMENT", `fragment metadata: a fragment sum must be 8 bytes, got ${s.sum.byteLength}`);
    fs.bytes(s.sum).u64(s.nullCount);
  }
  gt.fragmentMinMaxSumNullCount = put(fs.finish());
  const pc = new ByteWriter(16);
  const conds = input.processedConditions ?? [];
  pc.u64(conds.length);
  for (const c of conds) {
    const b = new TextEncoder().encode(c);
    pc.u64(b.byteLength).bytes(b);
  }
  gt.processedConditions = put(pc.finish());

  const footer = encodeFragmentFooter(
    {
      version,
      arraySchemaName: input.arraySchemaName,
      dense: input.dense,
      nonEmptyDomain: input.nonEmptyDomain,
      sparseTileNum: input.sparseTileNum ?? (input.dense ? 0 : input.mbrs.length),
      lastTileCellNum: input.lastTileCellNum,
      hasTimestamps,
      hasDeleteMeta,
      fileSizes: Array.from(input.fileSizes, Number),
      fileVarSizes: Array.from(input.fileVarSizes, Number),
      fileValiditySizes: Array.from(input.fileValiditySizes, Number),
      gtOffsets: gt,
      footerSize: 0,
    },
    schema,
  );
  const out = new Uint8Array(offset + footer.byteLength + 8);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.byteLength;
  }
  out.set(footer, pos);
  new DataView(out.buffer).setBigUint64(pos + footer.byteLength, BigInt(footer.byteLength), true);
  return out;
}

/** Cells in a full tile: the capacity for sparse fragments, the product of tile extents for dense ones. */
export function fullTileCellNum(schema: ArraySchema, dense: boolean): bigint {
  if (!dense) return schema.capacity;
  let n = 1n;
  for (const d of schema.dimensions) {
    if (d.tileExtent === null) throw new TileDBError("E_SCHEMA", `dense dimension "${d.name}" has no tile extent`);
    n *= BigInt(d.tileExtent);
  }
  return n;
}

/** Encodes a footer (without the trailing length), as stored in the metadata file and in `__fragment_meta` files. */
export function encodeFragmentFooter(f: FragmentFooter, schema: ArraySchema): Uint8Array {
  const v = f.version;
  const num = fieldCount(schema, f);
  const w = new ByteWriter(512);
  w.u32(v);
  if (v >= 10) {
    const name = new TextEncoder().encode(f.arraySchemaName);
    w.u64(name.byteLength).bytes(name);
  }
  w.u8(f.dense ? 1 : 0);
  if (f.nonEmptyDomain === null) {
    w.u8(1);
    for (const d of schema.dimensions) {
      if (d.cellValNum === VAR_NUM) throw new TileDBError("E_FRAGMENT", `an empty fragment of an array with string dimension "${d.name}" cannot be written`);
      w.bytes(new Uint8Array(2 * datatypeSize(d.type)));
    }
  } else {
    w.u8(0);
    encodeNDRectangle(w, f.nonEmptyDomain, schema.dimensions);
  }
  w.u64(f.sparseTileNum);
  // TileDB stores a full tile's cell count (capacity, or cells per dense tile) in place of 0.
  w.u64(f.lastTileCellNum === 0 ? fullTileCellNum(schema, f.dense) : f.lastTileCellNum);
  if (v >= 14) w.u8(f.hasTimestamps ? 1 : 0);
  if (v >= 15) w.u8(f.hasDeleteMeta ? 1 : 0);
  const list = (a: number[], name: string) => {
    if (a.length !== num) throw new TileDBError("E_FRAGMENT", `fragment footer: ${name} has ${a.length} entries, the schema needs ${num}`);
    for (const x of a) w.u64(x);
  };
  list(f.fileSizes, "fileSizes");
  list(f.fileVarSizes, "fileVarSizes");
  if (v >= 7) list(f.fileValiditySizes, "fileValiditySizes");
  const g = f.gtOffsets;
  w.u64(g.rtree);
  list(g.tileOffsets, "tileOffsets");
  list(g.tileVarOffsets, "tileVarOffsets");
  list(g.tileVarSizes, "tileVarSizes");
  if (v >= 7) list(g.tileValidityOffsets, "tileValidityOffsets");
  if (v >= 11) {
    list(g.tileMinOffsets, "tileMinOffsets");
    list(g.tileMaxOffsets, "tileMaxOffsets");
    list(g.tileSumOffsets, "tileSumOffsets");
    list(g.tileNullCountOffsets, "tileNullCountOffsets");
    w.u64(g.fragmentMinMaxSumNullCount);
  }
  if (v >= 16) w.u64(g.processedConditions);
  if (v >= 23) {
    if (g.tileGlobalOrderMinOffsets && g.tileGlobalOrderMaxOffsets) {
      w.u32(1);
      w.u64(0n);
      w.u32(16 * schema.dimensions.length);
      for (const x of g.tileGlobalOrderMinOffsets) w.u64(x);
      for (const x of g.tileGlobalOrderMaxOffsets) w.u64(x);
    } else {
      w.u32(0);
    }
  }
  return w.finish().slice();
}
