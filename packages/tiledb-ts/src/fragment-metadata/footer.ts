/**
 * The footer of `__fragment_metadata.tdb`: everything needed to open a fragment (versions, schema name, non-empty
 * domain, file sizes, where each generic tile starts), stored after the tiles and followed by its length.
 */
import { ByteReader, ByteWriter } from "../binary.js";
import { decodeNDRectangle, encodeNDRectangle } from "../current-domain.js";
import { datatypeSize } from "../datatype.js";
import { TileDBError } from "../errors.js";
import { MAX_READ_FORMAT_VERSION } from "../format-version.js";
import type { ArraySchema } from "../schema.js";
import { VAR_NUM } from "../schema.js";
import { joinUri } from "../vfs/index.js";
import { readTail, type VFS } from "../vfs/vfs.js";
import { corrupt } from "./corrupt.js";
import { fieldCount } from "./fields.js";
import { FRAGMENT_METADATA_FILE, type FragmentFooter, type GenericTileOffsets, type MBR, MIN_FRAGMENT_VERSION } from "./types.js";

/** The name pre-v10 fragments give their (only) schema. */
const LEGACY_SCHEMA_NAME = "__array_schema.tdb";
/** The id of the optional footer section (format 23) with the tiles' global order bounds. */
const GLOBAL_ORDER_SECTION = 0n;

type SchemaFor = (name: string) => ArraySchema | undefined;

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

/** The format version and the schema the fragment was written with. */
function decodeVersionAndSchema(r: ByteReader, schemaFor: SchemaFor, what: string): { version: number; arraySchemaName: string; schema: ArraySchema } {
  const version = r.u32();
  if (version > MAX_READ_FORMAT_VERSION || version < MIN_FRAGMENT_VERSION) {
    throw new TileDBError(
      "E_UNSUPPORTED_VERSION",
      `${what}: fragment format version ${version} is not supported (this library reads ${MIN_FRAGMENT_VERSION} to ${MAX_READ_FORMAT_VERSION})`,
    );
  }
  let arraySchemaName = LEGACY_SCHEMA_NAME;
  if (version >= 10) {
    const n = r.u64n();
    if (n === 0 || n > r.remaining) throw corrupt(what, `bad array schema name length ${n}`);
    arraySchemaName = r.string(n);
  }
  const schema = schemaFor(arraySchemaName);
  if (!schema) {
    throw new TileDBError("E_NOT_FOUND", `${what}: fragment refers to array schema "${arraySchemaName}", which the array does not have`);
  }
  return { version, arraySchemaName, schema };
}

/** Where each generic tile starts; sections a version does not have are zeros. */
function decodeTileOffsets(r: ByteReader, version: number, num: number): GenericTileOffsets {
  const none = () => new Array<number>(num).fill(0);
  return {
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
}

/** Format 23's optional sections: the global order bounds are read into `gt`, unknown sections skipped. */
function decodeOptionalSections(r: ByteReader, gt: GenericTileOffsets, schema: ArraySchema, what: string): void {
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const id = r.u64();
    const size = r.u32();
    if (id === GLOBAL_ORDER_SECTION) {
      const D = schema.dimensions.length;
      if (size !== 16 * D) throw corrupt(what, `tile global order section has ${size} bytes, expected ${16 * D}`);
      gt.tileGlobalOrderMinOffsets = u64s(r, D);
      gt.tileGlobalOrderMaxOffsets = u64s(r, D);
    } else {
      r.bytesView(size); // unknown optional sections are skipped, as the spec asks
    }
  }
}

/**
 * Decodes a footer from `bytes` at `offset`. `schemaFor` maps the footer's schema name to the schema
 * (pre-v10 fragments name `__array_schema.tdb`). Returns the footer, its schema and where it ended.
 */
export function decodeFragmentFooter(
  bytes: Uint8Array,
  offset: number,
  schemaFor: SchemaFor,
  what: string,
): { footer: FragmentFooter; schema: ArraySchema; end: number } {
  const r = new ByteReader(bytes, what, offset);
  try {
    const { version, arraySchemaName, schema } = decodeVersionAndSchema(r, schemaFor, what);
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
    const gtOffsets = decodeTileOffsets(r, version, num);
    if (version >= 23) decodeOptionalSections(r, gtOffsets, schema, what);
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
      gtOffsets,
      footerSize: r.pos - offset,
    };
    return { footer, schema, end: r.pos };
  } catch (err) {
    if (err instanceof RangeError) throw corrupt(what, `${err.message} (truncated?)`);
    throw err;
  }
}

/**
 * The footer size of a pre-v10 fragment whose dimensions are all fixed-size: such files store no footer length.
 * `undefined` for every other fragment (their last 8 bytes hold it).
 */
