/**
 * Filter decode micro-benchmark: Census-like float32 X tiles (small positive counts stored as float32)
 * filtered with byteshuffle + zstd level 9, as the Census X `soma_data` attribute is. Decodes the same
 * tiles through tiledb-ts's pipeline and, side by side, through the bare zstd decompressor (the floor),
 * and prints MB/s of decoded output for each and their ratio.
 *
 *   tsx src/filters-decode.ts                  # 64 tiles of 100k cells (25.6 MB decoded per pass)
 *   options: --tiles N  --cells N  --passes N  --level N
 */
import { Datatype } from "@census-cube/tiledb-ts";
import {
  byteShuffle,
  byteUnshuffle,
  decodeTile,
  decodeTileInto,
  encodeTile,
  type FilterPipeline,
  FilterType,
  zstdCompress,
  zstdDecompressInto,
} from "@census-cube/tiledb-ts/format";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const tiles = arg("tiles", 64);
const cells = arg("cells", 100_000);
const passes = arg("passes", 5);
const level = arg("level", 9);

// Counts of a scRNA-seq matrix: mostly 1-3, a long tail (geometric-like), as float32.
let seed = 12345;
const rand = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 32;
};
const census: FilterPipeline = { maxChunkSize: 65536, filters: [{ type: FilterType.BYTESHUFFLE, options: {} }, { type: FilterType.ZSTD, options: { level } }] };
const ctx = { datatype: Datatype.FLOAT32, cellValNum: 1, what: "bench X/soma_data" };
const raw: Uint8Array[] = [];
const filtered: Uint8Array[] = [];
for (let t = 0; t < tiles; t++) {
  const v = new Float32Array(cells);
  for (let i = 0; i < cells; i++) v[i] = 1 + Math.floor(-Math.log(1 - rand()) * 2.5);
  const bytes = new Uint8Array(v.buffer);
  raw.push(bytes);
  filtered.push(encodeTile(bytes, census, ctx));
}
const rawBytes = tiles * cells * 4;
const filteredBytes = filtered.reduce((s, b) => s + b.byteLength, 0);

// The floor: the same data, shuffled and zstd-compressed per 64 KiB chunk, decompressed back to back, no pipeline.
const frames: { frame: Uint8Array; size: number }[] = [];
for (const r of raw) {
  for (let o = 0; o < r.byteLength; o += 65536) {
    const chunk = r.subarray(o, Math.min(o + 65536, r.byteLength));
    const shuffled = new Uint8Array(chunk.byteLength);
    byteShuffle(chunk, shuffled, 4);
    frames.push({ frame: zstdCompress(shuffled, level), size: chunk.byteLength });
  }
}

function time(fn: () => number): number {
  fn(); // warm-up
  const t0 = performance.now();
  let check = 0;
  for (let p = 0; p < passes; p++) check += fn();
  const s = (performance.now() - t0) / 1000;
  if (check === 0) throw new Error("nothing decoded");
  return (rawBytes * passes) / s / 1e6;
}

const pipeline = time(() => {
  let n = 0;
  for (let t = 0; t < tiles; t++) n += decodeTile(filtered[t], census, ctx, cells * 4).byteLength;
  return n;
});
const tileOut = new Uint8Array(cells * 4);
const pipelineInto = time(() => {
  let n = 0;
  for (let t = 0; t < tiles; t++) n += decodeTileInto(filtered[t], census, ctx, tileOut, cells * 4).byteLength;
  return n;
});
const scratch = new Uint8Array(65536);
const out = new Uint8Array(65536);
const bare = time(() => {
  let n = 0;
  for (const { frame, size } of frames) n += zstdDecompressInto(frame, scratch.subarray(0, size));
  return n;
});
const bareShuffle = time(() => {
  let n = 0;
  for (const { frame, size } of frames) {
    n += zstdDecompressInto(frame, scratch.subarray(0, size));
    byteUnshuffle(scratch.subarray(0, size), out.subarray(0, size), 4);
  }
  return n;
});

// Sanity: the pipeline returns the original values.
const back = decodeTile(filtered[0], census, ctx, cells * 4);
if (!Buffer.from(back).equals(Buffer.from(raw[0]))) throw new Error("decode mismatch");

console.log(`tiles: ${tiles} x ${cells} float32 cells, byteshuffle + zstd level ${level}; ratio ${(rawBytes / filteredBytes).toFixed(2)}x`);
console.log(`bare zstd decompress (floor)        ${bare.toFixed(0)} MB/s`);
console.log(`bare zstd + unshuffle               ${bareShuffle.toFixed(0)} MB/s`);
console.log(`tiledb-ts decodeTile (new tile)     ${pipeline.toFixed(0)} MB/s  (${((100 * pipeline) / bare).toFixed(0)}% of bare zstd)`);
console.log(`tiledb-ts decodeTileInto (reused)  ${pipelineInto.toFixed(0)} MB/s  (${((100 * pipelineInto) / bare).toFixed(0)}% of bare zstd)`);
