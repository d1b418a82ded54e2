/**
 * Generic tiles (format spec: generic_tile.md): a self-describing tile, a fixed header plus the serialized
 * filter pipeline, then the filtered tile. Schemas, enumerations, metadata, groups and every section of a
 * fragment metadata file are generic tiles.
 */
import { ByteReader, ByteWriter } from "./binary.js";
import { Datatype } from "./datatype.js";
import { TileDBError } from "./errors.js";
import { decodeFilterPipeline, decodeTile, encodeFilterPipeline, encodeTile } from "./filters/index.js";
import { type FilterPipeline, FilterType } from "./filters/filter.js";
import { FORMAT_VERSION } from "./format-version.js";
import type { VFS } from "./vfs/vfs.js";

/** Bytes of the fixed part of the header (before the filter pipeline). */
export const GENERIC_TILE_BASE_SIZE = 4 + 8 + 8 + 1 + 8 + 1 + 4;

export interface GenericTileHeader {
  version: number;
  /** Filtered (on-disk) size of the tile data. */
  persistedSize: number;
  /** Unfiltered size of the tile data. */
  tileSize: number;
  datatype: Datatype;
  cellSize: number;
  /** 0 = none; 1 = AES-256-GCM (not supported). */
  encryptionType: number;
  filterPipelineSize: number;
  filters: FilterPipeline;
}

export interface DecodedGenericTile {
  header: GenericTileHeader;
  data: Uint8Array;
  /** Offset just past this tile in the source buffer. */
  end: number;
}

/** The pipeline TileDB puts on the generic tiles it writes: gzip (zlib stream) at level 1. */
export const GENERIC_TILE_FILTERS: FilterPipeline = {
  maxChunkSize: 65536,
  filters: [{ type: FilterType.GZIP, options: { level: 1 } }],
};

function corrupt(what: string, detail: string, cause?: unknown): TileDBError {
  return new TileDBError("E_CORRUPT", `${what}: invalid generic tile: ${detail}`, cause === undefined ? undefined : { cause });
}

/** Decodes the header of the generic tile starting at `offset` of `bytes`. */
export function decodeGenericTileHeader(
  bytes: Uint8Array,
  what = "generic tile",
  offset = 0,
): { header: GenericTileHeader; dataOffset: number } {
  if (bytes.byteLength - offset < GENERIC_TILE_BASE_SIZE) {
    throw corrupt(what, `need ${GENERIC_TILE_BASE_SIZE} header bytes at offset ${offset}, file has ${bytes.byteLength - offset}`);
  }
  const r = new ByteReader(bytes, what, offset);
  const version = r.u32();
  const persisted = r.u64();
  const size = r.u64();
  const datatype = r.u8() as Datatype;
  const cell = r.u64();
  const encryptionType = r.u8();
  const filterPipelineSize = r.u32();
  // Sizes beyond 2^53 cannot be real; they mean the bytes are not a generic tile.
  if (persisted > BigInt(r.remaining) || size > 1n << 48n || cell > 1n << 32n) {
    throw corrupt(what, `header at offset ${offset} declares sizes ${persisted}/${size}/${cell} that do not fit (truncated or not a generic tile?)`);
  }
  const persistedSize = Number(persisted);
  const tileSize = Number(size);
  const cellSize = Number(cell);
  if (encryptionType !== 0) {
    throw new TileDBError("E_UNSUPPORTED", `${what}: encrypted tiles (encryption type ${encryptionType}) are not supported`);
  }
  const pipelineStart = r.pos;
  if (filterPipelineSize > r.remaining || persistedSize > r.remaining - filterPipelineSize) {
    throw corrupt(
      what,
      `header at offset ${offset} declares ${filterPipelineSize} + ${persistedSize} bytes but only ${r.remaining} remain (truncated?)`,
    );
  }
  let filters: FilterPipeline;
  try {
    filters = decodeFilterPipeline(new ByteReader(bytes.subarray(pipelineStart, pipelineStart + filterPipelineSize), what));
  } catch (err) {
    throw corrupt(what, `bad filter pipeline at offset ${pipelineStart}: ${(err as Error).message}`, err);
  }
  return {
    header: { version, persistedSize, tileSize, datatype, cellSize, encryptionType, filterPipelineSize, filters },
    dataOffset: pipelineStart + filterPipelineSize,
  };
}