function impliedFooterSize(schemaFor: SchemaFor, nameVersion: number | undefined): number | undefined {
  const schema = schemaFor(LEGACY_SCHEMA_NAME);
  if (nameVersion === undefined || nameVersion >= 10 || !schema?.dimensions.every((d) => d.cellValNum !== VAR_NUM)) return undefined;
  const num = fieldCount(schema, { hasTimestamps: false, hasDeleteMeta: false });
  const domain = schema.dimensions.reduce((n, d) => n + 2 * datatypeSize(d.type), 0);
  return 4 + 1 + 1 + domain + 8 + 8 + 8 + num * 8 * (nameVersion >= 7 ? 7 : 5);
}

/**
 * Where the footer of a `fileSize`-byte metadata file starts and how long it is. `tail`: the file's last 8 bytes
 * (the stored footer length; fewer when the file is shorter).
 */
export function locateFooter(fileSize: number, tail: Uint8Array, schemaFor: SchemaFor, nameVersion: number | undefined, what: string): { offset: number; size: number } {
  let size = impliedFooterSize(schemaFor, nameVersion);
  let offset: number;
  if (size !== undefined) {
    offset = fileSize - size;
  } else {
    if (fileSize < 8) throw corrupt(what, `file has only ${fileSize} bytes`);
    const len = new DataView(tail.buffer, tail.byteOffset, 8).getBigUint64(0, true);
    if (len === 0n || len > BigInt(fileSize - 8)) throw corrupt(what, `footer length ${len} does not fit in a ${fileSize}-byte file`);
    size = Number(len);
    offset = fileSize - 8 - size;
  }
  if (offset < 0) throw corrupt(what, `footer of ${size} bytes does not fit in a ${fileSize}-byte file`);
  return { offset, size };
}

/** Bytes read from the end of a fragment metadata file for its footer: the whole file when it is small. */
const FOOTER_READ = 64 << 10;

/**
 * Reads the footer of `<fragmentUri>/__fragment_metadata.tdb`. `nameVersion` is the version from the
 * fragment folder's name, needed for pre-v10 fragments whose footer length is implicit. One read of the
 * file's end usually holds the footer, and for small files the whole file, returned as `file` so the rest
 * of the metadata needs no second read.
 */
export async function readFragmentFooter(
  fragmentUri: string,
  schemaFor: SchemaFor,
  vfs: VFS,
  nameVersion?: number,
): Promise<{ footer: FragmentFooter; schema: ArraySchema; file?: Uint8Array }> {
  const uri = joinUri(fragmentUri, FRAGMENT_METADATA_FILE);
  const { bytes: end, size: fileSize } = await readTail(vfs, uri, FOOTER_READ).catch((err: unknown) => {
    if (err instanceof TileDBError && err.code !== "E_NOT_FOUND") throw err;
    throw new TileDBError("E_NOT_FOUND", `fragment metadata file ${uri} is missing`, { cause: err });
  });
  const tail = end.subarray(Math.max(0, end.byteLength - 8));
  const at = locateFooter(fileSize, fileSize >= 8 ? tail : new Uint8Array(0), schemaFor, nameVersion, uri);
  const endStart = fileSize - end.byteLength;
  const bytes = at.offset >= endStart ? end.subarray(at.offset - endStart, at.offset - endStart + at.size) : await vfs.read(uri, at.offset, at.size);
  const { footer, schema } = decodeFragmentFooter(bytes, 0, schemaFor, uri);
  return { footer, schema, file: endStart === 0 ? end : undefined };
}

/** Number of cells in the sparse fragment (all tiles full except the last). */
export function sparseCellNum(footer: FragmentFooter, schema: ArraySchema): bigint {
  if (footer.sparseTileNum === 0) return 0n;
  return BigInt(footer.sparseTileNum - 1) * schema.capacity + BigInt(footer.lastTileCellNum);
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

function encodeNonEmptyDomain(w: ByteWriter, domain: MBR | null, schema: ArraySchema): void {
  if (domain !== null) {
    w.u8(0);
    encodeNDRectangle(w, domain, schema.dimensions);
    return;
  }
  w.u8(1);
  for (const d of schema.dimensions) {
    if (d.cellValNum === VAR_NUM) throw new TileDBError("E_FRAGMENT", `an empty fragment of an array with string dimension "${d.name}" cannot be written`);
    w.bytes(new Uint8Array(2 * datatypeSize(d.type)));
  }
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
  encodeNonEmptyDomain(w, f.nonEmptyDomain, schema);
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
  encodeTileOffsets(w, f.gtOffsets, v, list);
  if (v >= 23) encodeOptionalSections(w, f.gtOffsets, schema);
  return w.finish().slice();
}

function encodeTileOffsets(w: ByteWriter, g: GenericTileOffsets, v: number, list: (a: number[], name: string) => void): void {
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
}

function encodeOptionalSections(w: ByteWriter, g: GenericTileOffsets, schema: ArraySchema): void {
  if (!g.tileGlobalOrderMinOffsets || !g.tileGlobalOrderMaxOffsets) {
    w.u32(0);
    return;
  }
  w.u32(1);
  w.u64(GLOBAL_ORDER_SECTION);
  w.u32(16 * schema.dimensions.length);
  for (const x of g.tileGlobalOrderMinOffsets) w.u64(x);
  for (const x of g.tileGlobalOrderMaxOffsets) w.u64(x);
}
