export * from "./filter.js";
export { filterCodecs, filterName, getFilterCodec } from "./registry.js";
export {
  MAX_TILE_CHUNK_SIZE,
  computeChunkSize,
  decodeTile,
  decodeTileInto,
  decodeVarStringTile,
  emptyFilteredTile,
  encodeTile,
  skipsOffsetsFiltering,
  unfilteredSize,
  varChunkOffsets,
} from "./pipeline.js";
export { decodeFilterPipeline, encodeFilterPipeline, withDefaultOptions } from "./pipeline-schema.js";