/** Decodes the generic tile at `offset` of `bytes`, returning header, unfiltered data and where it ends. */
export function decodeGenericTileAt(bytes: Uint8Array, offset = 0, what = "generic tile"): DecodedGenericTile {
  const { header, dataOffset } = decodeGenericTileHeader(bytes, what, offset);
  const filtered = bytes.subarray(dataOffset, dataOffset + header.persistedSize);
  let data: Uint8Array;
  try {
    data = decodeTile(filtered, header.filters, { datatype: header.datatype, cellValNum: 1, what, version: header.version }, header.tileSize);
  } catch (err) {
    if (err instanceof TileDBError) throw err;
    throw corrupt(what, `cannot unfilter tile at offset ${offset}: ${(err as Error).message}`, err);
  }
  if (data.byteLength !== header.tileSize) {
    throw corrupt(what, `tile at offset ${offset} decoded to ${data.byteLength} bytes, header says ${header.tileSize}`);
  }
  return { header, data, end: dataOffset + header.persistedSize };
}

/** The unfiltered payload of the generic tile at `offset` (0: a whole file holding one generic tile). */
export function decodeGenericTile(bytes: Uint8Array, what = "generic tile", offset = 0): Uint8Array {
  return decodeGenericTileAt(bytes, offset, what).data;
}

/** Reads only the bytes of one generic tile of a file (header first, then the rest) and decodes it. */
export async function readGenericTile(vfs: VFS, uri: string, offset = 0): Promise<DecodedGenericTile> {
  const head = await vfs.read(uri, offset, GENERIC_TILE_BASE_SIZE).catch((err: unknown) => {
    if (err instanceof TileDBError && /too short/.test(err.message)) throw corrupt(uri, `truncated header at offset ${offset}`, err);
    throw err;
  });
  const r = new ByteReader(head, uri);
  r.pos = 4;
  const persisted = r.u64n();
  r.pos = GENERIC_TILE_BASE_SIZE - 4;
  const pipelineSize = r.u32();
  const total = GENERIC_TILE_BASE_SIZE + pipelineSize + persisted;
  const fileSize = await vfs.size(uri);
  if (offset + total > fileSize) {
    throw corrupt(uri, `tile at offset ${offset} needs ${total} bytes but the file has ${fileSize - offset} (truncated?)`);
  }
  const bytes = await vfs.read(uri, offset, total);
  const tile = decodeGenericTileAt(bytes, 0, uri);
  return { ...tile, end: offset + tile.end };
}

export interface EncodeGenericTileOptions {
  version?: number;
  datatype?: Datatype;
  cellSize?: number;
  filters?: FilterPipeline;
}

/** Encodes `data` as one generic tile, as TileDB writes it (char cells, gzip level 1, current format version). */
export function encodeGenericTile(data: Uint8Array, options: EncodeGenericTileOptions = {}): Uint8Array {
  const filters = options.filters ?? GENERIC_TILE_FILTERS;
  const datatype = options.datatype ?? Datatype.CHAR;
  const cellSize = options.cellSize ?? 1;
  const version = options.version ?? FORMAT_VERSION;
  const filtered = encodeTile(data, filters, { datatype, cellValNum: 1, what: "generic tile", version });
  const pipe = new ByteWriter(64);
  encodeFilterPipeline(pipe, filters);
  const pipeBytes = pipe.finish();
  const w = new ByteWriter(GENERIC_TILE_BASE_SIZE + pipeBytes.byteLength + filtered.byteLength);
  w.u32(version);
  w.u64(filtered.byteLength);
  w.u64(data.byteLength);
  w.u8(datatype);
  w.u64(cellSize);
  w.u8(0);
  w.u32(pipeBytes.byteLength);
  w.bytes(pipeBytes);
  w.bytes(filtered);
  return w.finish();
}
