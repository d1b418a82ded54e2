/**
 * Checksum filters (tile.md, "Checksum Filters"): data passes through unchanged; the metadata holds
 * (byte count u64, digest) for every metadata part and every data part, followed by the earlier metadata.
 * On read every digest is recomputed and a mismatch is an error naming the tile.
 */
import { createHash } from "node:crypto";
import { ByteReader } from "../binary.js";
import { TileDBError } from "../errors.js";
import type { FilterCodec, FilterType } from "./filter.js";
import { corrupt } from "./util.js";

export function checksumCodec(type: FilterType, name: string, algorithm: "md5" | "sha256", digestBytes: number): FilterCodec {
  const digest = (b: Uint8Array) => createHash(algorithm).update(b).digest();
  return {
    type,
    name,
    forward(data, metadata) {
      const parts = [...metadata, ...data];
      const header = new Uint8Array(8 + parts.length * (8 + digestBytes));
      const dv = new DataView(header.buffer);
      dv.setUint32(0, metadata.length, true);
      dv.setUint32(4, data.length, true);
      let o = 8;
      for (const p of parts) {
        dv.setBigUint64(o, BigInt(p.byteLength), true);
        header.set(digest(p), o + 8);
        o += 8 + digestBytes;
      }
      return { data, metadata: [header, ...metadata] };
    },
    reverse(data, metadata, _spec, step) {
      const md = new ByteReader(metadata, step.what);
      const nMd = md.u32();
      const nData = md.u32();
      if ((nMd + nData) * (8 + digestBytes) > md.remaining) throw corrupt(step, name, "checksum list truncated");
      const entries: { size: number; sum: Uint8Array }[] = [];
      for (let i = 0; i < nMd + nData; i++) entries.push({ size: md.u64n(), sum: md.bytesView(digestBytes) });
      const rest = metadata.subarray(md.pos);
      const check = (source: Uint8Array, from: number, e: { size: number; sum: Uint8Array }, kind: string) => {
        if (from + e.size > source.byteLength) throw corrupt(step, name, `${kind} checksum covers ${e.size} bytes past the end`);
        const got = digest(source.subarray(from, from + e.size));
        if (Buffer.compare(got, e.sum) !== 0) {
          throw new TileDBError(
            "E_CORRUPT",
            `${step.what}: ${name} checksum mismatch on ${kind}: expected ${Buffer.from(e.sum).toString("hex")}, got ${got.toString("hex")}`,
          );
        }
        return from + e.size;
      };
      let p = 0;
      for (let i = 0; i < nMd; i++) p = check(rest, p, entries[i], "metadata");
      p = 0;
      for (let i = nMd; i < nMd + nData; i++) p = check(data, p, entries[i], "data");
      return { data, metadata: rest };
    },
  };
}
