/**
 * Bit width reduction (filter 7, tile.md): each window of values is stored relative to its minimum in the
 * narrowest of 8/16/32/64 bits that holds the window's range; windows that would not shrink stay raw.
 * Metadata: [input length u32][window count u32] then per window [minimum (value type)][bits u8][bytes u32].
 */
import { ByteReader } from "../binary.js";
import { type FilterCodec, FilterType } from "./filter.js";
import { corrupt, type IntKind, int64AsNumbers, outputBuffer } from "./util.js";
import { readValue, windowedKind, windowsOf, writeValue } from "./windowed.js";

const DEFAULT_MAX_WINDOW = 256;
const SAFE = 2n ** 52n;

/** Bits TileDB picks for a window: [bits, minimum]; full width when the range does not fit. */
function bitsRequired(dv: DataView, start: number, n: number, kind: IntKind, nums?: Float64Array): [number, number | bigint] {
  const full = kind.size * 8;
  if (n === 0) return [full, 0];
  let range: bigint | number;
  let minOut: number | bigint;
  if (nums) {
    // 64-bit values known to be exact numbers (index by value, not byte).
    const s0 = start / 8;
    let min = nums[s0];
    let max = min;
    for (let i = 1; i < n; i++) {
      const v = nums[s0 + i];
      if (v < min) min = v;
      else if (v > max) max = v;
    }
    range = max - min;
    minOut = min;
  } else if (kind.size === 8) {
    let min = readValue(dv, start, kind) as bigint;
    let max = min;
    for (let i = 1; i < n; i++) {
      const v = readValue(dv, start + i * 8, kind) as bigint;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    range = max - min;
    minOut = min;
  } else {
    let min = readValue(dv, start, kind) as number;
    let max = min;
    for (let i = 1; i < n; i++) {
      const v = readValue(dv, start + i * kind.size, kind) as number;
      if (v < min) min = v;
      else if (v > max) max = v;
    }
    range = max - min;
    minOut = min;
  }
  const r = BigInt(range);
  const tMax = kind.signed ? (1n << BigInt(full - 1)) - 1n : (1n << BigInt(full)) - 1n;
  if (r >= tMax) return [full, minOut]; // the range, or the range + 1, overflows the value type
  const r1 = r + 1n;
  let bits: number;
  if (kind.signed) bits = r1 <= 127n ? 8 : r1 <= 32767n ? 16 : r1 <= 2147483647n ? 32 : 64;
  else bits = r1.toString(2).length;
  bits = bits <= 8 ? 8 : bits <= 16 ? 16 : bits <= 32 ? 32 : 64;
  return [bits, minOut];
}

function maxWindow(spec: { options: Record<string, number> }): number {
  return spec.options.maxWindow ?? DEFAULT_MAX_WINDOW;
}

export const bitWidthReductionCodec: FilterCodec = {
  type: FilterType.BIT_WIDTH_REDUCTION,
  name: "bit width reduction",
  forward(data, metadata, spec, step) {
    const kind = windowedKind(step.type, step, false);
    if (!kind) return { data, metadata };
    const T = kind.size;
    let inputLength = 0;
    const windows: { part: Uint8Array; start: number; bytes: number }[] = [];
    for (const p of data) {
      inputLength += p.byteLength;
      let o = 0;
      for (const w of windowsOf(p.byteLength, maxWindow(spec), T)) {
        windows.push({ part: p, start: o, bytes: w });
        o += w;
      }
    }
    const md = new Uint8Array(8 + windows.length * (T + 5));
    const mdv = new DataView(md.buffer);
    mdv.setUint32(0, inputLength, true);
    mdv.setUint32(4, windows.length, true);
    const out = new Uint8Array(inputLength);
    const odv = new DataView(out.buffer);
    let m = 8;
    let o = 0;
    const numbers = new Map<Uint8Array, Float64Array | undefined>();
    for (const w of windows) {
      const dv = new DataView(w.part.buffer, w.part.byteOffset, w.part.byteLength);
      const n = Math.floor(w.bytes / T);
      if (T === 8 && !numbers.has(w.part)) numbers.set(w.part, int64AsNumbers(w.part, kind.signed));
      const nums = T === 8 ? numbers.get(w.part) : undefined;
      const [bits, min] = bitsRequired(dv, w.start, n, kind, nums);
      writeValue(mdv, m, T, min);
      md[m + T] = bits;
      mdv.setUint32(m + T + 1, w.bytes, true);
      m += T + 5;
      if (bits >= T * 8 || w.bytes % T !== 0) {
        out.set(w.part.subarray(w.start, w.start + w.bytes), o);
        o += w.bytes;
      } else {
        const b = bits / 8;
        if (nums) {
          const s0 = w.start / 8;
          for (let i = 0; i < n; i++, o += b) writeValue(odv, o, b, nums[s0 + i] - (min as number));
        } else {
          for (let i = 0; i < n; i++, o += b) {
            const v = readValue(dv, w.start + i * T, kind);
            writeValue(odv, o, b, typeof v === "bigint" ? v - (min as bigint) : v - (min as number));
          }
        }
      }
    }
    return { data: [out.subarray(0, o)], metadata: [md, ...metadata] };
  },
  reverse(data, metadata, _spec, step, out) {
    const kind = windowedKind(step.type, step, false);
    if (!kind) return { data, metadata };
    const T = kind.size;
    const md = new ByteReader(metadata, step.what);
    const origLength = md.u32();
    const nWindows = md.u32();
    if (nWindows * (T + 5) > md.remaining) throw corrupt(step, "bit width reduction", `${nWindows} windows but ${md.remaining} metadata bytes`);
    const dst = outputBuffer(out, origLength, step);
    const ddv = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
    const sdv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let ip = 0;
    let op = 0;
    for (let k = 0; k < nWindows; k++) {
      const min = readValue(md.view, md.pos, kind);
      md.pos += T;
      const bits = md.u8();
      const bytes = md.u32();
      if (op + bytes > origLength) throw corrupt(step, "bit width reduction", "windows exceed the original length");
      if (bits >= T * 8 || bytes % T !== 0) {
        if (ip + bytes > data.byteLength) throw corrupt(step, "bit width reduction", "window data truncated");
        dst.set(data.subarray(ip, ip + bytes), op);
        ip += bytes;
        op += bytes;
        continue;
      }
      if (bits !== 8 && bits !== 16 && bits !== 32) throw corrupt(step, "bit width reduction", `bit width ${bits}`);
      const b = bits / 8;
      const n = bytes / T;
      if (ip + n * b > data.byteLength) throw corrupt(step, "bit width reduction", "window data truncated");
      const rel = { size: b as 1 | 2 | 4, signed: kind.signed };
      if (T === 8) {
        const base = min as bigint;
        if (base >= -SAFE && base <= SAFE) {
          // |base| <= 2^52 and the offsets are below 2^32: the sum is an exact number; store its two halves.
          const nb = Number(base);
          for (let i = 0; i < n; i++, ip += b, op += 8) {
            const v = nb + (readValue(sdv, ip, rel) as number);
            ddv.setUint32(op, v >>> 0 === v ? v : ((v % 0x100000000) + 0x100000000) % 0x100000000, true);
            ddv.setUint32(op + 4, Math.floor(v / 0x100000000) >>> 0, true);
          }
        } else {
          for (let i = 0; i < n; i++, ip += b, op += 8) writeValue(ddv, op, 8, base + BigInt(readValue(sdv, ip, rel)));
        }
      } else {
        const base = min as number;
        for (let i = 0; i < n; i++, ip += b, op += T) writeValue(ddv, op, T, base + (readValue(sdv, ip, rel) as number));
      }
    }
    if (op !== origLength) throw corrupt(step, "bit width reduction", `decoded ${op} bytes, expected ${origLength}`);
    return { data: dst, metadata: metadata.subarray(md.pos) };
  },
};
