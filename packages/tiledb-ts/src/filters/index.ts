export * from "./filter.js";
export {
  computeChunkSize,
  decodeTile,
  decodeTileInto,
  decodeVarStringTile,
  emptyFilteredTile,
  encodeTile,
  MAX_TILE_CHUNK_SIZE,
  skipsOffsetsFiltering,
  unfilteredSize,
  varChunkOffsets,
} from "./pipeline.js";
export { decodeFilterPipeline, encodeFilterPipeline, withDefaultOptions } from "./pipeline-schema.js";
export { filterCodecs, filterName, getFilterCodec } from "./registry.js";
