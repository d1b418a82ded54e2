/**
 * The layout shared by byteshuffle, bitshuffle and XOR: the metadata is [part count u32][part sizes u32...]
 * followed by the earlier filters' metadata; the data is the transformed parts back to back.
 */
import { ByteReader } from "../binary.js";
import type { FilterParts, FilterReverseResult, FilterStep } from "./filter.js";
import { corrupt, outputBuffer, u32Bytes } from "./util.js";

export function forwardParts(
  parts: Uint8Array[],
  metadata: Uint8Array[],
  transform: (part: Uint8Array, out: Uint8Array) => void,
): FilterParts {
  let total = 0;
  for (const p of parts) total += p.byteLength;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    transform(p, out.subarray(o, o + p.byteLength));
    o += p.byteLength;
  }
  return { data: [out], metadata: [u32Bytes([parts.length, ...parts.map((p) => p.byteLength)]), ...metadata] };
}

export function reverseParts(
  data: Uint8Array,
  metadata: Uint8Array,
  step: FilterStep,
  filter: string,
  transform: (part: Uint8Array, out: Uint8Array) => void,
  out?: Uint8Array,
): FilterReverseResult {
  const md = new ByteReader(metadata, step.what);
  const n = md.u32();
  if (n * 4 > md.remaining) throw corrupt(step, filter, `${n} parts but ${md.remaining} metadata bytes`);
  const sizes: number[] = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    const s = md.u32();
    sizes.push(s);
    total += s;
  }
  if (total > data.byteLength) throw corrupt(step, filter, `parts need ${total} bytes, chunk has ${data.byteLength}`);
  const dst = outputBuffer(out, total, step);
  let o = 0;
  for (const s of sizes) {
    transform(data.subarray(o, o + s), dst.subarray(o, o + s));
    o += s;
  }
  return { data: dst, metadata: metadata.subarray(md.pos) };
}
