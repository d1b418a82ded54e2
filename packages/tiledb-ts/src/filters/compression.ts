/**
 * The frame shared by TileDB's compression filters (tile.md, "Compression Filters"): every metadata part
 * and every data part of the input is compressed on its own; the filter's metadata lists
 * (original length, compressed length) for each; on read all parts land in one buffer.
 */
import { ByteReader } from "../binary.js";
import { TileDBError } from "../errors.js";
import type { FilterCodec, FilterParts, FilterReverseResult, FilterSpec, FilterStep, FilterType } from "./filter.js";
import { concatParts, corrupt, outputBuffer, u32Bytes } from "./util.js";

export interface PartCompressor {
  compress(part: Uint8Array, spec: FilterSpec, step: FilterStep): Uint8Array;
  /** Decompresses `input` into `out`, which has exactly the original length. */
  decompress(input: Uint8Array, out: Uint8Array, spec: FilterSpec, step: FilterStep): void;
}

/** The whole-tile form RLE and dictionary use for var-sized strings (cells and offsets in one stream). */
export interface VarStringForm {
  forward(data: Uint8Array, offsets: ArrayLike<number>, step: FilterStep): { header: Uint8Array; data: Uint8Array };
  /** `md` is positioned after the part counts; returns the strings and fills `step.decodedOffsets`. */
  reverse(data: Uint8Array, md: ByteReader, step: FilterStep): Uint8Array;
}

export function compressionCodec(
  type: FilterType,
  name: string,
  pc: PartCompressor,
  varForm?: VarStringForm,
  outputType?: FilterCodec["outputType"],
): FilterCodec {
  return {
    type,
    name,
    outputType,
    forward(data, metadata, spec, step): FilterParts {
      if (varForm && step.varStrings && step.varOffsets) {
        if (data.length !== 1 || metadata.length !== 0) {
          throw new TileDBError("E_SCHEMA", `${step.what}: ${name} must be the first filter for var-sized strings`);
        }
        const r = varForm.forward(data[0], step.varOffsets, step);
        return { data: [r.data], metadata: [r.header] };
      }
      const header: number[] = [metadata.length, data.length];
      const out: Uint8Array[] = [];
      for (const part of [...metadata, ...data]) {
        const c = part.byteLength === 0 ? new Uint8Array(0) : pc.compress(part, spec, step);
        header.push(part.byteLength, c.byteLength);
        out.push(c);
      }
      return { data: [concatParts(out)], metadata: [u32Bytes(header)] };
    },
    reverse(data, metadata, spec, step, out): FilterReverseResult {
      const md = new ByteReader(metadata, step.what);
      const nMd = md.u32();
      const nData = md.u32();
      if (varForm && step.varStrings) {
        return { data: varForm.reverse(data, md, step), metadata: new Uint8Array(0) };
      }
      if ((nMd + nData) * 8 > md.remaining) throw corrupt(step, name, `${nMd + nData} parts but ${md.remaining} metadata bytes`);
      const sizes: number[] = [];
      let mdTotal = 0;
      let dataTotal = 0;
      let compTotal = 0;
      for (let i = 0; i < nMd + nData; i++) {
        const orig = md.u32();
        const comp = md.u32();
        sizes.push(orig, comp);
        if (i < nMd) mdTotal += orig;
        else dataTotal += orig;
        compTotal += comp;
      }
      if (compTotal > data.byteLength) throw corrupt(step, name, `parts need ${compTotal} bytes, chunk has ${data.byteLength}`);
      const mdOut = new Uint8Array(mdTotal);
      const dataOut = outputBuffer(out, dataTotal, step);
      let inPos = 0;
      let mdPos = 0;
      let dataPos = 0;
      for (let i = 0; i < nMd + nData; i++) {
        const orig = sizes[2 * i];
        const comp = sizes[2 * i + 1];
        const input = data.subarray(inPos, inPos + comp);
        inPos += comp;
        let dest: Uint8Array;
        if (i < nMd) {
          dest = mdOut.subarray(mdPos, mdPos + orig);
          mdPos += orig;
        } else {
          dest = dataOut.subarray(dataPos, dataPos + orig);
          dataPos += orig;
        }
        if (orig === 0 && comp === 0) continue;
        try {
          pc.decompress(input, dest, spec, step);
        } catch (e) {
          if (e instanceof TileDBError) throw e;
          throw corrupt(step, name, (e as Error).message);
        }
      }
      return { data: dataOut, metadata: mdOut };
    },
  };
}
