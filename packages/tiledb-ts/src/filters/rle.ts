/**
 * Run-length encoding (filter 4). Two forms (rle_compressor.cc):
 * - fixed cells: runs of [cell bytes][run length u16 big-endian], runs at most 65535 long;
 * - var-sized strings (whole tile, offsets folded in): runs of [run length][string length][string bytes],
 *   lengths big-endian in the smallest of 1/2/4/8 bytes that fits, sizes recorded in the metadata.
 */
import { ByteRanges } from "../binary.js";
import { TileDBError } from "../errors.js";
import { compressionCodec, type VarStringForm } from "./compression.js";
import { type FilterStep, FilterType } from "./filter.js";
import { corrupt, u32Bytes } from "./util.js";
import { byteSizeFor, cellBounds, offsetsToBytes, readBE, writeBE } from "./var-strings.js";

const MAX_RUN = 65535;

export function rleCompress(input: Uint8Array, valueSize: number, step: FilterStep): Uint8Array {
  if (input.byteLength % valueSize !== 0) {
    throw new TileDBError("E_WRITE_INPUT", `${step.what}: RLE input of ${input.byteLength} bytes is not a whole number of ${valueSize}-byte cells`);
  }
  const n = input.byteLength / valueSize;
  if (n === 0) return new Uint8Array(0);
  const out = new Uint8Array(n * (valueSize + 2));
  let o = 0;
  let prev = 0;
  let run = 1;
  const flush = () => {
    out.set(input.subarray(prev * valueSize, (prev + 1) * valueSize), o);
    out[o + valueSize] = run >> 8;
    out[o + valueSize + 1] = run & 0xff;
    o += valueSize + 2;
  };
  for (let i = 1; i < n; i++) {
    let same = run < MAX_RUN;
    for (let b = 0; same && b < valueSize; b++) same = input[i * valueSize + b] === input[prev * valueSize + b];
    if (same) {
      run++;
    } else {
      flush();
      run = 1;
    }
    prev = i;
  }
  flush();
  return out.subarray(0, o);
}

export function rleDecompress(input: Uint8Array, out: Uint8Array, valueSize: number, step: FilterStep): void {
  const runSize = valueSize + 2;
  if (input.byteLength % runSize !== 0) throw corrupt(step, "rle", `${input.byteLength} bytes is not a whole number of runs`);
  let o = 0;
  for (let p = 0; p < input.byteLength; p += runSize) {
    const run = (input[p + valueSize] << 8) | input[p + valueSize + 1];
    if (o + run * valueSize > out.byteLength) throw corrupt(step, "rle", "runs exceed the chunk's original length");
    const value = input.subarray(p, p + valueSize);
    for (let j = 0; j < run; j++, o += valueSize) out.set(value, o);
  }
  if (o !== out.byteLength) throw corrupt(step, "rle", `decoded ${o} bytes, expected ${out.byteLength}`);
}

const rleStrings: VarStringForm = {
  forward(data, offsets, step) {
    const { starts, ends } = cellBounds(data.byteLength, offsets, step);
    const n = starts.length;
    if (n === 0) throw new TileDBError("E_WRITE_INPUT", `${step.what}: RLE of var-sized strings needs at least one cell`);
    // First pass: runs, longest run and longest string pick the length widths.
    const runStart: number[] = [];
    const runLen: number[] = [];
    let maxRun = 0;
    let maxStr = 0;
    let strBytes = 0;
    const ranges = new ByteRanges(data);
    for (let i = 0; i < n; i++) {
      const k = runStart.length - 1;
      if (k >= 0 && ranges.equal(starts[i], ends[i], starts[runStart[k]], ends[runStart[k]])) {
        runLen[k]++;
      } else {
        runStart.push(i);
        runLen.push(1);
        strBytes += ends[i] - starts[i];
        maxStr = Math.max(maxStr, ends[i] - starts[i]);
      }
    }
    for (const r of runLen) maxRun = Math.max(maxRun, r);
    const runW = byteSizeFor(maxRun);
    const strW = byteSizeFor(maxStr);
    const out = new Uint8Array(runStart.length * (runW + strW) + strBytes);
    let o = 0;
    for (let k = 0; k < runStart.length; k++) {
      const s = starts[runStart[k]];
      const e = ends[runStart[k]];
      writeBE(out, o, runLen[k], runW);
      writeBE(out, o + runW, e - s, strW);
      out.set(data.subarray(s, e), o + runW + strW);
      o += runW + strW + (e - s);
    }
    const sizes = u32Bytes([0, 1, data.byteLength, out.byteLength, n * 8]);
    const header = new Uint8Array(sizes.byteLength + 2);
    header.set(sizes);
    header[sizes.byteLength] = runW;
    header[sizes.byteLength + 1] = strW;
    return { header, data: out };
  },
  reverse(data, md, step) {
    const origSize = md.u32();
    const compSize = md.u32();
    const offsetsBytes = md.u32();
    const runW = md.u8();
    const strW = md.u8();
    if (![1, 2, 4, 8].includes(runW) || ![1, 2, 4, 8].includes(strW)) throw corrupt(step, "rle", `bad length widths ${runW}/${strW}`);
    if (compSize > data.byteLength) throw corrupt(step, "rle", `needs ${compSize} bytes, chunk has ${data.byteLength}`);
    const out = new Uint8Array(origSize);
    const offsets: number[] = [];
    const maxCells = offsetsBytes / 8;
    let p = 0;
    let o = 0;
    while (p < compSize) {
      if (p + runW + strW > compSize) throw corrupt(step, "rle", "truncated run header");
      const run = readBE(data, p, runW);
      const len = readBE(data, p + runW, strW);
      p += runW + strW;
      if (p + len > compSize || o + run * len > origSize || offsets.length + run > maxCells) {
        throw corrupt(step, "rle", "run exceeds the tile");
      }
      const value = data.subarray(p, p + len);
      for (let j = 0; j < run; j++) {
        offsets.push(o);
        out.set(value, o);
        o += len;
      }
      p += len;
    }
    if (o !== origSize) throw corrupt(step, "rle", `decoded ${o} bytes, expected ${origSize}`);
    step.decodedOffsets = offsetsToBytes(offsets);
    return out;
  },
};

export const rleCodec = compressionCodec(
  FilterType.RLE,
  "rle",
  {
    compress: (part, _spec, step) => rleCompress(part, step.cellSize, step),
    decompress: (input, out, _spec, step) => rleDecompress(input, out, step.cellSize, step),
  },
  rleStrings,
);
