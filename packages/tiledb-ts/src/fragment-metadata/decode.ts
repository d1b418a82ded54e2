/** Decoding a whole `__fragment_metadata.tdb` (footer and every generic tile it points at). */
import { decodeGenericTileAt } from "../generic-tile.js";
import type { ArraySchema } from "../schema.js";
import { joinUri } from "../vfs/index.js";
import type { VFS } from "../vfs/vfs.js";
import { corrupt } from "./corrupt.js";
import { fieldCount } from "./fields.js";
import { decodeFragmentFooter, locateFooter } from "./footer.js";
import { decodeRtree } from "./rtree.js";
import { bigU64s, decodeBounds, decodeFragmentStats, decodeProcessedConditions } from "./sections.js";
import { FRAGMENT_METADATA_FILE, type FragmentFooter, type FragmentMetadata, type TileBounds } from "./types.js";

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
  const at = locateFooter(file.byteLength, file.subarray(Math.max(0, file.byteLength - 8)), schemaFor, nameVersion, what);
  const { footer, schema } = decodeFragmentFooter(file, at.offset, schemaFor, what);
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
