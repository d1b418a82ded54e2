/**
 * Fragment metadata (format spec: fragment.md, "Fragment Metadata File"): `__fragment_metadata.tdb` holds a
 * run of generic tiles (R-tree, per-field tile offsets, var offsets, var sizes, validity offsets, tile
 * mins/maxes/sums/null counts, fragment-level stats, processed conditions) and ends with a plain footer
 * that records where each of them starts. Field order and version gates follow TileDB's serializer.
 *
 * One module per concept of the spec, under `fragment-metadata/`: the shapes (`types`), field slots and file
 * names (`fields`), the footer (`footer`), the section payloads (`sections`), the R-tree (`rtree`), decoding the
 * whole file (`decode`) or single sections on demand (`lazy-sections`), and encoding it (`encode`).
 */
export * from "./fragment-metadata/types.js";
export * from "./fragment-metadata/fields.js";
export { decodeFragmentFooter, encodeFragmentFooter, fullTileCellNum, readFragmentFooter, sparseCellNum } from "./fragment-metadata/footer.js";
export { buildRtreeLevels } from "./fragment-metadata/rtree.js";
export { decodeFragmentMetadata, decodeFragmentMetadataTiles, loadFragmentMetadata } from "./fragment-metadata/decode.js";
export { FragmentMetadataSections } from "./fragment-metadata/lazy-sections.js";
export { encodeFragmentMetadata } from "./fragment-metadata/encode.js";
