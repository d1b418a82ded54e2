/**
 * The filter pipeline record inside array schemas (filter_pipeline.md): [max chunk size u32][filter count u32]
 * then per filter [type u8][options length u32][options]. Options are read within their stated length, so an
 * unknown filter's options are skipped and the schema stays readable (the error comes when a tile needs it).
 */
import { ByteReader, type ByteWriter } from "../binary.js";
import { Datatype } from "../datatype.js";
import { TileDBError } from "../errors.js";
import { type FilterPipeline, type FilterSpec, FilterType } from "./filter.js";

/** Compressor ids stored in compression filters' options (tiledb/sm/enums/compressor.h); not the filter ids. */
const compressorOfFilter: Partial<Record<FilterType, number>> = {
  [FilterType.GZIP]: 1,
  [FilterType.ZSTD]: 2,
  [FilterType.LZ4]: 3,
  [FilterType.RLE]: 4,
  [FilterType.BZIP2]: 5,
  [FilterType.DOUBLE_DELTA]: 6,
  [FilterType.DICTIONARY]: 7,
  [FilterType.DELTA]: 8,
};

/** Default compression level TileDB stores when none is set. */
const DEFAULT_LEVEL = -1;

function decodeOptions(type: FilterType, o: ByteReader): Record<string, number> {
  switch (type) {
    case FilterType.GZIP:
    case FilterType.ZSTD:
    case FilterType.LZ4:
    case FilterType.RLE:
    case FilterType.BZIP2:
    case FilterType.DICTIONARY:
    case FilterType.DELTA:
    case FilterType.DOUBLE_DELTA: {
      if (o.remaining === 0) return {}; // a compression filter with no compressor: stored as no-op
      o.u8(); // compressor id, implied by the filter type
      const options: Record<string, number> = { level: o.i32() };
      // Delta (format >= 19) and double delta (>= 20) carry a reinterpret datatype.
      if ((type === FilterType.DELTA || type === FilterType.DOUBLE_DELTA) && o.remaining >= 1) options.reinterpretType = o.u8();
      return options;
    }
    case FilterType.BIT_WIDTH_REDUCTION:
    case FilterType.POSITIVE_DELTA:
      return { maxWindow: o.u32() };
    case FilterType.SCALE_FLOAT:
      return { scale: o.f64(), offset: o.f64(), byteWidth: o.u64n() };
    case FilterType.WEBP:
      // struct { float quality; uint8 format; bool lossless; uint16 y_extent, x_extent; } (padded)
      return { quality: o.f32(), format: o.u8(), lossless: o.u8(), yExtent: o.u16(), xExtent: o.u16(), optionsLength: o.bytes.byteLength };
    default:
      return {};
  }
}

/** Reads one filter pipeline record; `what` names the schema and field for errors. */
export function decodeFilterPipeline(reader: ByteReader, what = reader.what): FilterPipeline {
  try {
    const maxChunkSize = reader.u32();
    const n = reader.u32();
    if (n > reader.remaining / 5) throw new TileDBError("E_CORRUPT", `${what}: filter count ${n} does not fit in the schema`);
    const filters: FilterSpec[] = [];
    for (let i = 0; i < n; i++) {
      const type = reader.u8() as FilterType;
      const len = reader.u32();
      const o = new ByteReader(reader.bytesView(len), what);
      filters.push({ type, options: decodeOptions(type, o) });
    }
    return { maxChunkSize, filters };
  } catch (e) {
    if (e instanceof TileDBError) throw e;
    throw new TileDBError("E_CORRUPT", `${what}: bad filter pipeline: ${(e as Error).message}`, { cause: e });
  }
}

function encodeOptions(f: FilterSpec, w: ByteWriter): void {
  const o = f.options;
  const compressor = compressorOfFilter[f.type];
  if (compressor !== undefined) {
    w.u8(compressor).i32(o.level ?? DEFAULT_LEVEL);
    if (f.type === FilterType.DELTA || f.type === FilterType.DOUBLE_DELTA) w.u8(o.reinterpretType ?? Datatype.ANY);
    return;
  }
  switch (f.type) {
    case FilterType.BIT_WIDTH_REDUCTION:
      w.u32(o.maxWindow ?? 256);
      return;
    case FilterType.POSITIVE_DELTA:
      w.u32(o.maxWindow ?? 1024);
      return;
    case FilterType.SCALE_FLOAT:
      w.f64(o.scale ?? 1).f64(o.offset ?? 0).u64(o.byteWidth ?? 8);
      return;
    case FilterType.WEBP: {
      w.f32(o.quality ?? 100).u8(o.format ?? 0).u8(o.lossless ?? 0).u16(o.yExtent ?? 0).u16(o.xExtent ?? 0);
      for (let i = 10; i < (o.optionsLength ?? 12); i++) w.u8(0);
      return;
    }
    default:
      return;
  }
}

/** Writes one filter pipeline record as TileDB does. */
export function encodeFilterPipeline(writer: ByteWriter, pipeline: FilterPipeline): void {
  writer.u32(pipeline.maxChunkSize);
  writer.u32(pipeline.filters.length);
  for (const f of pipeline.filters) {
    writer.u8(f.type);
    const lenAt = writer.length;
    writer.u32(0);
    const start = writer.length;
    encodeOptions(f, writer);
    const len = writer.length - start;
    // Patch the options length in place.
    const bytes = writer.finish();
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(lenAt, len, true);
  }
}

/** Options with TileDB's defaults filled in (what the schema would store), e.g. for display. */
export function withDefaultOptions(f: FilterSpec): FilterSpec {
  const o = { ...f.options };
  if (compressorOfFilter[f.type] !== undefined) o.level ??= DEFAULT_LEVEL;
  if (f.type === FilterType.DELTA || f.type === FilterType.DOUBLE_DELTA) o.reinterpretType ??= Datatype.ANY;
  if (f.type === FilterType.BIT_WIDTH_REDUCTION) o.maxWindow ??= 256;
  if (f.type === FilterType.POSITIVE_DELTA) o.maxWindow ??= 1024;
  if (f.type === FilterType.SCALE_FLOAT) {
    o.scale ??= 1;
    o.offset ??= 0;
    o.byteWidth ??= 8;
  }
  return { type: f.type, options: o };
}
