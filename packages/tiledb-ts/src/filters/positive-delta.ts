/**
 * Positive delta (filter 10, tile.md): each window of non-decreasing values is stored as differences from
 * the previous value (the first difference is 0); the window's first value goes to the metadata.
 * Metadata: [window count u32] then per window [first value (value type)][bytes u32].
 */
import { ByteReader } from "../binary.js";
import { TileDBError } from "../errors.js";
import { type FilterCodec, FilterType } from "./filter.js";
import { corrupt, outputBuffer } from "./util.js";
import { readValue, windowedKind, windowsOf, writeValue } from "./windowed.js";

const DEFAULT_MAX_WINDOW = 1024;

export const positiveDeltaCodec: FilterCodec = {
  type: FilterType.POSITIVE_DELTA,
  name: "positive delta",
  forward(data, metadata, spec, step) {
    const kind = windowedKind(step.type, step, true);
    if (!kind) return { data, metadata };
    const T = kind.size;
    const windows: { part: Uint8Array; start: number; bytes: number }[] = [];
    let total = 0;
    for (const p of data) {
      total += p.byteLength;
      let o = 0;
      for (const w of windowsOf(p.byteLength, spec.options.maxWindow ?? DEFAULT_MAX_WINDOW, T)) {
        windows.push({ part: p, start: o, bytes: w });
        o += w;
      }
    }
    const md = new Uint8Array(4 + windows.length * (T + 4));
    const mdv = new DataView(md.buffer);
    mdv.setUint32(0, windows.length, true);
    const out = new Uint8Array(total);
    const odv = new DataView(out.buffer);
    let m = 4;
    let o = 0;
    for (const w of windows) {
      const dv = new DataView(w.part.buffer, w.part.byteOffset, w.part.byteLength);
      const first = w.bytes >= T ? readValue(dv, w.start, kind) : 0;
      writeValue(mdv, m, T, first);
      mdv.setUint32(m + T, w.bytes, true);
      m += T + 4;
      if (w.bytes % T !== 0) {
        out.set(w.part.subarray(w.start, w.start + w.bytes), o);
        o += w.bytes;
        continue;
      }
      let prev = first;
      for (let i = 0; i < w.bytes / T; i++, o += T) {
        const cur = readValue(dv, w.start + i * T, kind);
        if (cur < prev) throw new TileDBError("E_WRITE_INPUT", `${step.what}: positive delta: values decrease at value ${i} of a window`);
        writeValue(odv, o, T, typeof cur === "bigint" ? cur - (prev as bigint) : cur - (prev as number));
        prev = cur;
      }
    }
    return { data: [out], metadata: [md, ...metadata] };
  },
  reverse(data, metadata, _spec, step, out) {
    const kind = windowedKind(step.type, step, true);
    if (!kind) return { data, metadata };
    const T = kind.size;
    const md = new ByteReader(metadata, step.what);
    const nWindows = md.u32();
    if (nWindows * (T + 4) > md.remaining) throw corrupt(step, "positive delta", `${nWindows} windows but ${md.remaining} metadata bytes`);
    const dst = outputBuffer(out, data.byteLength, step);
    const ddv = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
    const sdv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let p = 0;
    for (let k = 0; k < nWindows; k++) {
      const first = readValue(md.view, md.pos, kind);
      md.pos += T;
      const bytes = md.u32();
      if (p + bytes > data.byteLength) throw corrupt(step, "positive delta", "windows exceed the chunk");
      if (bytes % T !== 0) {
        dst.set(data.subarray(p, p + bytes), p);
        p += bytes;
        continue;
      }
      if (T === 8) {
        let v = first as bigint;
        for (let e = p + bytes; p < e; p += 8) {
          v = BigInt.asUintN(64, v + sdv.getBigUint64(p, true));
          ddv.setBigUint64(p, v, true);
        }
      } else {
        let v = first as number;
        const mask = 2 ** (T * 8);
        for (let e = p + bytes; p < e; p += T) {
          v = (v + (readValue(sdv, p, { size: T as 1 | 2 | 4, signed: false }) as number)) % mask;
          if (v < 0) v += mask;
          writeValue(ddv, p, T, v);
        }
      }
    }
    if (p !== data.byteLength) throw corrupt(step, "positive delta", `windows cover ${p} of ${data.byteLength} bytes`);
    return { data: dst, metadata: metadata.subarray(md.pos) };
  },
};
