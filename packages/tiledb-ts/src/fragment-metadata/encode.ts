/** Encoding a whole `__fragment_metadata.tdb` in TileDB's section order: the generic tiles, the footer, its length. */
import { TileDBError } from "../errors.js";
import { FORMAT_VERSION, MAX_READ_FORMAT_VERSION } from "../format-version.js";
import { encodeGenericTile } from "../generic-tile.js";
import type { ArraySchema } from "../schema.js";
import { fieldCount } from "./fields.js";
import { encodeFragmentFooter } from "./footer.js";
import { buildRtreeLevels, encodeRtree } from "./rtree.js";
import { boundsTile, fragmentStatsTile, processedConditionsTile, sumsTile, u64Tile } from "./sections.js";
import type { FragmentMetadataInput, GenericTileOffsets } from "./types.js";

/** Every per-field list of the input has one entry per field slot of the schema. */
function checkFieldCounts(input: FragmentMetadataInput, num: number): void {
  for (const [name, arr] of Object.entries({
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
  })) {
    if (arr.length !== num) throw new TileDBError("E_FRAGMENT", `fragment metadata: ${name} has ${arr.length} entries, the schema needs ${num}`);
  }
}

/** The generic tiles in file order, and where each starts. */
function encodeTiles(input: FragmentMetadataInput, schema: ArraySchema, version: number): { parts: Uint8Array[]; size: number; offsets: GenericTileOffsets } {
  const parts: Uint8Array[] = [];
  let size = 0;
  const put = (payload: Uint8Array): number => {
    const tile = encodeGenericTile(payload, { version });
    const at = size;
    parts.push(tile);
    size += tile.byteLength;
    return at;
  };
  // The order of the puts is the order of the tiles in the file (TileDB's).
  const offsets: GenericTileOffsets = {
    rtree: put(encodeRtree(buildRtreeLevels(input.mbrs, schema), schema)),
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
  if (version >= 23 && !input.dense && input.tileGlobalOrderMins && input.tileGlobalOrderMaxes) {
    offsets.tileGlobalOrderMinOffsets = input.tileGlobalOrderMins.map((b) => put(boundsTile(b)));
    offsets.tileGlobalOrderMaxOffsets = input.tileGlobalOrderMaxes.map((b) => put(boundsTile(b)));
  }
  offsets.tileSumOffsets = input.tileSums.map((s) => put(sumsTile(s)));
  offsets.tileNullCountOffsets = input.tileNullCounts.map((t) => put(u64Tile(t)));
  offsets.fragmentMinMaxSumNullCount = put(fragmentStatsTile(input.fragmentStats));
  offsets.processedConditions = put(processedConditionsTile(input.processedConditions ?? []));
  return { parts, size, offsets };
}

/** Encodes a whole `__fragment_metadata.tdb` file in TileDB's section order. */
export function encodeFragmentMetadata(input: FragmentMetadataInput, schema: ArraySchema): Uint8Array {
  const version = input.version ?? FORMAT_VERSION;
  if (version < 12 || version > MAX_READ_FORMAT_VERSION) {
    throw new TileDBError("E_UNSUPPORTED_VERSION", `cannot write fragment format version ${version} (supported: 12 to ${MAX_READ_FORMAT_VERSION})`);
  }
  const hasTimestamps = input.hasTimestamps ?? false;
  const hasDeleteMeta = input.hasDeleteMeta ?? false;
  checkFieldCounts(input, fieldCount(schema, { hasTimestamps, hasDeleteMeta }));
  const tiles = encodeTiles(input, schema, version);
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
      gtOffsets: tiles.offsets,
      footerSize: 0,
    },
    schema,
  );
  const out = new Uint8Array(tiles.size + footer.byteLength + 8);
  let pos = 0;
  for (const p of tiles.parts) {
    out.set(p, pos);
    pos += p.byteLength;
  }
  out.set(footer, pos);
  new DataView(out.buffer).setBigUint64(pos + footer.byteLength, BigInt(footer.byteLength), true);
  return out;
}
