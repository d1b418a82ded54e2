/**
 * Dictionary encoding (filter 14, format spec filters/dictionary_encoding.md), var-sized strings only:
 * the whole tile becomes big-endian word ids (1/2/4/8 bytes, by the number of cells), and the metadata
 * carries the dictionary as [length (big-endian, 1/2/4/8 bytes by the longest string)][bytes] entries
 * in first-seen order. Cell offsets are rebuilt from it on read.
 */
import { ByteRanges } from "../binary.js";
import { TileDBError } from "../errors.js";
import { compressionCodec, type VarStringForm } from "./compression.js";
import { FilterType } from "./filter.js";
import { corrupt, u32Bytes } from "./util.js";
import { byteSizeFor, cellBounds, offsetsToBytes, readBE, writeBE } from "./var-strings.js";

const decoder = new TextDecoder("latin1");

/** The ids as big-endian integers of `width` bytes each (a loop per width: the tile's hot path). */
function bigEndianIds(ids: Uint32Array, width: 1 | 2 | 4 | 8): Uint8Array {
  const n = ids.length;
  const out = new Uint8Array(n * width);
  if (width === 1) out.set(ids);
  else if (width === 2) {
    for (let i = 0; i < n; i++) {
      out[2 * i] = ids[i] >>> 8;
      out[2 * i + 1] = ids[i];
    }
  } else for (let i = 0; i < n; i++) writeBE(out, i * width, ids[i], width);
  return out;
}

const dictStrings: VarStringForm = {
  forward(data, offsets, step) {
    const { starts, ends } = cellBounds(data.byteLength, offsets, step);
    const n = starts.length;
    if (n === 0) throw new TileDBError("E_WRITE_INPUT", `${step.what}: dictionary encoding needs at least one cell`);
    let maxLen = 0;
    for (let i = 0; i < n; i++) maxLen = Math.max(maxLen, ends[i] - starts[i]);
    const idW = byteSizeFor(n);
    const lenW = byteSizeFor(maxLen);
    // Words are told apart by code when the caller has codes (a code is a word: no bytes touched), otherwise by
    // byte-exact keys (latin1 maps every byte to one code unit).
    const codes = step.varCodes;
    const ranges = new ByteRanges(data);
    const keyOf = codes ? (i: number): number | string => codes[i] : (i: number): number | string => decoder.decode(data.subarray(starts[i], ends[i]));
    const ids = new Map<number | string, number>();
    const words: number[] = [];
    const wordOf = new Uint32Array(n);
    let id = -1;
    for (let i = 0; i < n; i++) {
      // sorted tiles (string dimensions) repeat a word many times in a row: skip the lookup
      const same = i > 0 && (codes ? codes[i] === codes[i - 1] : ranges.equal(starts[i - 1], ends[i - 1], starts[i], ends[i]));
      if (!same) {
        const key = keyOf(i);
        id = ids.get(key) ?? -1;
        if (id < 0) {
          id = words.length;
          ids.set(key, id);
          words.push(i);
        }
      }
      wordOf[i] = id;
    }
    const out = bigEndianIds(wordOf, idW);
    let dictSize = 0;
    for (const i of words) dictSize += lenW + (ends[i] - starts[i]);
    const sizes = u32Bytes([0, 1, data.byteLength, out.byteLength, n * 8]);
    const header = new Uint8Array(sizes.byteLength + 2 + 4 + dictSize);
    header.set(sizes);
    let h = sizes.byteLength;
    header[h++] = idW;
    header[h++] = lenW;
    new DataView(header.buffer).setUint32(h, dictSize, true);
    h += 4;
    for (const i of words) {
      writeBE(header, h, ends[i] - starts[i], lenW);
      header.set(data.subarray(starts[i], ends[i]), h + lenW);
      h += lenW + (ends[i] - starts[i]);
    }
    return { header, data: out };
  },
  reverse(data, md, step) {
    const origSize = md.u32();
    const compSize = md.u32();
    const offsetsBytes = md.u32();
    const idW = md.u8();
    const lenW = md.u8();
    const dictSize = md.u32();
    if (![1, 2, 4, 8].includes(idW) || ![1, 2, 4, 8].includes(lenW)) throw corrupt(step, "dictionary", `bad widths ${idW}/${lenW}`);
    const dict = md.bytesView(dictSize);
    const wordStart: number[] = [];
    const wordEnd: number[] = [];
    for (let p = 0; p < dict.byteLength; ) {
      if (p + lenW > dict.byteLength) throw corrupt(step, "dictionary", "truncated dictionary");
      const len = readBE(dict, p, lenW);
      p += lenW;
      if (p + len > dict.byteLength) throw corrupt(step, "dictionary", "dictionary entry overruns");
      wordStart.push(p);
      wordEnd.push(p + len);
      p += len;
    }
    if (compSize > data.byteLength || compSize % idW !== 0) throw corrupt(step, "dictionary", `bad id stream of ${compSize} bytes`);
    const n = compSize / idW;
    if (n * 8 > offsetsBytes) throw corrupt(step, "dictionary", `${n} cells but room for ${offsetsBytes / 8} offsets`);
    const out = new Uint8Array(origSize);
    const offsets: number[] = new Array(n);
    let o = 0;
    for (let i = 0; i < n; i++) {
      const id = readBE(data, i * idW, idW);
      if (id >= wordStart.length) throw corrupt(step, "dictionary", `word id ${id} outside a dictionary of ${wordStart.length}`);
      const ws = wordStart[id];
      const len = wordEnd[id] - ws;
      if (o + len > origSize) throw corrupt(step, "dictionary", "strings exceed the tile size");
      offsets[i] = o;
      // words are short: a byte loop beats a subarray view and a set per cell
      for (let k = 0; k < len; k++) out[o + k] = dict[ws + k];
      o += len;
    }
    if (o !== origSize) throw corrupt(step, "dictionary", `decoded ${o} bytes, expected ${origSize}`);
    step.decodedOffsets = offsetsToBytes(offsets);
    return out;
  },
};

export const dictionaryCodec = compressionCodec(
  FilterType.DICTIONARY,
  "dictionary",
  {
    compress(_part, _spec, step) {
      throw new TileDBError("E_SCHEMA", `${step.what}: dictionary encoding applies only to var-sized string data`);
    },
    decompress(_input, _out, _spec, step) {
      throw new TileDBError("E_SCHEMA", `${step.what}: dictionary encoding applies only to var-sized string data`);
    },
  },
  dictStrings,
);
